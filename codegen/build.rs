//! Derives the method names generated code must avoid from the runtime's
//! source (`okta-identity-source/src/runtime/`, every `.rs` file in it and
//! its folders): the methods of `Client` (operation names) and of `Call`
//! (optional-parameter setters). Read at build time, so the generator's
//! lists cannot fall behind the runtime; the generator itself stays free
//! of IO.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

#[path = "src/reserved_scan.rs"]
#[allow(dead_code)]
mod reserved_scan;

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading the runtime folder {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rs_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let runtime = manifest.join("../okta-identity-source/src/runtime");
    println!("cargo:rerun-if-changed={}", runtime.display());
    println!("cargo:rerun-if-changed=src/reserved_scan.rs");
    let mut files = Vec::new();
    rs_files(&runtime, &mut files);
    files.sort();
    let mut client = BTreeSet::new();
    let mut call = BTreeSet::new();
    for file in &files {
        let text = std::fs::read_to_string(file)
            .unwrap_or_else(|e| panic!("reading {}: {e}", file.display()));
        let scan = |ty: &str| {
            reserved_scan::methods(&text, ty)
                .unwrap_or_else(|e| panic!("parsing {}: {e}", file.display()))
        };
        client.extend(scan("Client"));
        call.extend(scan("Call"));
    }
    assert!(
        client.contains("builder") && call.contains("send"),
        "no `Client::builder` or `Call::send` found under {}",
        runtime.display()
    );
    let list = |names: &BTreeSet<String>| {
        let mut s = String::new();
        for n in names {
            let _ = write!(s, "{n:?}, ");
        }
        s
    };
    let text = format!(
        "/// Every method of the runtime's `Client` (derived from its source by `build.rs`).\n\
         pub const CLIENT_METHODS: &[&str] = &[{}];\n\
         /// Every method of the runtime's `Call` (derived from its source by `build.rs`).\n\
         pub const CALL_METHODS: &[&str] = &[{}];\n",
        list(&client),
        list(&call)
    );
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR")).join("reserved.rs");
    std::fs::write(&out, text).unwrap_or_else(|e| panic!("writing {}: {e}", out.display()));
}

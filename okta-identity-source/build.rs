//! Records the compiler version for the `User-Agent` header
//! (`okta-identity-source-rust/<version> rust/<rustc version> <os>/<arch>`).
//! Cheap: one `rustc --version`, rerun only when this file or `RUSTC` changes.
//! Without it (for example in a crate that copied the runtime) the version
//! reads `unknown`.

use std::process::Command;

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=RUSTC");
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let version = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .and_then(|text| text.split_whitespace().nth(1).map(str::to_owned))
        .filter(|v| {
            v.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-+".contains(c))
        })
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo::rustc-env=OKTA_SDK_RUSTC_VERSION={version}");
}

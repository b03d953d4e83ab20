//! `cargo xtask codegen --spec FILE --out DIR`: a standalone crate for any
//! spec: the generated code plus a verbatim copy of the hand-written runtime
//! (`okta-identity-source/src/runtime/`, which never names a generated
//! type), with the runtime's dependencies resolved from this workspace.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};

use crate::codegen_cmd::{label, run_generator};
use crate::fsutil::{sync_dir, write_atomic};

const CLIENT_CRATE: &str = "okta-identity-source";

pub fn generate(root: &Path, spec: &Path, out: &Path, verbose: bool) -> anyhow::Result<ExitCode> {
    let Some(output) = run_generator(root, spec, verbose)? else {
        return Ok(ExitCode::FAILURE);
    };
    let name = crate_name(out)?;
    let manifest = manifest(root, &name)?;
    let spec_label = label(root, spec);

    fs::create_dir_all(out.join("src"))?;
    write_atomic(&out.join("Cargo.toml"), &manifest)?;
    let lock = root.join("Cargo.lock");
    if lock.is_file() && !out.join("Cargo.lock").exists() {
        // Same versions as this workspace, so a shared target dir reuses builds.
        fs::copy(&lock, out.join("Cargo.lock"))?;
    }
    let build_rs = root.join(CLIENT_CRATE).join("build.rs");
    if build_rs.is_file() {
        fs::copy(&build_rs, out.join("build.rs"))?;
    }
    write_atomic(&out.join("src/lib.rs"), &lib_rs(&spec_label))?;

    let runtime_src = root.join(CLIENT_CRATE).join("src/runtime");
    let runtime = runtime_files(&runtime_src)?;
    copy_runtime(&runtime, &out.join("src/runtime"))?;
    let files: Vec<(String, String)> = output
        .files
        .into_iter()
        .map(|f| (f.path, f.contents))
        .collect();
    sync_dir(
        &out.join("src/generated"),
        &files,
        codegen::render::HEADER_PREFIX,
        false,
    )?;
    println!(
        "generated crate `{name}` in {} from {spec_label}: {} operations, {} types, {} example tests, {} warning(s)",
        out.display(),
        output.stats.operations,
        output.stats.types,
        output.stats.examples,
        output.warnings.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// Every `.rs` file under the runtime's directory, sub-folders included
/// (`config/…`), as a path relative to it (with `/` separators) and its text,
/// sorted. Other files are not part of the runtime.
fn runtime_files(dir: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let mut files = Vec::new();
    let mut pending = vec![PathBuf::new()];
    while let Some(rel) = pending.pop() {
        let here = dir.join(&rel);
        for entry in fs::read_dir(&here).with_context(|| format!("reading {}", here.display()))? {
            let entry = entry?;
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                pending.push(rel.join(&name));
            } else if path.extension().and_then(|e| e.to_str()) == Some("rs") {
                let text = fs::read_to_string(&path)
                    .with_context(|| format!("reading {}", path.display()))?;
                files.push((relative_name(&rel.join(&name)), text));
            }
        }
    }
    files.sort();
    if files.is_empty() {
        bail!("no runtime sources in {}", dir.display());
    }
    Ok(files)
}

/// `a/b.rs` whatever the platform's separator.
fn relative_name(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Makes `dest` hold exactly the runtime's `.rs` files: writes the changed
/// ones, and removes `.rs` files (and emptied folders) the runtime no longer
/// has, such as a `config.rs` left from before `config/` was a folder, which
/// would otherwise make the module ambiguous. The folder is the runtime's
/// copy: nothing else belongs there.
fn copy_runtime(files: &[(String, String)], dest: &Path) -> anyhow::Result<()> {
    for (name, text) in files {
        let path = dest.join(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        if fs::read(&path).is_ok_and(|old| old == text.as_bytes()) {
            continue;
        }
        write_atomic(&path, text)?;
    }
    let mut dirs = vec![PathBuf::new()];
    let mut seen_dirs = Vec::new();
    while let Some(rel) = dirs.pop() {
        let here = dest.join(&rel);
        for entry in fs::read_dir(&here).with_context(|| format!("reading {}", here.display()))? {
            let entry = entry?;
            let rel_path = rel.join(entry.file_name());
            if entry.file_type()?.is_dir() {
                dirs.push(rel_path.clone());
                seen_dirs.push(rel_path);
            } else if entry.path().extension().and_then(|e| e.to_str()) == Some("rs") {
                let name = relative_name(&rel_path);
                if !files.iter().any(|(n, _)| *n == name) {
                    fs::remove_file(entry.path())
                        .with_context(|| format!("removing {}", entry.path().display()))?;
                }
            }
        }
    }
    // Deepest first; a folder that still holds something stays.
    seen_dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
    for rel in seen_dirs {
        let _ = fs::remove_dir(dest.join(rel));
    }
    Ok(())
}

fn crate_name(out: &Path) -> anyhow::Result<String> {
    let base = out
        .file_name()
        .and_then(|n| n.to_str())
        .context("--out must name a directory")?;
    let name: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let name = name.trim_matches('-').to_string();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        bail!("cannot derive a crate name from {}", out.display());
    }
    Ok(name)
}

/// Features of the client crate that are the runtime's own (its code tests
/// them, or they only add to its reqwest).
const RUNTIME_FEATURES: &[&str] = &["gzip", "http2", "okta-yaml"];

/// The runtime's non-optional dependencies and its own features (with the
/// optional dependencies they enable), resolved against the workspace.
fn manifest(root: &Path, name: &str) -> anyhow::Result<String> {
    let ws: toml::Table = fs::read_to_string(root.join("Cargo.toml"))?.parse()?;
    let krate: toml::Table =
        fs::read_to_string(root.join(CLIENT_CRATE).join("Cargo.toml"))?.parse()?;
    let ws_deps = ws
        .get("workspace")
        .and_then(|w| w.get("dependencies"))
        .and_then(|d| d.as_table())
        .cloned()
        .unwrap_or_default();
    let ws_package = ws.get("workspace").and_then(|w| w.get("package"));
    let edition = ws_package
        .and_then(|p| p.get("edition"))
        .and_then(|e| e.as_str())
        .unwrap_or("2024")
        .to_string();
    // The runtime is written for this MSRV (lints such as collapsible_if
    // depend on it), so the copy declares the same one.
    let rust_version = ws_package.and_then(|p| p.get("rust-version")).cloned();
    let mut deps = toml::Table::new();
    let crate_deps = krate
        .get("dependencies")
        .and_then(|d| d.as_table())
        .cloned()
        .unwrap_or_default();
    // The runtime's own features, with the optional dependencies they
    // enable; the crate's other features are about modules not copied.
    let mut features = toml::Table::new();
    let crate_features = krate.get("features").and_then(|f| f.as_table());
    for feature in RUNTIME_FEATURES {
        let Some(enables) = crate_features.and_then(|f| f.get(*feature)) else {
            bail!("{CLIENT_CRATE}/Cargo.toml has no feature `{feature}`")
        };
        features.insert((*feature).into(), enables.clone());
    }
    // The copy's defaults are the client crate's, as far as they are the
    // runtime's (so a copy reads okta.yaml files as the client crate does).
    let defaults: Vec<toml::Value> = crate_features
        .and_then(|f| f.get("default"))
        .and_then(|d| d.as_array())
        .into_iter()
        .flatten()
        .filter(|v| v.as_str().is_some_and(|f| RUNTIME_FEATURES.contains(&f)))
        .cloned()
        .collect();
    features.insert("default".into(), toml::Value::Array(defaults));
    let enabled_deps: Vec<String> = features
        .values()
        .filter_map(|v| v.as_array())
        .flatten()
        .filter_map(|v| v.as_str()?.strip_prefix("dep:").map(str::to_owned))
        .collect();
    for (dep, spec) in crate_deps {
        let optional = spec
            .get("optional")
            .and_then(|o| o.as_bool())
            .unwrap_or(false);
        if optional && !enabled_deps.contains(&dep) {
            continue;
        }
        let from_ws = spec
            .get("workspace")
            .and_then(|w| w.as_bool())
            .unwrap_or(false);
        let resolved = if from_ws {
            let Some(base) = ws_deps.get(&dep) else {
                bail!("`{dep}` is not in [workspace.dependencies]")
            };
            let mut table = match base {
                toml::Value::String(v) => {
                    let mut t = toml::Table::new();
                    t.insert("version".into(), toml::Value::String(v.clone()));
                    t
                }
                toml::Value::Table(t) => t.clone(),
                _ => bail!("unexpected [workspace.dependencies] entry for `{dep}`"),
            };
            if optional {
                table.insert("optional".into(), true.into());
            }
            if let Some(extra) = spec.get("features").and_then(|f| f.as_array()) {
                let mut features = table
                    .get("features")
                    .and_then(|f| f.as_array())
                    .cloned()
                    .unwrap_or_default();
                features.extend(extra.iter().cloned());
                table.insert("features".into(), toml::Value::Array(features));
            }
            toml::Value::Table(table)
        } else {
            spec
        };
        deps.insert(dep, resolved);
    }
    let mut package = toml::Table::new();
    package.insert("name".into(), name.into());
    package.insert("version".into(), "0.1.0".into());
    package.insert("edition".into(), edition.into());
    package.insert("publish".into(), false.into());
    if let Some(v) = rust_version {
        package.insert("rust-version".into(), v);
    }
    let mut doc = toml::Table::new();
    doc.insert("package".into(), toml::Value::Table(package));
    doc.insert("dependencies".into(), toml::Value::Table(deps));
    doc.insert("features".into(), toml::Value::Table(features));
    // A workspace of its own, so it builds wherever it is generated.
    doc.insert("workspace".into(), toml::Value::Table(toml::Table::new()));
    Ok(format!(
        "# Generated by `cargo xtask codegen --spec … --out …`; regenerate rather than edit.\n{}",
        toml::to_string(&doc)?
    ))
}

fn lib_rs(spec: &str) -> String {
    format!(
        r#"//! A client generated from `{spec}` by `cargo xtask codegen --spec … --out …`,
//! on the hand-written runtime of okta-identity-source (copied into `runtime/`).

mod runtime;

#[rustfmt::skip]
mod generated;

/// The request and response types of the operations, and what their fields
/// use: [`Nullable`](models::Nullable), [`UnknownValue`](models::UnknownValue),
/// and serde_json's [`Value`](models::Value) and [`Map`](models::Map).
pub mod models {{
    // A spec without schemas generates an empty module.
    #[allow(unused_imports)]
    pub use crate::generated::models::*;
}}
pub use generated::operations;
pub use runtime::surface::{{__private, config, error}};
pub use runtime::{{Call, Client, ClientBuilder, Error, Response, Result}};
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("scratch dir");
        dir
    }

    /// The runtime's folders are copied, and a module that became a folder
    /// does not leave its old file behind (`config.rs` beside `config/mod.rs`
    /// does not compile).
    #[test]
    fn the_runtime_copy_follows_folders_and_drops_stale_files() {
        let root = scratch("runtime-copy");
        let src = root.join("src");
        let dest = root.join("dest");
        fs::create_dir_all(src.join("config")).expect("mkdir");
        fs::write(src.join("mod.rs"), "mod config;\n").expect("write");
        fs::write(src.join("config/mod.rs"), "mod env;\n").expect("write");
        fs::write(src.join("config/env.rs"), "// env\n").expect("write");
        fs::write(src.join("notes.txt"), "not a source").expect("write");
        fs::create_dir_all(dest.join("gone")).expect("mkdir");
        fs::write(dest.join("config.rs"), "// the old module\n").expect("write");
        fs::write(dest.join("gone/old.rs"), "// removed module\n").expect("write");
        fs::write(dest.join("README"), "kept").expect("write");

        let files = runtime_files(&src).expect("runtime files");
        let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["config/env.rs", "config/mod.rs", "mod.rs"]);
        copy_runtime(&files, &dest).expect("copy");

        assert_eq!(
            fs::read_to_string(dest.join("config/env.rs"))
                .ok()
                .as_deref(),
            Some("// env\n")
        );
        assert_eq!(
            fs::read_to_string(dest.join("mod.rs")).ok().as_deref(),
            Some("mod config;\n")
        );
        assert!(!dest.join("config.rs").exists(), "stale config.rs kept");
        assert!(!dest.join("gone").exists(), "emptied folder kept");
        assert!(
            dest.join("README").exists(),
            "a non-source file was removed"
        );
        assert!(
            !dest.join("notes.txt").exists(),
            "a non-source file was copied"
        );
        let _ = fs::remove_dir_all(&root);
    }

    #[test]
    fn an_empty_runtime_is_refused() {
        let root = scratch("runtime-empty");
        assert!(runtime_files(&root).is_err());
        let _ = fs::remove_dir_all(&root);
    }
}

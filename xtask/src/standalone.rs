//! `cargo xtask codegen --spec FILE --out DIR`: a standalone crate for any
//! spec: the generated code plus a verbatim copy of the hand-written runtime
//! (`okta-identity-source/src/runtime/`, which never names a generated
//! type), with the runtime's dependencies resolved from this workspace.

use std::fs;
use std::path::Path;
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
    let mut runtime: Vec<(String, String)> = Vec::new();
    for entry in
        fs::read_dir(&runtime_src).with_context(|| format!("reading {}", runtime_src.display()))?
    {
        let path = entry?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("rs") {
            continue;
        }
        let Some(file) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        runtime.push((file.to_string(), fs::read_to_string(&path)?));
    }
    runtime.sort();
    fs::create_dir_all(out.join("src/runtime"))?;
    for (file, text) in &runtime {
        write_atomic(&out.join("src/runtime").join(file), text)?;
    }
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

/// The runtime's non-optional dependencies, resolved against the workspace.
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
    for (dep, spec) in crate_deps {
        let optional = spec
            .get("optional")
            .and_then(|o| o.as_bool())
            .unwrap_or(false);
        if optional {
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

/// The request and response types of the operations, and the [`Nullable`](models::Nullable)
/// their optional fields use.
pub mod models {{
    // A spec without schemas generates an empty module.
    #[allow(unused_imports)]
    pub use crate::generated::models::*;
    pub use crate::runtime::Nullable;
}}
pub use generated::operations;
pub use runtime::surface::{{__private, config, error}};
pub use runtime::{{Call, Client, ClientBuilder, Error, Response, Result}};
"#
    )
}

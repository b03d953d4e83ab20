//! `cargo xtask codegen`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};

use crate::fsutil::{SyncReport, sync_dir};
use crate::workspace_root;

/// Where the crate's generated code lives, relative to the workspace root.
pub const GENERATED_DIR: &str = "okta-identity-source/src/generated";

pub fn run(
    check: bool,
    spec: Option<PathBuf>,
    out: Option<PathBuf>,
    verbose: bool,
) -> anyhow::Result<ExitCode> {
    let root = workspace_root();
    if let Some(out) = out {
        let Some(spec) = spec else {
            bail!("--out needs --spec FILE")
        };
        return crate::standalone::generate(&root, &spec, &out, verbose);
    }
    let spec = match spec {
        Some(s) => s,
        None => default_spec(&root)?,
    };
    let outcome = generate_crate(&root, &spec, check, verbose)?;
    Ok(outcome)
}

/// The one OpenAPI file in `spec/`.
pub fn default_spec(root: &Path) -> anyhow::Result<PathBuf> {
    let dir = root.join("spec");
    let mut found: Vec<PathBuf> = fs::read_dir(&dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml" | "json")
            ) && p.file_name().and_then(|n| n.to_str()) != Some(codegen::overlay::FILE_NAME)
        })
        .collect();
    found.sort();
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => bail!(
            "no OpenAPI file (*.yaml, *.yml, *.json) in {}",
            dir.display()
        ),
        _ => bail!(
            "several OpenAPI files in {}: {}; keep one (merge them, for example with `cargo xtask spec add`) or pass --spec",
            dir.display(),
            found
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The label a spec gets in diagnostics and headers: relative to the root when inside it.
pub fn label(root: &Path, spec: &Path) -> String {
    let abs = if spec.is_absolute() {
        spec.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(spec))
            .unwrap_or_else(|_| spec.to_path_buf())
    };
    let rel = abs.strip_prefix(root).map(Path::to_path_buf).unwrap_or(abs);
    rel.to_string_lossy().replace('\\', "/")
}

/// The corrections overlay beside a spec file (`spec/corrections.yaml`), parsed.
pub struct LoadedOverlay {
    pub label: String,
    pub overlay: codegen::overlay::Overlay,
}

/// The overlay beside `spec`, if there is one. A malformed overlay is an error.
pub fn load_overlay(root: &Path, spec: &Path) -> anyhow::Result<Option<LoadedOverlay>> {
    let path = overlay_path(spec);
    if !path.is_file() {
        return Ok(None);
    }
    let text = crate::fsutil::read_spec(&path)?;
    let label = label(root, &path);
    match codegen::overlay::parse(&label, &text) {
        Ok(overlay) => Ok(Some(LoadedOverlay { label, overlay })),
        Err(diags) => bail!(
            "{}\n{label} is malformed; nothing was written",
            diags
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

/// Where the overlay of `spec` lives: beside it.
pub fn overlay_path(spec: &Path) -> PathBuf {
    spec.parent()
        .unwrap_or(Path::new("."))
        .join(codegen::overlay::FILE_NAME)
}

/// Errors for the corrections of `overlay` that `text` does not hold.
pub fn corrections_not_in_place(
    spec_label: &str,
    text: &str,
    overlay: &LoadedOverlay,
) -> Vec<codegen::Diagnostic> {
    let mut diags = codegen::diag::Diagnostics::new(spec_label);
    match codegen::load::parse_yaml(text, &mut diags) {
        Ok(doc) => {
            codegen::overlay::check_in_place(spec_label, &overlay.label, &doc, &overlay.overlay)
        }
        Err(d) => d,
    }
}

/// Run the generator on `spec`, printing diagnostics. `Ok(None)` when it
/// failed. With an overlay beside the spec, every correction must be in
/// place, and the warnings it accepts are counted, not returned.
pub fn run_generator(
    root: &Path,
    spec: &Path,
    verbose: bool,
) -> anyhow::Result<Option<codegen::Output>> {
    let label = label(root, spec);
    // Errors name the spec as every diagnostic does (the label), not by
    // the absolute path the default spec is found at.
    let text = crate::fsutil::read_spec_labelled(spec, &label)?;
    let overlay = load_overlay(root, spec)?;
    if let Some(overlay) = &overlay {
        let errors = corrections_not_in_place(&label, &text, overlay);
        if !errors.is_empty() {
            for d in &errors {
                eprintln!("{d}");
            }
            eprintln!(
                "{label} does not hold every correction of {}; nothing was written",
                overlay.label
            );
            return Ok(None);
        }
    }
    match codegen::generate(&label, &text) {
        Ok(mut out) => {
            if let Some(overlay) = &overlay {
                let triage =
                    codegen::overlay::triage(std::mem::take(&mut out.warnings), &overlay.overlay);
                if !triage.accepted.is_empty() {
                    eprintln!(
                        "{} warning(s) accepted by {} (each with its reason there)",
                        triage.accepted.len(),
                        overlay.label
                    );
                }
                out.warnings = triage.unaccepted;
            }
            print_warnings(&out.warnings, verbose);
            if overlay.is_some() && !out.warnings.is_empty() {
                print_acceptance_hint(&out.warnings, &overlay_path(spec), root);
            }
            Ok(Some(out))
        }
        Err(diags) => {
            let errors = diags.iter().filter(|d| d.is_error()).count();
            for d in &diags {
                if d.is_error() || verbose {
                    eprintln!("{d}");
                }
            }
            let warnings = diags.len() - errors;
            eprintln!("{errors} error(s), {warnings} warning(s) in {label}; nothing was written");
            Ok(None)
        }
    }
}

/// How to deal with warnings: a correction, or an accepted-warnings entry
/// (printed ready to paste, with the reason left for the user to write).
fn print_acceptance_hint(warnings: &[codegen::Diagnostic], overlay: &Path, root: &Path) {
    let label = label(root, overlay);
    eprintln!(
        "each warning is an upstream defect to correct (a JSON patch under `corrections:` in {label}, then `cargo xtask spec apply`),\n\
         or one to accept: add it under `accepted-warnings:` there with the reason it is harmless, for example:"
    );
    let quote = |s: &str| format!("'{}'", s.replace('\'', "''"));
    for w in warnings.iter().take(5) {
        eprintln!(
            "- pointer: {}\n  message: {}\n  reason: ''   # why this is harmless for this crate",
            quote(&w.pointer),
            quote(&w.message)
        );
    }
}

fn print_warnings(warnings: &[codegen::Diagnostic], verbose: bool) {
    if warnings.is_empty() {
        return;
    }
    const SHOWN: usize = 20;
    for w in warnings
        .iter()
        .take(if verbose { usize::MAX } else { SHOWN })
    {
        eprintln!("{w}");
    }
    if !verbose && warnings.len() > SHOWN {
        let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
        for w in warnings {
            let kind: String = w
                .message
                .split([';', '('])
                .next()
                .unwrap_or("")
                .chars()
                .filter(|c| !c.is_ascii_digit())
                .take(60)
                .collect();
            *kinds.entry(kind).or_default() += 1;
        }
        eprintln!(
            "… {} more warnings (--verbose shows all). By kind:",
            warnings.len() - SHOWN
        );
        let mut kinds: Vec<(String, usize)> = kinds.into_iter().collect();
        kinds.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        for (k, n) in kinds.iter().take(15) {
            eprintln!("  {n:5}  {k}");
        }
    }
    eprintln!("{} warning(s)", warnings.len());
}

fn generate_crate(
    root: &Path,
    spec: &Path,
    check: bool,
    verbose: bool,
) -> anyhow::Result<ExitCode> {
    let Some(output) = run_generator(root, spec, verbose)? else {
        return Ok(ExitCode::FAILURE);
    };
    let label = label(root, spec);
    let files: Vec<(String, String)> = output
        .files
        .into_iter()
        .map(|f| (f.path, f.contents))
        .collect();
    let dir = root.join(GENERATED_DIR);
    let report = sync_dir(&dir, &files, codegen::render::HEADER_PREFIX, check)?;
    if check {
        let mut failed = false;
        if !output.warnings.is_empty() {
            eprintln!("the drift check denies warnings: {label} must generate without any");
            failed = true;
        }
        if !report.is_clean() {
            print_drift(&report);
            let text = crate::fsutil::read_spec(spec)?;
            crate::api_report::print_against_head(root, spec, &label, &text);
            failed = true;
        }
        if failed {
            eprintln!("run `cargo xtask codegen` and commit the result");
            return Ok(ExitCode::FAILURE);
        }
        println!(
            "{GENERATED_DIR} is up to date with {label} ({} operations, {} types, {} examples)",
            output.stats.operations, output.stats.types, output.stats.examples
        );
        return Ok(ExitCode::SUCCESS);
    }
    let touched = report.changed.len() + report.missing.len() + report.extra.len();
    println!(
        "generated {} operations, {} types, {} example tests from {label}: {touched} file(s) changed in {GENERATED_DIR}",
        output.stats.operations, output.stats.types, output.stats.examples
    );
    if touched > 0 {
        let text = crate::fsutil::read_spec(spec)?;
        crate::api_report::print_against_head(root, spec, &label, &text);
        if crate::api_report::committed(root, spec).as_deref() == Some(text.as_str()) {
            println!(
                "{label} is as committed: the files changed because the generator did; this report covers spec changes only"
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_drift(report: &SyncReport) {
    for p in &report.changed {
        eprintln!("stale:   {}", p.display());
    }
    for p in &report.missing {
        eprintln!("missing: {}", p.display());
    }
    for p in &report.extra {
        eprintln!("extra:   {}", p.display());
    }
    for d in &report.diffs {
        eprintln!("{d}");
    }
}

/// Check mode as a plain function, for the drift test.
#[cfg(test)]
pub fn drift(root: &Path) -> anyhow::Result<SyncReport> {
    let spec = default_spec(root)?;
    let label = label(root, &spec);
    let text = fs::read_to_string(&spec)?;
    let overlay = load_overlay(root, &spec)?;
    if let Some(overlay) = &overlay {
        let errors = corrections_not_in_place(&label, &text, overlay);
        if !errors.is_empty() {
            bail!(
                "{}",
                errors
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
    }
    let mut output = codegen::generate(&label, &text).map_err(|d| {
        anyhow::anyhow!(
            d.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    })?;
    if let Some(overlay) = &overlay {
        output.warnings =
            codegen::overlay::triage(std::mem::take(&mut output.warnings), &overlay.overlay)
                .unaccepted;
    }
    if !output.warnings.is_empty() {
        bail!(
            "{label} generates with warnings:\n{}",
            output
                .warnings
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    let files: Vec<(String, String)> = output
        .files
        .into_iter()
        .map(|f| (f.path, f.contents))
        .collect();
    Ok(sync_dir(
        &root.join(GENERATED_DIR),
        &files,
        codegen::render::HEADER_PREFIX,
        true,
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Plain `cargo test` fails when the committed generated code drifts.
    #[test]
    fn generated_code_matches_spec() {
        let report = drift(&workspace_root()).expect("the spec generates");
        assert!(
            report.is_clean(),
            "okta-identity-source/src/generated is stale; run `cargo xtask codegen`.\nchanged: {:?}\nmissing: {:?}\nextra: {:?}\n{}",
            report.changed,
            report.missing,
            report.extra,
            report.diffs.join("\n")
        );
    }
}

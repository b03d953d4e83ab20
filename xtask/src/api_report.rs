//! The public-API change report: the generator's IR of two specs compared
//! by `codegen::apidiff`. This module only finds the texts (the committed
//! spec comes from `git show HEAD:…`) and prints.

use std::path::Path;
use std::process::Command;

/// The spec file as committed at `HEAD`, if git has it.
pub fn committed(root: &Path, spec: &Path) -> Option<String> {
    let abs = if spec.is_absolute() {
        spec.to_path_buf()
    } else {
        std::env::current_dir().ok()?.join(spec)
    };
    let rel = abs.strip_prefix(root).ok()?;
    let rel = rel.to_string_lossy().replace('\\', "/");
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .arg("show")
        .arg(format!("HEAD:{rel}"))
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8(out.stdout).ok()
}

/// The report from `old` to `new` (both spec texts), or why there is none.
pub fn report(
    old_label: &str,
    old: &str,
    new_label: &str,
    new: &str,
) -> Result<codegen::apidiff::Report, String> {
    let lower = |label: &str, text: &str| {
        codegen::lower_spec(label, text).map_err(|d| {
            format!(
                "{label} does not generate:\n{}",
                d.iter()
                    .filter(|d| d.is_error())
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        })
    };
    let a = lower(old_label, old)?;
    let b = lower(new_label, new)?;
    Ok(codegen::apidiff::diff(&a, &b))
}

/// Print the report, headed by what is compared.
pub fn print(title: &str, old_label: &str, old: &str, new_label: &str, new: &str) {
    println!("{title}");
    match report(old_label, old, new_label, new) {
        Ok(r) => println!("{r}"),
        Err(e) => println!("no report: {e}"),
    }
}

/// The report of the working spec against the committed one (`HEAD`).
pub fn print_against_head(root: &Path, spec: &Path, label: &str, text: &str) {
    match committed(root, spec) {
        Some(old) => print(
            &format!("public API change, {label} at HEAD → working tree:"),
            &format!("HEAD:{label}"),
            &old,
            label,
            text,
        ),
        None => println!("public API change: no committed {label} (git HEAD) to compare with"),
    }
}

//! `cargo xtask check-semver`: proof that what an upstream release adds is
//! a minor change for users. Generates a crate from `xtask/semver/base.yaml`,
//! from `additions.yaml` (the same spec with properties, enum values, an
//! operation, optional parameters, an operation's first included, and a
//! union member added) and from
//! `breaking.yaml` (a property and an enum value removed), and compiles one
//! downstream crate (`downstream.rs`: field access, `match` on enums, a
//! struct pattern, construction with setters, calls with optional
//! parameters, a call type named) against each with
//! `cargo check`: it must compile against the first two and fail against the
//! third; the API report must say minor and major. Run by CI; the crates
//! share one target directory.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use anyhow::{Context, bail};

use crate::workspace_root;
use codegen::apidiff::Level;

const VARIANTS: [(&str, Level, bool); 3] = [
    ("base", Level::Unchanged, true),
    ("additions", Level::Minor, true),
    ("breaking", Level::Major, false),
];

pub fn run(target: Option<PathBuf>, keep: bool) -> anyhow::Result<ExitCode> {
    let root = workspace_root();
    let fixtures = root.join("xtask/semver");
    let work = std::env::temp_dir().join(format!("xtask-check-semver-{}", std::process::id()));
    fs::create_dir_all(&work)?;
    let target = target.unwrap_or_else(|| work.join("target"));
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let base_path = fixtures.join("base.yaml");
    let base = fs::read_to_string(&base_path)
        .with_context(|| format!("reading {}", base_path.display()))?;
    let base_label = crate::codegen_cmd::label(&root, &base_path);

    let downstream = work.join("downstream");
    fs::create_dir_all(downstream.join("src"))?;
    fs::copy(
        fixtures.join("downstream.rs"),
        downstream.join("src/lib.rs"),
    )?;
    let lock = root.join("Cargo.lock");
    if lock.is_file() {
        fs::copy(&lock, downstream.join("Cargo.lock"))?;
    }

    let mut failures = Vec::new();
    for (variant, want, compiles) in VARIANTS {
        let started = Instant::now();
        let spec = fixtures.join(format!("{variant}.yaml"));
        let text = fs::read_to_string(&spec)?;
        let label = crate::codegen_cmd::label(&root, &spec);
        let out = work.join(variant).join("semver-api");
        if crate::standalone::generate(&root, &spec, &out, false)? != ExitCode::SUCCESS {
            bail!("{label} does not generate");
        }
        let report = crate::api_report::report(&base_label, &base, &label, &text)
            .map_err(anyhow::Error::msg)?;
        println!("public API change, {base_label} → {label}:\n{report}");
        if report.level != want {
            failures.push(format!(
                "{variant}: the report says `{}`, expected `{}`",
                report.level.line(),
                want.line()
            ));
        }
        fs::write(downstream.join("Cargo.toml"), manifest(&out))?;
        let log = downstream.join(format!("{variant}.log"));
        let output = Command::new(&cargo)
            .args(["check", "--quiet", "--lib"])
            .current_dir(&downstream)
            .env("CARGO_TARGET_DIR", &target)
            .stdin(Stdio::null())
            .output()
            .context("running cargo check")?;
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        fs::write(&log, &text)?;
        let ok = output.status.success();
        let first_error = text
            .lines()
            .find(|l| l.starts_with("error"))
            .unwrap_or("")
            .to_string();
        println!(
            "downstream crate against {variant}: {} ({:.1} s){}",
            if ok { "compiles" } else { "does not compile" },
            started.elapsed().as_secs_f64(),
            if ok {
                String::new()
            } else {
                format!(": {first_error}")
            }
        );
        if ok != compiles {
            failures.push(format!(
                "{variant}: the downstream crate {} (log: {})",
                if ok {
                    "compiles, and must not"
                } else {
                    "does not compile"
                },
                log.display()
            ));
        }
    }
    if failures.is_empty() {
        println!(
            "additions upstream are a minor change: the downstream crate compiles against both; the breaking spec is caught"
        );
        if !keep {
            let _ = fs::remove_dir_all(&work);
        }
        Ok(ExitCode::SUCCESS)
    } else {
        for f in &failures {
            println!("FAILED: {f}");
        }
        println!("crates and logs kept in {}", work.display());
        Ok(ExitCode::FAILURE)
    }
}

fn manifest(api: &Path) -> String {
    let path = api.display().to_string().replace('\\', "/");
    format!(
        r#"[package]
name = "semver-downstream"
version = "0.1.0"
edition = "2024"
publish = false

[dependencies]
semver-api = {{ path = "{path}" }}
chrono = {{ version = "0.4", default-features = false, features = ["std", "clock"] }}

[workspace]
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> (String, String) {
        let path = workspace_root().join("xtask/semver").join(name);
        (
            format!("xtask/semver/{name}"),
            fs::read_to_string(&path).expect("fixture"),
        )
    }

    /// The report of the fixtures, item by item, from the xtask entry point.
    #[test]
    fn the_report_names_each_addition_and_says_minor() {
        let (bl, base) = fixture("base.yaml");
        let (al, add) = fixture("additions.yaml");
        let r = crate::api_report::report(&bl, &base, &al, &add).expect("both generate");
        let text = r.to_string();
        for item in [
            "minor  added    field Session::import_type: Option<ImportType>  (#/components/schemas/Session/properties/importType)",
            "minor  added    field Session::last_updated: Option<DateTime<Utc>>",
            "minor  added    variant SessionStatus::Expired (`EXPIRED`)  (#/components/schemas/SessionStatus/enum)",
            "minor  added    enum ImportType  (#/components/schemas/ImportType)",
            "minor  added    method Client::delete_session(session_id: &str): returns ()  (#/paths/~1sessions~1{sessionId}/delete)",
            "minor  added    type operations::DeleteSession  (#/paths/~1sessions~1{sessionId}/delete)",
            "minor  added    optional parameter Call<_, operations::ListSessions>::filter(impl Into<String>) of Client::list_sessions",
            "minor  added    optional parameter Call<_, operations::GetSession>::expand(impl Into<String>) of Client::get_session",
            "minor  added    variant Outcome::Event(Event)",
            "minor  added    field Event::source: Option<String>",
            "minor  added    field Profile::department: Option<String>",
        ] {
            assert!(text.contains(item), "missing `{item}` in\n{text}");
        }
        assert!(text.ends_with("\npublic API: minor change"), "{text}");
        assert_eq!(text.matches("public API:").count(), 1);
    }

    #[test]
    fn the_report_of_removals_says_major() {
        let (bl, base) = fixture("base.yaml");
        let (kl, broken) = fixture("breaking.yaml");
        let r = crate::api_report::report(&bl, &base, &kl, &broken).expect("both generate");
        let text = r.to_string();
        assert!(
            text.contains(
                "major  removed  field Session::id  (#/components/schemas/Session/properties/id)"
            ),
            "{text}"
        );
        assert!(
            text.contains("major  removed  variant SessionStatus::Triggered (`TRIGGERED`)"),
            "{text}"
        );
        assert!(text.ends_with("\npublic API: major change"), "{text}");
        let same = crate::api_report::report(&bl, &base, &bl, &base).expect("generates");
        assert_eq!(same.to_string(), "public API: unchanged");
    }
}

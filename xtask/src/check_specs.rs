//! Compile what the generator produces, the way a user would, for many specs:
//!
//! - `cargo xtask check-tags --from FILE [--tag T]…`: every tag of an
//!   upstream spec (or the ones named), each on its own: `spec add --tag T`
//!   into an empty spec (with `--into-spec`: into a copy of spec/ and its
//!   corrections overlay, where any warning the overlay does not accept
//!   fails), then the crate check below. Slow (a few seconds a tag); not
//!   part of CI.
//! - `cargo xtask check-fixtures`: every fixture of the bad-spec corpus
//!   that is expected to generate (its `.expected` has no `error:` line),
//!   and every real spec of another service in `codegen/tests/real_specs/`.
//!   The corpus test only parses their output; this compiles it. Run by CI.
//!
//! The crate check: `codegen --spec S --out DIR`, then
//! `cargo clippy --all-targets -- -D warnings` in DIR, then, when the spec
//! has examples, `cargo test --lib` (their round-trip tests). All crates
//! share one target directory.
//! One line a spec; fails if any spec fails.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use anyhow::Context;

use crate::fsutil::read_spec;

/// One spec to check: its label, and how to get the spec file in place.
struct Case {
    label: String,
    /// Start from a copy of this spec (and the corrections overlay beside
    /// it) instead of an empty one; any warning it does not accept fails.
    base: Option<PathBuf>,
    /// Run `spec add --from FROM --tag TAG` into an empty spec first.
    add_tag: Option<(PathBuf, String)>,
    /// The spec file (written by `spec add` when `add_tag` is set).
    spec: PathBuf,
}

pub fn tags(
    from: &Path,
    tags: Vec<String>,
    into_spec: bool,
    target: Option<PathBuf>,
    keep: bool,
) -> anyhow::Result<ExitCode> {
    let base = if into_spec {
        Some(crate::codegen_cmd::default_spec(&crate::workspace_root())?)
    } else {
        None
    };
    let upstream = read_spec(from)?;
    let tags = if tags.is_empty() {
        codegen::spec_add::tags(&from.display().to_string(), &upstream).map_err(|d| {
            anyhow::anyhow!(
                d.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        })?
    } else {
        tags
    };
    let work = work_dir("tags")?;
    let cases = tags
        .into_iter()
        .enumerate()
        .map(|(i, tag)| Case {
            label: tag.clone(),
            base: base.clone(),
            add_tag: Some((from.to_path_buf(), tag)),
            spec: work.join(format!("{i:03}")).join("spec.yaml"),
        })
        .collect();
    println!("tags of {}", from.display());
    run(&work, cases, target, keep)
}

pub fn fixtures(target: Option<PathBuf>, keep: bool) -> anyhow::Result<ExitCode> {
    let corpus = crate::workspace_root().join("codegen/tests/bad_specs");
    let mut cases = Vec::new();
    let mut entries: Vec<PathBuf> = fs::read_dir(&corpus)
        .with_context(|| format!("reading {}", corpus.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for spec in entries {
        if spec.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let expected = fs::read_to_string(spec.with_extension("expected")).unwrap_or_default();
        if expected.lines().any(|l| l.starts_with("error:")) {
            continue; // expected not to generate
        }
        let label = spec
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        cases.push(Case {
            label,
            base: None,
            add_tag: None,
            spec,
        });
    }
    // The real specs of other services: every one must generate.
    let real = crate::workspace_root().join("codegen/tests/real_specs");
    let mut reals: Vec<PathBuf> = fs::read_dir(&real)
        .with_context(|| format!("reading {}", real.display()))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    reals.sort();
    for spec in reals {
        if spec.extension().is_none_or(|e| e != "yaml" && e != "json") {
            continue;
        }
        let label = spec
            .file_name()
            .map(|s| format!("real_specs/{}", s.to_string_lossy()))
            .unwrap_or_default();
        cases.push(Case {
            label,
            base: None,
            add_tag: None,
            spec,
        });
    }
    let work = work_dir("fixtures")?;
    println!(
        "fixtures of {} that generate, and the real specs of {}",
        corpus.display(),
        real.display()
    );
    run(&work, cases, target, keep)
}

fn work_dir(what: &str) -> anyhow::Result<PathBuf> {
    let work = std::env::temp_dir().join(format!("xtask-check-{what}-{}", std::process::id()));
    fs::create_dir_all(&work)?;
    Ok(work)
}

/// `target`: the shared target directory (default: one in `work`). The
/// crates use this workspace's Cargo.lock, so this workspace's own target
/// directory reuses its built dependencies.
fn run(
    work: &Path,
    cases: Vec<Case>,
    target: Option<PathBuf>,
    keep: bool,
) -> anyhow::Result<ExitCode> {
    let target = target.unwrap_or_else(|| work.join("target"));
    let xtask = std::env::current_exe()?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    println!("{} spec(s); work in {}", cases.len(), work.display());
    let mut failed = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let started = Instant::now();
        let dir = work.join(format!("{i:03}"));
        fs::create_dir_all(&dir)?;
        let mut steps: Vec<(&str, Command)> = Vec::new();
        if let Some((from, tag)) = &case.add_tag {
            match &case.base {
                Some(base) => {
                    fs::copy(base, &case.spec)?;
                    let overlay = crate::codegen_cmd::overlay_path(base);
                    if overlay.is_file() {
                        fs::copy(&overlay, crate::codegen_cmd::overlay_path(&case.spec))?;
                    }
                }
                None => fs::write(
                    &case.spec,
                    "openapi: 3.0.3\ninfo:\n  title: one tag\n  version: 1.0.0\npaths: {}\n",
                )?,
            }
            let mut c = Command::new(&xtask);
            c.args(["spec", "add", "--from"])
                .arg(from)
                .args(["--tag", tag, "--spec"])
                .arg(&case.spec);
            steps.push(("spec add", c));
        }
        let mut c = Command::new(&xtask);
        c.args(["codegen", "--spec"])
            .arg(&case.spec)
            .arg("--out")
            .arg(dir.join("crate"));
        steps.push(("codegen", c));
        let mut c = Command::new(&cargo);
        c.args(["clippy", "--quiet", "--all-targets", "--", "-D", "warnings"])
            .current_dir(dir.join("crate"))
            .env("CARGO_TARGET_DIR", &target);
        steps.push(("clippy", c));
        // Run when the spec has examples (their round-trip tests).
        let mut c = Command::new(&cargo);
        c.args(["test", "--quiet", "--lib"])
            .current_dir(dir.join("crate"))
            .env("CARGO_TARGET_DIR", &target);
        steps.push(("test", c));

        let mut failure = None;
        let mut summary = String::new();
        for (step, command) in steps {
            if step == "test" && summary.contains(" 0 example tests") {
                continue;
            }
            let log_file = dir.join(format!("{}.log", step.replace(' ', "-")));
            let (ok, log) = run_logged(command, &log_file)
                .with_context(|| format!("running {step} for {}", case.label))?;
            if step == "codegen" {
                // "generated crate `crate` in … from …: N operations, …"
                summary = log
                    .lines()
                    .filter(|l| l.starts_with("generated crate"))
                    .find_map(|l| l.rsplit_once(": "))
                    .map(|(_, counts)| counts.to_string())
                    .unwrap_or_default();
            }
            let unaccepted = step == "codegen"
                && case.base.is_some()
                && log.lines().any(|l| l.starts_with("warning:"));
            if unaccepted {
                let first = log
                    .lines()
                    .find(|l| l.starts_with("warning:"))
                    .unwrap_or("");
                failure = Some(format!(
                    "FAILED at {step}: a warning the corrections overlay does not accept: {first}"
                ));
                break;
            }
            if !ok {
                let first = log
                    .lines()
                    .find(|l| l.starts_with("error"))
                    .unwrap_or("(no error line; see the log)");
                failure = Some(format!("FAILED at {step}: {first}"));
                break;
            }
        }
        println!(
            "{:<44} {:>5.1} s  {}",
            case.label,
            started.elapsed().as_secs_f64(),
            failure.as_deref().unwrap_or(&format!("ok  {summary}"))
        );
        if failure.is_some() {
            failed.push(case.label.clone());
        }
    }
    println!(
        "{} of {} spec(s) generate a crate that passes clippy -D warnings and its example tests",
        cases.len() - failed.len(),
        cases.len()
    );
    if failed.is_empty() && !keep {
        let _ = fs::remove_dir_all(work);
    } else {
        println!("specs, crates and logs kept in {}", work.display());
    }
    Ok(if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        println!("failed: {}", failed.join(", "));
        ExitCode::FAILURE
    })
}

/// Run `command` with its output in `log`; whether it succeeded, and the log.
fn run_logged(mut command: Command, log: &Path) -> anyhow::Result<(bool, String)> {
    let out = command.stdin(Stdio::null()).output().context("spawning")?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    fs::write(log, &text)?;
    Ok((out.status.success(), text))
}

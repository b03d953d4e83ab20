//! `cargo xtask check-tags --from FILE [--tag T]…`: every tag of an upstream
//! spec (or the ones named), each on its own, through the path a user
//! takes: `spec add --tag T` into an empty spec, `codegen --out`, then
//! `cargo clippy --all-targets -- -D warnings` on the crate (which compiles
//! the example round-trip tests too). Prints one line a tag and fails if
//! any tag fails. Slow (a few seconds a tag, all crates sharing one target
//! directory); not part of CI.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use anyhow::Context;

use crate::fsutil::read_spec;

pub fn run(from: &Path, tags: Vec<String>, keep: bool) -> anyhow::Result<ExitCode> {
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
    let work = std::env::temp_dir().join(format!("xtask-check-tags-{}", std::process::id()));
    let target = work.join("target");
    fs::create_dir_all(&work)?;
    let xtask = std::env::current_exe()?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    println!(
        "{} tag(s) of {}; work in {}",
        tags.len(),
        from.display(),
        work.display()
    );
    let mut failed = Vec::new();
    for (i, tag) in tags.iter().enumerate() {
        let started = Instant::now();
        let dir = work.join(format!("{i:03}"));
        fs::create_dir_all(&dir)?;
        let spec = dir.join("spec.yaml");
        fs::write(
            &spec,
            "openapi: 3.0.3\ninfo:\n  title: one tag\n  version: 1.0.0\npaths: {}\n",
        )?;
        let steps: [(&str, Command); 3] = [
            ("spec add", {
                let mut c = Command::new(&xtask);
                c.args(["spec", "add", "--from"])
                    .arg(from)
                    .args(["--tag", tag, "--spec"])
                    .arg(&spec);
                c
            }),
            ("codegen", {
                let mut c = Command::new(&xtask);
                c.args(["codegen", "--spec"])
                    .arg(&spec)
                    .arg("--out")
                    .arg(dir.join("crate"));
                c
            }),
            ("clippy", {
                let mut c = Command::new(&cargo);
                c.args(["clippy", "--quiet", "--all-targets", "--", "-D", "warnings"])
                    .current_dir(dir.join("crate"))
                    .env("CARGO_TARGET_DIR", &target);
                c
            }),
        ];
        let mut outcome = String::from("ok");
        let mut summary = String::new();
        for (step, command) in steps {
            let (ok, log) = run_logged(
                command,
                &dir.join(format!("{}.log", step.replace(' ', "-"))),
            )
            .with_context(|| format!("running {step} for tag {tag}"))?;
            if step == "codegen" {
                // "generated crate `crate` in … from …: N operations, …"
                summary = log
                    .lines()
                    .filter(|l| l.starts_with("generated crate"))
                    .find_map(|l| l.rsplit_once(": "))
                    .map(|(_, counts)| counts.to_string())
                    .unwrap_or_default();
            }
            if !ok {
                let first = log
                    .lines()
                    .find(|l| l.starts_with("error"))
                    .unwrap_or("(no error line; see the log)");
                outcome = format!("FAILED at {step}: {first}");
                break;
            }
        }
        println!(
            "{:<44} {:>5.1} s  {}  {}",
            tag,
            started.elapsed().as_secs_f64(),
            if outcome == "ok" { "ok" } else { &outcome },
            if outcome == "ok" { &summary } else { "" }
        );
        if outcome != "ok" {
            failed.push(tag.clone());
        }
    }
    println!(
        "{} of {} tag(s) generate a crate that passes clippy -D warnings",
        tags.len() - failed.len(),
        tags.len()
    );
    if failed.is_empty() && !keep {
        let _ = fs::remove_dir_all(&work);
    } else {
        println!("logs kept in {}", work.display());
    }
    Ok(if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        println!("failed: {}", failed.join(", "));
        ExitCode::FAILURE
    })
}

/// Run `command` with its output in `log`; whether it succeeded, and the log.
fn run_logged(mut command: Command, log: &PathBuf) -> anyhow::Result<(bool, String)> {
    let out = command.stdin(Stdio::null()).output().context("spawning")?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    fs::write(log, &text)?;
    Ok((out.status.success(), text))
}

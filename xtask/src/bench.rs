//! `cargo xtask bench-codegen`: generation time as a whole process, next to
//! `cargo progenitor` on the same files when it is installed. Prints figures;
//! asserts nothing.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// The seven session operations of the seed document.
const SEVEN: &[&str] = &[
    "createIdentitySourceSession",
    "listIdentitySourceSessions",
    "getIdentitySourceSession",
    "deleteIdentitySourceSession",
    "uploadIdentitySourceDataForUpsert",
    "uploadIdentitySourceDataForDelete",
    "startImportFromIdentitySource",
];

pub fn run(upstream: &Path, progenitor: Option<PathBuf>, runs: usize) -> anyhow::Result<ExitCode> {
    let runs = runs.max(1);
    let work = std::env::temp_dir().join(format!("xtask-bench-{}", std::process::id()));
    fs::create_dir_all(&work)?;
    let upstream_text =
        fs::read_to_string(upstream).with_context(|| format!("reading {}", upstream.display()))?;
    let cut = |ops: &[&str], tags: &[&str]| -> anyhow::Result<String> {
        let selection = codegen::spec_add::Selection {
            operation_ids: ops.iter().map(|s| s.to_string()).collect(),
            tags: tags.iter().map(|s| s.to_string()).collect(),
        };
        codegen::spec_add::add("bench.yaml", None, "upstream", &upstream_text, &selection)
            .map(|(text, _)| text)
            .map_err(|d| {
                anyhow::anyhow!(
                    "{}",
                    d.iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("\n")
                )
            })
    };
    let inputs = vec![
        (
            "7 operations (seed)",
            write(&work, "seven.yaml", &cut(SEVEN, &[])?)?,
        ),
        (
            "23 operations (IdentitySource tag)",
            write(&work, "tag.yaml", &cut(&[], &["IdentitySource"])?)?,
        ),
        ("732 operations (whole upstream)", upstream.to_path_buf()),
    ];
    let me = std::env::current_exe()?;
    println!("generation as a whole process, median of {runs} runs (min–max)");
    println!(
        "{:<38} {:>22} {:>22}",
        "input", "xtask codegen", "cargo progenitor"
    );
    for (name, spec) in &inputs {
        let out = work.join("ours");
        let ours = time_process(runs, || {
            let mut c = Command::new(&me);
            c.args(["codegen", "--spec"])
                .arg(spec)
                .arg("--out")
                .arg(&out);
            c
        })?;
        let theirs = match &progenitor {
            None => String::from("not installed"),
            Some(bin) => {
                let out = work.join("progenitor");
                match time_process(runs, || {
                    let mut c = Command::new(bin);
                    c.args(["progenitor", "-i"])
                        .arg(spec)
                        .arg("-o")
                        .arg(&out)
                        .args(["-n", "bench", "-v", "0.1.0"]);
                    c
                }) {
                    Ok(t) => t,
                    Err(e) => format!("failed: {}", first_line(&e.to_string())),
                }
            }
        };
        println!("{name:<38} {ours:>22} {theirs:>22}");
    }
    let _ = fs::remove_dir_all(&work);
    Ok(ExitCode::SUCCESS)
}

fn write(dir: &Path, name: &str, text: &str) -> anyhow::Result<PathBuf> {
    let p = dir.join(name);
    fs::write(&p, text)?;
    Ok(p)
}

fn first_line(s: &str) -> String {
    s.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .chars()
        .take(60)
        .collect()
}

/// Run the command `runs` times; "median ms (min–max)".
fn time_process(runs: usize, make: impl Fn() -> Command) -> anyhow::Result<String> {
    let mut times: Vec<Duration> = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        let out = make()
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()?;
        let elapsed = started.elapsed();
        if !out.status.success() {
            bail!("{}", String::from_utf8_lossy(&out.stderr));
        }
        times.push(elapsed);
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    Ok(format!(
        "{:.0} ms ({:.0}–{:.0})",
        ms(times[times.len() / 2]),
        ms(times[0]),
        ms(times[times.len() - 1])
    ))
}

//! `cargo xtask bench-build`: clean debug builds, in one run, of what a user
//! of this crate compiles, next to progenitor's crate for the same
//! operations. Prints figures; asserts nothing.
//!
//! Each row is a scratch binary crate that depends by path on the crate
//! measured, as a downstream `cargo build` builds it, in a directory and a
//! target directory of its own (deleted afterwards). Every scratch crate
//! resolves its `Cargo.lock` afresh (`cargo generate-lockfile`: the newest
//! compatible versions, as a new downstream project gets them; none of this
//! workspace's pins apply) and fetches its sources before it is timed.
//!
//! Per row: the wall time of `cargo build` from clean (default `dev`
//! profile); its CPU time (user + system of every process, which other load
//! on the machine hardly changes); the peak memory, the largest resident set of any one process
//! of the build (in practice a `rustc`; `wait4`'s `ru_maxrss`, not a sum
//! over processes running at once); the crates compiled (distinct packages
//! in cargo's `compiler-artifact` messages, the scratch crate included);
//! then `cargo clean -p <crate>` and a second build: the crate alone, its
//! dependencies built. Incremental compilation is off, as for a crate from
//! crates.io (cargo would compile a path dependency incrementally).

use std::fmt::Write as _;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

pub struct Options {
    pub ours: Option<PathBuf>,
    pub baseline: Option<PathBuf>,
    pub progenitor: Option<PathBuf>,
    pub spec: Option<PathBuf>,
    pub timings: bool,
    pub keep: bool,
}

/// A crate to measure: its package name and directory, and what the
/// scratch crate adds to its dependency on it.
struct Subject {
    label: String,
    package: String,
    dir: PathBuf,
    features: &'static [&'static str],
    default_features: bool,
    extra_deps: String,
}

struct Figures {
    clean: Duration,
    cpu: Option<Duration>,
    peak_kib: Option<u64>,
    crates: usize,
    alone: Duration,
}

pub fn run(opts: Options) -> anyhow::Result<ExitCode> {
    let root = crate::workspace_root();
    let work = std::env::temp_dir().join(format!("xtask-bench-build-{}", std::process::id()));
    fs::create_dir_all(&work)?;
    let ours = opts
        .ours
        .clone()
        .unwrap_or_else(|| root.join("okta-identity-source"));
    let mut rows: Vec<(String, Result<Figures, String>)> = Vec::new();
    let mut subjects = vec![
        Subject::ours("okta-identity-source, default features", &ours, &[]),
        Subject {
            label: "okta-identity-source, default-features = false".into(),
            default_features: false,
            ..Subject::ours("", &ours, &[])
        },
        Subject::ours(
            "okta-identity-source, features import + fake",
            &ours,
            &["import", "fake"],
        ),
    ];
    if let Some(baseline) = &opts.baseline {
        subjects.push(Subject::ours(
            "baseline okta-identity-source (--baseline), default features",
            &baseline.join("okta-identity-source"),
            &[],
        ));
    }
    match progenitor_crate(&root, &work, opts.progenitor.as_deref()) {
        Ok((dir, package, reqwest)) => {
            subjects.push(Subject {
                label: format!("progenitor's crate, reqwest + {}", reqwest.tls_label()),
                package: package.clone(),
                dir: dir.clone(),
                features: &[],
                default_features: true,
                extra_deps: reqwest.with_tls(),
            });
            subjects.push(Subject {
                label: "progenitor's crate, reqwest + rustls-no-provider, rustls on ring".into(),
                package: package.clone(),
                dir: dir.clone(),
                features: &[],
                default_features: true,
                extra_deps: reqwest.with_ring_tls(),
            });
            subjects.push(Subject {
                label: "progenitor's crate as generated (no TLS)".into(),
                package,
                dir,
                features: &[],
                default_features: true,
                extra_deps: String::new(),
            });
        }
        Err(e) => rows.push(("progenitor's crate".into(), Err(format!("{e:#}")))),
    }
    if let Some(spec) = &opts.spec {
        let dir = work.join("generated-api");
        let ok = Command::new(std::env::current_exe()?)
            .args(["codegen", "--spec"])
            .arg(spec)
            .arg("--out")
            .arg(&dir)
            .status()?
            .success();
        if !ok {
            bail!("xtask codegen --spec {} failed", spec.display());
        }
        subjects.push(Subject {
            label: format!("xtask codegen --spec {}", spec.display()),
            package: "generated-api".into(),
            dir,
            features: &[],
            default_features: true,
            extra_deps: String::new(),
        });
    }

    println!("{}", tool_version("rustc"));
    println!(
        "{} logical CPUs, load average {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        fs::read_to_string("/proc/loadavg")
            .ok()
            .and_then(|l| l.split(' ').next().map(str::to_owned))
            .unwrap_or_else(|| "n/a".into())
    );
    for (n, subject) in subjects.iter().enumerate() {
        let scratch = work.join(format!("downstream-{n}"));
        eprintln!("building: {}", subject.label);
        let figures =
            measure_subject(subject, &scratch, opts.timings).map_err(|e| format!("{e:#}"));
        rows.push((subject.label.clone(), figures));
        if !opts.keep {
            let _ = fs::remove_dir_all(&scratch);
        }
    }
    print!("{}", table(&rows));
    if opts.keep {
        println!("kept {}", work.display());
    } else {
        let _ = fs::remove_dir_all(&work);
    }
    if opts.timings {
        println!("timings reports: {}", timings_dir().display());
    }
    Ok(ExitCode::SUCCESS)
}

impl Subject {
    fn ours(label: &str, dir: &Path, features: &'static [&'static str]) -> Self {
        Subject {
            label: label.into(),
            package: "okta-identity-source".into(),
            dir: dir.to_path_buf(),
            features,
            default_features: true,
            extra_deps: String::new(),
        }
    }
}

fn timings_dir() -> PathBuf {
    crate::workspace_root()
        .join("target")
        .join("bench-build-timings")
}

/// Writes the scratch crate, resolves and fetches, then builds it twice.
fn measure_subject(subject: &Subject, scratch: &Path, timings: bool) -> anyhow::Result<Figures> {
    fs::create_dir_all(scratch.join("src"))?;
    let features = subject
        .features
        .iter()
        .map(|f| format!("{f:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    fs::write(
        scratch.join("Cargo.toml"),
        format!(
            "[package]\nname = \"downstream\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dependencies]\n{:?} = {{ path = {:?}, default-features = {}, features = [{features}] }}\n{}\n\
             # Not a member of any workspace above the scratch directory.\n[workspace]\n",
            subject.package,
            subject.dir.display().to_string(),
            subject.default_features,
            subject.extra_deps,
        ),
    )?;
    let lib = subject.package.replace('-', "_");
    fs::write(
        scratch.join("src/main.rs"),
        format!("use {lib} as _;\n\nfn main() {{}}\n"),
    )?;
    let target = scratch.join("target");
    cargo(scratch, &target, &["generate-lockfile", "--quiet"])?;
    cargo(scratch, &target, &["fetch", "--quiet"])?;

    let mut args = vec!["build", "--quiet", "--message-format=json"];
    if timings {
        args.push("--timings");
    }
    let (clean, usage, crates) = timed_build(scratch, &target, &args)?;
    if timings {
        let dest = timings_dir();
        fs::create_dir_all(&dest)?;
        let name = format!(
            "{}.html",
            subject.label.replace(|c: char| !c.is_alphanumeric(), "-")
        );
        let report = target.join("cargo-timings/cargo-timing.html");
        fs::copy(&report, dest.join(name))?;
        print_slowest_units(&subject.label, &fs::read_to_string(&report)?);
    }
    cargo(
        scratch,
        &target,
        &["clean", "--quiet", "-p", &subject.package],
    )?;
    let (alone, _, _) = timed_build(
        scratch,
        &target,
        &["build", "--quiet", "--message-format=json"],
    )?;
    Ok(Figures {
        clean,
        cpu: usage.map(|u| u.cpu),
        peak_kib: usage.map(|u| u.peak_kib),
        crates,
        alone,
    })
}

/// `cargo` in the scratch crate, with the build settings of the caller's
/// environment removed: the figures are for the default `dev` profile.
fn cargo_command(dir: &Path, target: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target);
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTC_WRAPPER",
        "CARGO_BUILD_RUSTC_WRAPPER",
        "CARGO_BUILD_JOBS",
        "CARGO_PROFILE_DEV_DEBUG",
        "CARGO_PROFILE_DEV_OPT_LEVEL",
        "CARGO_PROFILE_DEV_CODEGEN_UNITS",
    ] {
        c.env_remove(var);
    }
    // Cargo compiles path dependencies incrementally and registry ones not;
    // the crates measured are path dependencies standing for registry ones.
    c.env("CARGO_INCREMENTAL", "0");
    c
}

fn cargo(dir: &Path, target: &Path, args: &[&str]) -> anyhow::Result<()> {
    let status = cargo_command(dir, target, args).status()?;
    if !status.success() {
        bail!("cargo {} failed in {}", args.join(" "), dir.display());
    }
    Ok(())
}

/// Wall time, resource usage of the process tree, distinct packages built.
fn timed_build(
    dir: &Path,
    target: &Path,
    args: &[&str],
) -> anyhow::Result<(Duration, Option<Usage>, usize)> {
    let started = Instant::now();
    let mut child = cargo_command(dir, target, args)
        .stdout(Stdio::piped())
        .spawn()?;
    let mut packages = std::collections::BTreeSet::new();
    let stdout = child.stdout.take().context("cargo's stdout")?;
    for line in BufReader::new(stdout).lines() {
        let message: serde_json::Value = match serde_json::from_str(&line?) {
            Ok(m) => m,
            Err(_) => continue,
        };
        if message["reason"] == "compiler-artifact"
            && let Some(id) = message["package_id"].as_str()
        {
            packages.insert(id.to_owned());
        }
    }
    let (ok, usage) = wait_with_rusage(child)?;
    let elapsed = started.elapsed();
    if !ok {
        bail!("cargo {} failed in {}", args.join(" "), dir.display());
    }
    Ok((elapsed, usage, packages.len()))
}

/// The ten units that took longest, from a `--timings` report. Their
/// durations overlap (the cores build several at once).
fn print_slowest_units(label: &str, html: &str) {
    let units = units_by_duration(html);
    let total: f64 = units.iter().map(|u| u.0).sum();
    let top: Vec<String> = units
        .iter()
        .take(10)
        .map(|(d, n)| format!("{n} {d:.1} s"))
        .collect();
    println!(
        "slowest units, {label} (of {total:.0} s summed over {} units): {}",
        units.len(),
        top.join(", ")
    );
}

/// The `UNIT_DATA` of a cargo timings report: (seconds, unit), slowest first.
fn units_by_duration(html: &str) -> Vec<(f64, String)> {
    let data = html
        .split_once("const UNIT_DATA = ")
        .and_then(|(_, rest)| rest.split_once("];"))
        .and_then(|(json, _)| {
            serde_json::from_str::<Vec<serde_json::Value>>(&format!("{json}]")).ok()
        })
        .unwrap_or_default();
    let mut units: Vec<(f64, String)> = data
        .iter()
        .map(|u| {
            let name = u["name"].as_str().unwrap_or("?");
            let name = match u["target"].as_str().map(str::trim) {
                Some(target) if !target.is_empty() => format!("{name} ({target})"),
                _ => name.to_owned(),
            };
            (u["duration"].as_f64().unwrap_or(0.0), name)
        })
        .collect();
    units.sort_by(|a, b| b.0.total_cmp(&a.0));
    units
}

fn table(rows: &[(String, Result<Figures, String>)]) -> String {
    let width = rows.iter().map(|(l, _)| l.len()).max().unwrap_or(0);
    let mut out = format!(
        "{:<width$}  {:>9}  {:>9}  {:>9}  {:>6}  {:>11}\n",
        "clean `cargo build` (dev profile)", "wall", "CPU", "peak RSS", "crates", "crate alone"
    );
    for (label, figures) in rows {
        let _ = match figures {
            Ok(f) => writeln!(
                out,
                "{label:<width$}  {:>7.1} s  {:>9}  {:>9}  {:>6}  {:>9.1} s",
                f.clean.as_secs_f64(),
                f.cpu
                    .map_or_else(|| "n/a".into(), |c| format!("{:.1} s", c.as_secs_f64())),
                mib(f.peak_kib),
                f.crates,
                f.alone.as_secs_f64()
            ),
            Err(e) => writeln!(out, "{label:<width$}  not measured: {e}"),
        };
    }
    out
}

fn tool_version(tool: &str) -> String {
    Command::new(tool)
        .arg("-V")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map_or_else(|| format!("{tool}: unknown"), |v| v.trim().to_string())
}

fn mib(kib: Option<u64>) -> String {
    kib.map_or_else(
        || "n/a".into(),
        |k| format!("{:.0} MB", k as f64 * 1024.0 / 1e6),
    )
}

/// The `reqwest` requirement of progenitor's crate, to give it TLS.
struct Reqwest(String);

impl Reqwest {
    /// reqwest 0.13 calls its rustls feature `rustls`, earlier ones `rustls-tls`.
    fn tls_feature(&self) -> &'static str {
        if self.0.starts_with("0.11") || self.0.starts_with("0.12") {
            "rustls-tls"
        } else {
            "rustls"
        }
    }

    fn tls_label(&self) -> &'static str {
        match self.tls_feature() {
            "rustls" => "rustls (its default TLS: aws-lc-rs)",
            _ => "rustls-tls (ring)",
        }
    }

    /// The TLS stack this crate builds (rustls on *ring*, no aws-lc-rs). A
    /// client built on it needs a rustls provider installed in code.
    fn with_ring_tls(&self) -> String {
        format!(
            "reqwest = {{ version = {:?}, default-features = false, features = [\"rustls-no-provider\"] }}\n\
             rustls = {{ version = \"0.23\", default-features = false, features = [\"ring\", \"std\", \"tls12\"] }}",
            self.0
        )
    }

    /// The dependency a user adds for TLS; features unify with the crate's.
    /// Only the TLS feature: reqwest's defaults (which include it, and also
    /// HTTP/2, charset and system-proxy) stay off, as in the crate.
    fn with_tls(&self) -> String {
        format!(
            "reqwest = {{ version = {:?}, default-features = false, features = [{:?}] }}",
            self.0,
            self.tls_feature()
        )
    }
}

/// Generates progenitor's crate from spec/ (the same operations as this
/// crate): its directory, package name and `reqwest` requirement.
fn progenitor_crate(
    root: &Path,
    work: &Path,
    explicit: Option<&Path>,
) -> anyhow::Result<(PathBuf, String, Reqwest)> {
    let bin = match explicit {
        Some(bin) => bin.to_path_buf(),
        None => find_or_install_progenitor(root)?,
    };
    let out = work.join("progenitor-api");
    let spec = root.join("spec").join("okta-identity-source.yaml");
    let generated = Command::new(&bin)
        .arg("progenitor")
        .arg("-i")
        .arg(&spec)
        .arg("-o")
        .arg(&out)
        .args(["-n", "progenitor-api", "-v", "0.1.0"])
        .stdout(Stdio::null())
        .status()
        .with_context(|| format!("running {}", bin.display()))?;
    if !generated.success() {
        bail!("{} failed on {}", bin.display(), spec.display());
    }
    let manifest: toml::Table = fs::read_to_string(out.join("Cargo.toml"))?.parse()?;
    let reqwest = match &manifest["dependencies"]["reqwest"] {
        toml::Value::String(v) => v.clone(),
        dep => dep["version"]
            .as_str()
            .context("progenitor's Cargo.toml: reqwest has no version")?
            .to_owned(),
    };
    // cargo-progenitor has no --version; its crate names the client it pairs with.
    println!(
        "{} (generates for progenitor-client {})",
        bin.display(),
        manifest["dependencies"]
            .get("progenitor-client")
            .and_then(toml::Value::as_str)
            .unwrap_or("?")
    );
    Ok((out, "progenitor-api".into(), Reqwest(reqwest)))
}

/// `cargo-progenitor` from target/tools (installed there when missing) or PATH.
fn find_or_install_progenitor(root: &Path) -> anyhow::Result<PathBuf> {
    let tools = root.join("target").join("tools");
    let local = tools.join("bin").join("cargo-progenitor");
    if local.is_file() {
        return Ok(local);
    }
    if let Some(on_path) = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join("cargo-progenitor"))
            .find(|p| p.is_file())
    }) {
        return Ok(on_path);
    }
    eprintln!(
        "installing cargo-progenitor into {} (once)",
        tools.display()
    );
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["install", "cargo-progenitor", "--locked", "--root"])
        .arg(&tools)
        .status()?;
    if !status.success() || !local.is_file() {
        bail!(
            "cargo-progenitor is not installed and `cargo install cargo-progenitor --locked --root {}` failed; pass --progenitor PATH",
            tools.display()
        );
    }
    Ok(local)
}

/// What `wait4` says of a finished process tree.
#[derive(Clone, Copy)]
struct Usage {
    /// User + system time of every process of the tree: unlike the wall
    /// time, hardly changed by other load on the machine.
    cpu: Duration,
    /// The largest resident set of any one process of the tree (KiB).
    peak_kib: u64,
}

#[cfg(unix)]
#[allow(unsafe_code)] // wait4 has no safe wrapper in std
fn wait_with_rusage(child: std::process::Child) -> anyhow::Result<(bool, Option<Usage>)> {
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: `rusage` is plain data that `wait4` fills; `pid` is our own
    // child, not yet reaped (`child` is never waited on through std).
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    if r != pid {
        bail!("wait4: {}", std::io::Error::last_os_error());
    }
    let ok = libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
    // ru_maxrss is in KiB on Linux (bytes on macOS).
    let rss = u64::try_from(usage.ru_maxrss).unwrap_or(0);
    let peak_kib = if cfg!(target_os = "macos") {
        rss / 1024
    } else {
        rss
    };
    let time = |t: libc::timeval| {
        Duration::from_secs(u64::try_from(t.tv_sec).unwrap_or(0))
            + Duration::from_micros(u64::try_from(t.tv_usec).unwrap_or(0))
    };
    let cpu = time(usage.ru_utime) + time(usage.ru_stime);
    Ok((ok, Some(Usage { cpu, peak_kib })))
}

#[cfg(not(unix))]
fn wait_with_rusage(mut child: std::process::Child) -> anyhow::Result<(bool, Option<Usage>)> {
    Ok((child.wait()?.success(), None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_are_read_from_a_timings_report_slowest_first() {
        let html = r#"<script>
const UNIT_DATA = [
  {"i": 1, "name": "ring", "version": "0.17.14", "target": " build-script (run)", "duration": 2.5},
  {"i": 2, "name": "reqwest", "version": "0.13.5", "target": "", "duration": 9.25}
];
const CONCURRENCY_DATA = [];
</script>"#;
        assert_eq!(
            units_by_duration(html),
            [
                (9.25, "reqwest".to_owned()),
                (2.5, "ring (build-script (run))".to_owned())
            ]
        );
        assert!(units_by_duration("no report").is_empty());
    }

    #[test]
    fn reqwest_tls_feature_follows_its_version() {
        assert_eq!(Reqwest("0.12".into()).tls_feature(), "rustls-tls");
        assert_eq!(Reqwest("0.13".into()).tls_feature(), "rustls");
        assert_eq!(
            Reqwest("0.13".into()).with_tls(),
            r#"reqwest = { version = "0.13", default-features = false, features = ["rustls"] }"#
        );
    }
}

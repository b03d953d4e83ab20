//! `cargo xtask bench-build`: how long a crate generated from a spec takes
//! to build from clean, and the compiler's peak memory. Prints figures;
//! asserts nothing.
//!
//! Two builds, each in a fresh target directory of its own:
//! 1. `cargo build` of the generated crate and all its dependencies: the
//!    figure a user sees on a new machine;
//! 2. after it, `cargo clean -p <crate>` and `cargo build` again: the crate
//!    alone, its dependencies already built.
//!
//! Peak memory is the largest resident set of any process of the build (in
//! practice one `rustc`), read with `wait4` for that build alone.

use std::fs;
use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// The generated crate's directory, hence its package name.
const CRATE: &str = "generated-api";

pub fn run(spec: &Path, keep: bool) -> anyhow::Result<ExitCode> {
    let work = std::env::temp_dir().join(format!("xtask-bench-build-{}", std::process::id()));
    let krate = work.join(CRATE);
    let target = work.join("target");
    fs::create_dir_all(&work)?;
    let generated = Command::new(std::env::current_exe()?)
        .args(["codegen", "--spec"])
        .arg(spec)
        .arg("--out")
        .arg(&krate)
        .status()
        .context("running xtask codegen")?;
    if !generated.success() {
        bail!("generating a crate from {} failed", spec.display());
    }
    println!("{}", tool_versions());
    println!(
        "{} logical CPUs; crate generated from {} in {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        spec.display(),
        krate.display()
    );

    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let build = || {
        let mut c = Command::new(&cargo);
        c.arg("build")
            .arg("--quiet")
            .current_dir(&krate)
            .env("CARGO_TARGET_DIR", &target)
            // The figures are for the default `dev` profile, whatever the
            // caller's environment says.
            .env_remove("CARGO_PROFILE_DEV_DEBUG")
            .env_remove("CARGO_PROFILE_DEV_OPT_LEVEL")
            .env_remove("CARGO_BUILD_JOBS")
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_INCREMENTAL");
        c
    };
    let (all, all_rss) = measure(build()).context("clean build")?;
    println!(
        "clean build, dependencies included: {:>6.1} s, peak RSS {}",
        all.as_secs_f64(),
        mib(all_rss)
    );
    let cleaned = Command::new(&cargo)
        .args(["clean", "--quiet", "-p", CRATE])
        .current_dir(&krate)
        .env("CARGO_TARGET_DIR", &target)
        .status()?;
    if !cleaned.success() {
        bail!("cargo clean -p {CRATE} failed");
    }
    let (alone, alone_rss) = measure(build()).context("build of the crate alone")?;
    println!(
        "the crate alone (dependencies built): {:>6.1} s, peak RSS {}",
        alone.as_secs_f64(),
        mib(alone_rss)
    );
    if keep {
        println!("kept {}", work.display());
    } else {
        let _ = fs::remove_dir_all(&work);
    }
    Ok(ExitCode::SUCCESS)
}

fn tool_versions() -> String {
    Command::new("rustc")
        .arg("-V")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map_or_else(|| "rustc: unknown".into(), |v| v.trim().to_string())
}

fn mib(kib: Option<u64>) -> String {
    kib.map_or_else(
        || "n/a".into(),
        |k| format!("{:.0} MB", k as f64 * 1024.0 / 1e6),
    )
}

/// Runs the command to completion: wall time, and the peak resident set (KiB)
/// of the largest process in its tree, where the platform tells it.
fn measure(mut command: Command) -> anyhow::Result<(Duration, Option<u64>)> {
    let started = Instant::now();
    let child = command.spawn()?;
    let (ok, rss) = wait_with_rusage(child)?;
    let elapsed = started.elapsed();
    if !ok {
        bail!("cargo build failed");
    }
    Ok((elapsed, rss))
}

#[cfg(unix)]
#[allow(unsafe_code)] // wait4 has no safe wrapper in std
fn wait_with_rusage(child: std::process::Child) -> anyhow::Result<(bool, Option<u64>)> {
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
    let rss = u64::try_from(usage.ru_maxrss).ok();
    let rss = if cfg!(target_os = "macos") {
        rss.map(|b| b / 1024)
    } else {
        rss
    };
    Ok((ok, rss))
}

#[cfg(not(unix))]
fn wait_with_rusage(mut child: std::process::Child) -> anyhow::Result<(bool, Option<u64>)> {
    Ok((child.wait()?.success(), None))
}

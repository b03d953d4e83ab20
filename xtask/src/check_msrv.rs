//! `cargo xtask check-msrv`: the workspace's `rust-version` must equal the
//! newest `rust-version` that any package in the published crate's
//! dependency tree declares (all features, every platform).
//!
//! This machine has one toolchain and cannot download another, so the
//! declared minimum cannot be proven by building with it. What can be
//! checked is the part that moves without anyone noticing: a dependency
//! update that raises the tree's minimum above ours (then our
//! `rust-version` is a lie), or a minimum of ours above what anything
//! needs (then users are refused for nothing). Our own code's use of newer
//! std APIs is caught by clippy's `incompatible_msrv` lint, which reads the
//! same `rust-version`.

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Command, ExitCode};

use anyhow::{Context, Result, bail};
use serde_json::Value;

/// The crate users depend on.
const PACKAGE: &str = "okta-identity-source";

pub fn run() -> Result<ExitCode> {
    let root = crate::workspace_root();
    let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--all-features",
            "--locked",
        ])
        .current_dir(&root)
        .output()
        .context("running cargo metadata")?;
    if !out.status.success() {
        bail!(
            "cargo metadata failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let meta: Value = serde_json::from_slice(&out.stdout).context("reading cargo metadata")?;
    let packages = meta["packages"]
        .as_array()
        .context("metadata without packages")?;
    let by_id: BTreeMap<&str, &Value> = packages
        .iter()
        .filter_map(|p| Some((p["id"].as_str()?, p)))
        .collect();
    let ours = packages
        .iter()
        .find(|p| p["name"] == PACKAGE)
        .with_context(|| format!("no package {PACKAGE} in the workspace"))?;
    let declared = ours["rust_version"]
        .as_str()
        .with_context(|| format!("{PACKAGE} declares no rust-version"))?;

    // The normal and build dependencies of PACKAGE, transitively (dev
    // dependencies are not part of what users build).
    let nodes: BTreeMap<&str, &Value> = meta["resolve"]["nodes"]
        .as_array()
        .context("metadata without a resolve graph")?
        .iter()
        .filter_map(|n| Some((n["id"].as_str()?, n)))
        .collect();
    let root_id = ours["id"].as_str().context("package without id")?;
    let mut seen = BTreeSet::from([root_id]);
    let mut stack = vec![root_id];
    while let Some(id) = stack.pop() {
        let Some(node) = nodes.get(id) else { continue };
        for dep in node["deps"].as_array().into_iter().flatten() {
            let normal = dep["dep_kinds"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|k| k["kind"].is_null() || k["kind"] == "build");
            if let (true, Some(pkg)) = (normal, dep["pkg"].as_str())
                && seen.insert(pkg)
            {
                stack.push(pkg);
            }
        }
    }

    let mut newest: Option<(Version, String)> = None;
    for id in seen.iter().filter(|id| **id != root_id) {
        let Some(p) = by_id.get(id) else { continue };
        let Some(rv) = p["rust_version"].as_str() else {
            continue;
        };
        let v = Version::parse(rv).with_context(|| format!("rust-version {rv:?} of {id}"))?;
        let who = format!(
            "{} {}",
            p["name"].as_str().unwrap_or("?"),
            p["version"].as_str().unwrap_or("?")
        );
        if newest.as_ref().is_none_or(|(n, _)| v > *n) {
            newest = Some((v, who));
        }
    }
    let ours_v = Version::parse(declared)?;
    let Some((needed, who)) = newest else {
        bail!("no dependency of {PACKAGE} declares a rust-version");
    };
    println!(
        "{PACKAGE} declares rust-version {declared}; its dependency tree ({} packages) needs {needed} ({who})",
        seen.len() - 1
    );
    if ours_v == needed {
        return Ok(ExitCode::SUCCESS);
    }
    if ours_v < needed {
        eprintln!(
            "error: {who} needs Rust {needed}: raise `rust-version` in the workspace Cargo.toml"
        );
    } else {
        eprintln!(
            "error: nothing in the dependency tree needs Rust {declared}: lower `rust-version` to {needed}, or say in Cargo.toml which language feature needs it"
        );
    }
    Ok(ExitCode::FAILURE)
}

/// `MAJOR.MINOR[.PATCH]`, compared numerically (`1.85` == `1.85.0`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Version(u64, u64, u64);

impl Version {
    fn parse(s: &str) -> Result<Self> {
        let mut parts = s.trim().split('.').map(|p| p.parse::<u64>());
        let mut next = || parts.next().transpose();
        let major = next()?.context("empty version")?;
        let minor = next()?.unwrap_or(0);
        let patch = next()?.unwrap_or(0);
        if parts.next().is_some() {
            bail!("more than three components");
        }
        Ok(Version(major, minor, patch))
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.0, self.1)?;
        if self.2 != 0 {
            write!(f, ".{}", self.2)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Version;

    #[test]
    fn versions_compare_numerically() {
        assert_eq!(
            Version::parse("1.85").unwrap(),
            Version::parse("1.85.0").unwrap()
        );
        assert!(Version::parse("1.9").unwrap() < Version::parse("1.10").unwrap());
        assert!(Version::parse("1.88.0").unwrap() > Version::parse("1.85").unwrap());
        assert!(Version::parse("1.x").is_err());
        assert!(Version::parse("1.2.3.4").is_err());
        assert_eq!(Version::parse("1.88.0").unwrap().to_string(), "1.88");
    }
}

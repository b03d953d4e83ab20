//! `cargo xtask`: the project's automation. Thin: the generator is the
//! `codegen` library; this binary only reads and writes files.

mod api_report;
mod bench;
mod bench_build;
mod check_msrv;
mod check_semver;
mod check_specs;
mod codegen_cmd;
mod fsutil;
mod spec_cmd;
mod standalone;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    about = "Automation for the okta-identity-source workspace"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Regenerate okta-identity-source/src/generated/ from spec/ (or a
    /// standalone crate from any spec with --spec and --out).
    Codegen {
        /// Write nothing; fail when the committed code differs from what the
        /// spec generates, or when the spec produces warnings.
        #[arg(long)]
        check: bool,
        /// Spec file (default: the one OpenAPI file in spec/).
        #[arg(long)]
        spec: Option<PathBuf>,
        /// Generate a standalone crate into this directory (with --spec).
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print every warning, not only a count per kind.
        #[arg(long, short)]
        verbose: bool,
    },
    /// Time generation as a whole process (ours, and `cargo progenitor`
    /// when given) on the seed operations, the IdentitySource tag and the
    /// whole upstream spec. Build xtask in release first:
    /// `cargo run --release -p xtask -- bench-codegen --upstream …`.
    BenchCodegen {
        /// Okta's published spec (../shared/okta/management-2026.06.3.yaml).
        #[arg(long)]
        upstream: PathBuf,
        /// The `cargo-progenitor` binary, to time it on the same files.
        #[arg(long)]
        progenitor: Option<PathBuf>,
        /// Runs per measurement.
        #[arg(long, default_value_t = 11)]
        runs: usize,
    },
    /// Clean debug builds, in one run, each in a scratch downstream crate
    /// with a fresh target directory: this crate with default features, with
    /// `import` + `fake`, and progenitor's crate from the same spec with and
    /// without TLS. Prints wall time, peak memory and crates compiled.
    BenchBuild {
        /// The okta-identity-source crate to measure (default: this
        /// workspace's), e.g. in a checkout of another commit.
        #[arg(long)]
        ours: Option<PathBuf>,
        /// Also measure the default build of the okta-identity-source crate
        /// of this checkout (a workspace root), e.g. `git archive main |
        /// tar -x -C /tmp/base`, for a before/after in one run.
        #[arg(long)]
        baseline: Option<PathBuf>,
        /// The `cargo-progenitor` binary (default: target/tools/bin, then
        /// PATH, else installed into target/tools).
        #[arg(long)]
        progenitor: Option<PathBuf>,
        /// Also build a crate generated from this spec by `xtask codegen
        /// --out` (e.g. ../shared/okta/management-2026.06.3.yaml).
        #[arg(long)]
        spec: Option<PathBuf>,
        /// Pass `--timings` to the clean builds; the reports are copied to
        /// target/bench-build-timings/.
        #[arg(long)]
        timings: bool,
        /// Keep the scratch crates and their target directories.
        #[arg(long)]
        keep: bool,
    },
    /// Check that every tag of an upstream spec (or each --tag) generates
    /// on its own: `spec add --tag` into an empty spec, `codegen --out`,
    /// `cargo clippy --all-targets -D warnings` on the crate, and its example
    /// tests. Slow; not in CI.
    CheckTags {
        /// The upstream spec (../shared/okta/management-2026.06.3.yaml).
        #[arg(long)]
        from: PathBuf,
        /// Only these tags (repeatable; default: every tag).
        #[arg(long)]
        tag: Vec<String>,
        /// Add each tag to a copy of spec/ (with spec/corrections.yaml), as
        /// a user extends the crate, instead of to an empty spec; a warning
        /// the overlay does not accept fails the tag.
        #[arg(long)]
        into_spec: bool,
        /// The target directory the crates share (default: a fresh one).
        #[arg(long)]
        target_dir: Option<PathBuf>,
        /// Keep the specs, crates, logs and target directory.
        #[arg(long)]
        keep: bool,
    },
    /// Compile the output of every bad-spec fixture expected to generate and
    /// of every real spec in codegen/tests/real_specs/
    /// (`codegen --out`, `cargo clippy --all-targets -D warnings`, and
    /// `cargo test --lib` when it has examples): the corpus test only
    /// parses it. Run by CI.
    CheckFixtures {
        /// The target directory the crates share (default: a fresh one).
        #[arg(long)]
        target_dir: Option<PathBuf>,
        /// Keep the crates, logs and target directory.
        #[arg(long)]
        keep: bool,
    },
    /// Check that the workspace's `rust-version` equals the newest one the
    /// published crate's dependency tree declares. Run by CI.
    CheckMsrv,
    /// Prove that additions upstream are a minor change: generate crates
    /// from xtask/semver/{base,additions,breaking}.yaml and compile one
    /// downstream crate against each (`cargo check`). Run by CI.
    CheckSemver {
        /// The target directory the crates share (default: a fresh one).
        #[arg(long)]
        target_dir: Option<PathBuf>,
        /// Keep the crates, logs and target directory.
        #[arg(long)]
        keep: bool,
    },
    /// Edit spec/.
    Spec {
        #[command(subcommand)]
        command: spec_cmd::SpecCommand,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Codegen {
            check,
            spec,
            out,
            verbose,
        } => codegen_cmd::run(check, spec, out, verbose),
        Command::Spec { command } => spec_cmd::run(command),
        Command::BenchCodegen {
            upstream,
            progenitor,
            runs,
        } => bench::run(&upstream, progenitor, runs),
        Command::BenchBuild {
            ours,
            baseline,
            progenitor,
            spec,
            timings,
            keep,
        } => bench_build::run(bench_build::Options {
            ours,
            baseline,
            progenitor,
            spec,
            timings,
            keep,
        }),
        Command::CheckTags {
            from,
            tag,
            into_spec,
            target_dir,
            keep,
        } => check_specs::tags(&from, tag, into_spec, target_dir, keep),
        Command::CheckFixtures { target_dir, keep } => check_specs::fixtures(target_dir, keep),
        Command::CheckMsrv => check_msrv::run(),
        Command::CheckSemver { target_dir, keep } => check_semver::run(target_dir, keep),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (the parent of this crate's directory).
pub fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

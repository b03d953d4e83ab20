//! `cargo xtask codegen --spec FILE --out DIR`: a standalone crate.

use std::path::Path;
use std::process::ExitCode;

pub fn generate(
    _root: &Path,
    _spec: &Path,
    _out: &Path,
    _verbose: bool,
) -> anyhow::Result<ExitCode> {
    anyhow::bail!("standalone generation is not wired yet")
}

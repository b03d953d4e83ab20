//! `cargo xtask spec …`: editing spec/.

use std::process::ExitCode;

use clap::Subcommand;

#[derive(Subcommand)]
pub enum SpecCommand {}

pub fn run(command: SpecCommand) -> anyhow::Result<ExitCode> {
    match command {}
}

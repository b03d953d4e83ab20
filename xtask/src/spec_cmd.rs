//! `cargo xtask spec …`: editing spec/.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;

use crate::codegen_cmd::{default_spec, label};
use crate::fsutil::write_atomic;
use crate::workspace_root;

#[derive(Subcommand)]
pub enum SpecCommand {
    /// Copy operations (by operationId or tag), and the closure of the
    /// components they use, from an upstream OpenAPI file into spec/.
    /// What spec/ already has is kept; the output is deterministic.
    Add {
        /// The upstream OpenAPI file (Okta's published Management API spec).
        #[arg(long)]
        from: PathBuf,
        /// Add every operation with this tag (repeatable).
        #[arg(long)]
        tag: Vec<String>,
        /// The spec file to edit (default: the one OpenAPI file in spec/).
        #[arg(long)]
        spec: Option<PathBuf>,
        /// operationIds to add.
        operation_ids: Vec<String>,
    },
}

pub fn run(command: SpecCommand) -> anyhow::Result<ExitCode> {
    match command {
        SpecCommand::Add {
            from,
            tag,
            spec,
            operation_ids,
        } => {
            let root = workspace_root();
            let spec = match spec {
                Some(s) => s,
                None => default_spec(&root)?,
            };
            if tag.is_empty() && operation_ids.is_empty() {
                anyhow::bail!("name operationIds or at least one --tag");
            }
            let upstream = crate::fsutil::read_spec(&from)?;
            let target = if spec.exists() {
                Some(crate::fsutil::read_spec(&spec)?)
            } else {
                None
            };
            let selection = codegen::spec_add::Selection {
                operation_ids,
                tags: tag,
            };
            let spec_label = label(&root, &spec);
            let from_label = from.display().to_string();
            match codegen::spec_add::add(
                &spec_label,
                target.as_deref(),
                &from_label,
                &upstream,
                &selection,
            ) {
                Ok((text, report)) => {
                    if target.as_deref() != Some(text.as_str()) {
                        write_atomic(&spec, &text)?;
                    }
                    println!(
                        "{spec_label}: added {} operation(s) {:?}, kept {} already there, copied {} component(s)",
                        report.added.len(),
                        report.added,
                        report.kept.len(),
                        report.components.len()
                    );
                    println!("next: cargo xtask codegen");
                    Ok(ExitCode::SUCCESS)
                }
                Err(diags) => {
                    for d in &diags {
                        eprintln!("{d}");
                    }
                    eprintln!("{spec_label} was not changed");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
    }
}

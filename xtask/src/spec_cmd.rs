//! `cargo xtask spec …`: editing spec/.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;

use crate::codegen_cmd::{LoadedOverlay, default_spec, label, load_overlay};
use crate::fsutil::write_atomic;
use crate::workspace_root;
use codegen::overlay::{Outcome, Status};
use codegen::spec_add::OverlayRef;

#[derive(Subcommand)]
pub enum SpecCommand {
    /// Copy operations (by operationId or tag), and the closure of the
    /// components they use, from an upstream OpenAPI file into spec/.
    /// What spec/ already has is kept; the corrections of
    /// spec/corrections.yaml are re-applied; the output is deterministic.
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
    /// Re-apply the corrections of spec/corrections.yaml to the spec file
    /// (after adding or editing a correction). Takes nothing from upstream.
    Apply {
        /// The spec file to edit (default: the one OpenAPI file in spec/).
        #[arg(long)]
        spec: Option<PathBuf>,
    },
    /// Refresh every operation in spec/, and the components they need, from
    /// a newer upstream file, then re-apply spec/corrections.yaml. Reports
    /// each correction that upstream now has (it can be dropped) and fails,
    /// writing nothing, when one no longer applies. Prints the change to the
    /// crate's public API.
    Update {
        /// The newer upstream OpenAPI file.
        #[arg(long)]
        from: PathBuf,
        /// Remove operations upstream no longer has (default: keep them,
        /// with a warning).
        #[arg(long)]
        remove_missing: bool,
        /// The spec file to edit (default: the one OpenAPI file in spec/).
        #[arg(long)]
        spec: Option<PathBuf>,
    },
}

fn resolve(spec: Option<PathBuf>) -> anyhow::Result<(PathBuf, PathBuf)> {
    let root = workspace_root();
    let spec = match spec {
        Some(s) => s,
        None => default_spec(&root)?,
    };
    Ok((root, spec))
}

fn overlay_ref(o: &Option<LoadedOverlay>) -> Option<OverlayRef<'_>> {
    o.as_ref().map(|o| OverlayRef {
        label: &o.label,
        overlay: &o.overlay,
    })
}

/// One line per correction that did something, or that waits.
pub fn print_outcomes(outcomes: &[Outcome], overlay: &str, upstream_fresh: bool) {
    let mut waiting = Vec::new();
    for o in outcomes {
        match &o.status {
            Status::Applied if upstream_fresh => {
                println!("correction {}: applied (upstream still needs it)", o.id)
            }
            Status::Applied => println!("correction {}: applied", o.id),
            Status::InPlace if upstream_fresh => println!(
                "correction {}: upstream already has it; it can be dropped from {overlay}",
                o.id
            ),
            Status::InPlace => {}
            Status::NotPresent => waiting.push(o.id.as_str()),
            Status::Conflict { pointer, message } => {
                println!("correction {}: CONFLICT at {pointer}: {message}", o.id)
            }
        }
    }
    if !waiting.is_empty() {
        println!(
            "corrections waiting for operations or components spec/ does not hold: {}",
            waiting.join(", ")
        );
    }
}

fn fail(diags: &[codegen::Diagnostic], spec_label: &str) -> anyhow::Result<ExitCode> {
    for d in diags {
        eprintln!("{d}");
    }
    eprintln!("{spec_label} was not changed");
    Ok(ExitCode::FAILURE)
}

pub fn run(command: SpecCommand) -> anyhow::Result<ExitCode> {
    match command {
        SpecCommand::Add {
            from,
            tag,
            spec,
            operation_ids,
        } => {
            let (root, spec) = resolve(spec)?;
            if tag.is_empty() && operation_ids.is_empty() {
                anyhow::bail!("name operationIds or at least one --tag");
            }
            let upstream = crate::fsutil::read_spec(&from)?;
            let target = if spec.exists() {
                Some(crate::fsutil::read_spec(&spec)?)
            } else {
                None
            };
            let overlay = load_overlay(&root, &spec)?;
            let selection = codegen::spec_add::Selection {
                operation_ids,
                tags: tag,
            };
            let spec_label = label(&root, &spec);
            let from_label = from.display().to_string();
            match codegen::spec_add::add_with(
                &spec_label,
                target.as_deref(),
                &from_label,
                &upstream,
                &selection,
                overlay_ref(&overlay),
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
                    if !report.kept.is_empty() {
                        println!(
                            "operations already there are not refreshed by `spec add`; `cargo xtask spec update --from {from_label}` refreshes them"
                        );
                    }
                    if let Some(o) = &overlay {
                        print_outcomes(&report.corrections, &o.label, false);
                    }
                    if let Some(before) = target.as_deref()
                        && before != text
                    {
                        crate::api_report::print(
                            &format!(
                                "public API change, {spec_label} → with the added operations:"
                            ),
                            &spec_label,
                            before,
                            &format!("{spec_label} (added to)"),
                            &text,
                        );
                    }
                    println!("next: cargo xtask codegen");
                    Ok(ExitCode::SUCCESS)
                }
                Err(diags) => fail(&diags, &spec_label),
            }
        }
        SpecCommand::Apply { spec } => {
            let (root, spec) = resolve(spec)?;
            let spec_label = label(&root, &spec);
            let Some(overlay) = load_overlay(&root, &spec)? else {
                anyhow::bail!("no {} beside {spec_label}", codegen::overlay::FILE_NAME);
            };
            let target = crate::fsutil::read_spec(&spec)?;
            match codegen::spec_add::reapply(
                &spec_label,
                &target,
                OverlayRef {
                    label: &overlay.label,
                    overlay: &overlay.overlay,
                },
            ) {
                Ok((text, outcomes)) => {
                    if text != target {
                        write_atomic(&spec, &text)?;
                    }
                    print_outcomes(&outcomes, &overlay.label, false);
                    let changed = if text != target {
                        "rewritten"
                    } else {
                        "unchanged"
                    };
                    println!("{spec_label}: {changed}");
                    Ok(ExitCode::SUCCESS)
                }
                Err(diags) => fail(&diags, &spec_label),
            }
        }
        SpecCommand::Update {
            from,
            remove_missing,
            spec,
        } => update(&from, remove_missing, spec),
    }
}

fn update(from: &Path, remove_missing: bool, spec: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let (root, spec) = resolve(spec)?;
    let spec_label = label(&root, &spec);
    let from_label = from.display().to_string();
    let target = crate::fsutil::read_spec(&spec)?;
    let upstream = crate::fsutil::read_spec(from)?;
    let overlay = load_overlay(&root, &spec)?;
    let (text, report) = match codegen::spec_update::update(
        &spec_label,
        &target,
        &from_label,
        &upstream,
        overlay_ref(&overlay),
        remove_missing,
    ) {
        Ok(done) => done,
        Err(diags) => return fail(&diags, &spec_label),
    };
    // What is written must generate: a refresh that breaks the crate is refused.
    if let Err(diags) = codegen::lower_spec(&spec_label, &text) {
        let errors: Vec<codegen::Diagnostic> = diags
            .into_iter()
            .filter(codegen::Diagnostic::is_error)
            .collect();
        return fail(&errors, &spec_label);
    }
    println!(
        "{spec_label}: refreshed {} operation(s) from {from_label}",
        report.refreshed.len()
    );
    for (id, was, now) in &report.moved {
        println!("moved upstream: {id}: {was} → {now}");
    }
    for id in &report.missing_upstream {
        if report.removed_missing {
            println!("removed: {id} (upstream no longer has it)");
        } else {
            println!(
                "warning: {id}: upstream no longer has this operation; kept as it was (--remove-missing removes it)"
            );
        }
    }
    if !report.components_added.is_empty() {
        println!("components added: {}", report.components_added.join(", "));
    }
    if !report.components_dropped.is_empty() {
        println!(
            "components dropped (nothing uses them now): {}",
            report.components_dropped.join(", ")
        );
    }
    if let Some(o) = &overlay {
        print_outcomes(&report.corrections, &o.label, true);
        for id in &report.corrections_on_kept {
            println!("correction {id}: kept with the operation upstream removed");
        }
    }
    crate::api_report::print(
        &format!("public API change, {spec_label} → as updated from {from_label}:"),
        &spec_label,
        &target,
        &format!("{spec_label} (updated)"),
        &text,
    );
    if text == target {
        println!("{spec_label}: unchanged");
    } else {
        write_atomic(&spec, &text)?;
        println!("{spec_label}: written; next: cargo xtask codegen");
    }
    Ok(ExitCode::SUCCESS)
}

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

#[cfg(test)]
mod tests {
    use codegen::overlay::{Overlay, PatchOp, Status};
    use codegen::spec_add::OverlayRef;
    use serde_yaml::Value;

    use crate::workspace_root;

    /// `overlay`'s corrections undone, from their `test`s: the document as
    /// upstream publishes it.
    fn uncorrected(overlay: &Overlay) -> Overlay {
        let mut undo = Overlay::default();
        for c in &overlay.corrections {
            let premise = |path: &str| {
                c.patch.iter().find_map(|op| match op {
                    PatchOp::Test { path: p, value } if p == path => Some(value.clone()),
                    _ => None,
                })
            };
            let mut patch = Vec::new();
            for op in c.patch.iter().rev() {
                patch.push(match op {
                    PatchOp::Add { path, .. } | PatchOp::Replace { path, .. } => {
                        match premise(path) {
                            Some(value) => PatchOp::Replace {
                                path: path.clone(),
                                value,
                            },
                            None => PatchOp::Remove { path: path.clone() },
                        }
                    }
                    PatchOp::Remove { path } => PatchOp::Add {
                        path: path.clone(),
                        value: premise(path).expect("a removal states what it removes"),
                    },
                    PatchOp::Move { from, path } => PatchOp::Move {
                        from: path.clone(),
                        path: from.clone(),
                    },
                    PatchOp::Test { .. } => continue,
                });
            }
            undo.corrections.push(codegen::overlay::Correction {
                id: format!("undo {}", c.id),
                reason: "test".into(),
                evidence: "test".into(),
                patch,
            });
        }
        undo
    }

    fn patch(doc: &mut Value, text: &str) {
        let overlay = codegen::overlay::parse("release.yaml", text).expect("parses");
        for o in codegen::overlay::apply(doc, &overlay) {
            assert_eq!(o.status, Status::Applied, "{}", o.id);
        }
    }

    /// A simulated next release of upstream (properties and an enum value
    /// added to the identity-source session schema, a property removed, a
    /// parameter added) applied with `spec update`, as the committed
    /// spec/ and spec/corrections.yaml stand: every correction survives,
    /// the report names each item and says major, and a second run changes
    /// nothing.
    #[test]
    fn a_simulated_release_of_the_identity_source_session_schema() {
        let root = workspace_root();
        let spec =
            std::fs::read_to_string(root.join("spec/okta-identity-source.yaml")).expect("spec/");
        let overlay_text =
            std::fs::read_to_string(root.join("spec/corrections.yaml")).expect("overlay");
        let overlay =
            codegen::overlay::parse("spec/corrections.yaml", &overlay_text).expect("parses");
        let mut diags = codegen::diag::Diagnostics::new("spec");
        let mut upstream = codegen::load::parse_yaml(&spec, &mut diags).expect("parses");
        for o in codegen::overlay::apply(&mut upstream, &uncorrected(&overlay)) {
            assert_eq!(o.status, Status::Applied, "{}", o.id);
        }
        // The session property the release removes: one spec/ has (not the id).
        let removed = codegen::overlay::get(
            &upstream,
            "#/components/schemas/IdentitySourceSession/properties",
        )
        .and_then(Value::as_mapping)
        .and_then(|m| {
            m.keys()
                .filter_map(Value::as_str)
                .filter(|k| !matches!(*k, "id" | "status"))
                .last()
                .map(str::to_string)
        })
        .expect("the session schema has properties");
        patch(
            &mut upstream,
            &r##"
corrections:
- id: release
  reason: r
  evidence: e
  patch:
  - {op: add, path: '#/components/schemas/IdentitySourceSession/properties/importedUsers', value: {type: integer, readOnly: true}}
  - {op: add, path: '#/components/schemas/IdentitySourceSession/properties/failureReason', value: {type: string}}
  - {op: add, path: '#/components/schemas/IdentitySourceSessionStatus/enum/-', value: PAUSED}
  - {op: remove, path: '#/components/schemas/IdentitySourceSession/properties/REMOVED'}
  - {op: add, path: '#/paths/~1api~1v1~1identity-sources~1{identitySourceId}~1groups~1{groupOrExternalId}~1membership/get/parameters/-', value: {name: expand, in: query, schema: {type: string}}}
"##
            .replace("REMOVED", &removed),
        );
        let newer = serde_yaml::to_string(&upstream).expect("serializes");
        let o = Some(OverlayRef {
            label: "spec/corrections.yaml",
            overlay: &overlay,
        });
        let (updated, report) = codegen::spec_update::update(
            "spec/okta-identity-source.yaml",
            &spec,
            "newer.yaml",
            &newer,
            o,
            false,
        )
        .expect("updates");
        let ids: Vec<&str> = report.corrections.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["C1", "C2", "C3", "C4", "A1", "C5", "C6", "C7"]);
        assert!(
            report
                .corrections
                .iter()
                .all(|c| c.status == Status::Applied),
            "every correction is still needed and re-applied: {:?}",
            report.corrections
        );
        assert!(report.missing_upstream.is_empty());
        let check = codegen::overlay::check_in_place(
            "spec",
            "overlay",
            &codegen::load::parse_yaml(&updated, &mut diags).expect("parses"),
            &overlay,
        );
        assert!(check.is_empty(), "{check:?}");

        let api = crate::api_report::report("old", &spec, "new", &updated).expect("generates");
        let text = api.to_string();
        let removed_line = format!(
            "major  removed  field IdentitySourceSession::{}  (#/components/schemas/IdentitySourceSession/properties/{removed})",
            codegen::naming::field_name(&removed)
        );
        for item in [
            removed_line.as_str(),
            "minor  added    field IdentitySourceSession::imported_users: Option<i64>  (#/components/schemas/IdentitySourceSession/properties/importedUsers)",
            "minor  added    field IdentitySourceSession::failure_reason: Option<String>  (#/components/schemas/IdentitySourceSession/properties/failureReason)",
            "minor  added    variant IdentitySourceSessionStatus::Paused (`PAUSED`)  (#/components/schemas/IdentitySourceSessionStatus/enum)",
            "minor  added    optional parameter Call<_, operations::GetIdentitySourceGroupMemberships>::expand(impl Into<String>) of Client::get_identity_source_group_memberships",
        ] {
            assert!(text.contains(item), "missing `{item}` in\n{text}");
        }
        assert!(text.ends_with("\npublic API: major change"), "{text}");

        let (again, _) = codegen::spec_update::update(
            "spec/okta-identity-source.yaml",
            &updated,
            "newer.yaml",
            &newer,
            o,
            false,
        )
        .expect("updates");
        assert_eq!(again, updated, "a second run changes nothing");
        // Upstream as spec/ was cut from it: the update reproduces spec/.
        let unchanged = codegen::spec_update::update(
            "spec/okta-identity-source.yaml",
            &spec,
            "same.yaml",
            &serde_yaml::to_string(&{
                let mut d = codegen::load::parse_yaml(&spec, &mut diags).expect("parses");
                for o in codegen::overlay::apply(&mut d, &uncorrected(&overlay)) {
                    assert_eq!(o.status, Status::Applied);
                }
                d
            })
            .expect("serializes"),
            o,
            false,
        )
        .expect("updates")
        .0;
        assert_eq!(
            unchanged, spec,
            "spec/ is upstream plus its corrections, and nothing else"
        );
    }
}

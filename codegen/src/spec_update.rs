//! `spec update`: refresh every operation a spec holds, and the components
//! they need, from a newer upstream document, then re-apply the corrections
//! overlay. Pure: text in, text out, deterministic; running it again on its
//! own output changes nothing.
//!
//! The operations are cut again from upstream (so properties, enum values,
//! parameters, responses, examples and descriptions are upstream's), the
//! closure of their components is taken afresh (new components their
//! closure needs are copied, components nothing reaches any more are
//! dropped), and the overlay is applied to that fresh cut, so each
//! correction's outcome says what upstream now has: already there (the
//! correction can be dropped), applied, or a conflict (an error; nothing is
//! returned). Operations upstream no longer has are kept from the spec as
//! they are (with a warning in the report), or removed on request.

use std::collections::BTreeSet;

use serde_yaml::Value;

use crate::diag::{Diagnostic, Diagnostics};
use crate::overlay::{Outcome, Status};
use crate::spec_add::{
    OverlayRef, Selection, leading_comments, merge, operations, serialize, skeleton,
};

/// What `update` did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpdateReport {
    /// Operations refreshed from upstream.
    pub refreshed: Vec<String>,
    /// Operations upstream no longer has (kept unless removal was asked for).
    pub missing_upstream: Vec<String>,
    /// Whether `missing_upstream` were removed.
    pub removed_missing: bool,
    /// Operations upstream moved to another path or method (`id`, `from`, `to`).
    pub moved: Vec<(String, String, String)>,
    /// Components the refreshed closure needs that the spec lacked, as `kind/name`.
    pub components_added: Vec<String>,
    /// Components nothing reaches any more, as `kind/name`.
    pub components_dropped: Vec<String>,
    /// Each correction against the fresh upstream cut.
    pub corrections: Vec<Outcome>,
    /// Corrections that now only concern operations kept from the spec
    /// because upstream removed them.
    pub corrections_on_kept: Vec<String>,
}

pub fn update(
    target_label: &str,
    target: &str,
    upstream_label: &str,
    upstream: &str,
    overlay: Option<OverlayRef<'_>>,
    remove_missing: bool,
) -> Result<(String, UpdateReport), Vec<Diagnostic>> {
    let mut tg_diags = Diagnostics::new(target_label);
    let mut up_diags = Diagnostics::new(upstream_label);
    let header = leading_comments(crate::load::without_bom(target));
    let old = crate::load::parse_yaml(target, &mut tg_diags)?;
    let up = crate::load::parse_yaml(upstream, &mut up_diags)?;
    // An operation without an operationId cannot be found upstream again:
    // refreshing would silently drop it.
    for (path, item) in old
        .get("paths")
        .and_then(Value::as_mapping)
        .into_iter()
        .flatten()
    {
        for m in crate::spec_add::METHODS {
            if item
                .get(*m)
                .is_some_and(|op| op.get("operationId").is_none())
            {
                tg_diags.error(
                    &crate::diag::Pointer::root()
                        .push("paths")
                        .push(path.as_str().unwrap_or_default())
                        .push(m),
                    "this operation has no operationId, so `spec update` cannot refresh it; give it upstream's",
                );
            }
        }
    }
    if tg_diags.has_errors() {
        return Err(tg_diags.into_sorted());
    }
    let old_ops = operations(&old);
    let up_ops = operations(&up);
    let mut report = UpdateReport {
        removed_missing: remove_missing,
        ..UpdateReport::default()
    };
    for (id, place) in &old_ops {
        match up_ops.get(id) {
            Some(up_place) => {
                report.refreshed.push(id.clone());
                if up_place != place {
                    report.moved.push((
                        id.clone(),
                        format!("{} {}", place.1, place.0),
                        format!("{} {}", up_place.1, up_place.0),
                    ));
                }
            }
            None => report.missing_upstream.push(id.clone()),
        }
    }

    // The fresh cut, with the overlay applied to what upstream has now.
    let selection = Selection {
        operation_ids: report.refreshed.clone(),
        tags: Vec::new(),
    };
    let (mut doc, cut) = merge(
        target_label,
        skeleton(&up),
        upstream_label,
        &up,
        &selection,
        overlay,
    )?;
    report.corrections = cut.corrections;

    // Operations upstream dropped, kept from the spec with what they use.
    if !remove_missing && !report.missing_upstream.is_empty() {
        let kept = Selection {
            operation_ids: report.missing_upstream.clone(),
            tags: Vec::new(),
        };
        let (with_kept, k) = merge(target_label, doc, target_label, &old, &kept, overlay)?;
        doc = with_kept;
        for o in &k.corrections {
            let before = report.corrections.iter().find(|c| c.id == o.id);
            if before.is_some_and(|c| c.status == Status::NotPresent)
                && o.status != Status::NotPresent
            {
                report.corrections_on_kept.push(o.id.clone());
            }
        }
    }

    let old_components = components(&old);
    let new_components = components(&doc);
    report.components_added = new_components
        .difference(&old_components)
        .cloned()
        .collect();
    report.components_dropped = old_components
        .difference(&new_components)
        .cloned()
        .collect();
    let body = serialize(target_label, &doc)?;
    Ok((format!("{header}{body}"), report))
}

fn components(doc: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (kind, items) in doc
        .get("components")
        .and_then(Value::as_mapping)
        .into_iter()
        .flatten()
    {
        let Some(kind) = kind.as_str() else { continue };
        for name in items.as_mapping().into_iter().flat_map(|m| m.keys()) {
            if let Some(name) = name.as_str() {
                out.insert(format!("{kind}/{name}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD_UPSTREAM: &str = r#"
openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /s:
    post:
      operationId: createS
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/S'}
  /gone:
    get:
      operationId: getGone
      responses:
        '204': {description: none}
  /other:
    get:
      operationId: getOther
      responses:
        '204': {description: none}
components:
  schemas:
    S:
      type: object
      properties:
        status: {type: string, enum: [A, B]}
        old: {type: string}
"#;

    const NEW_UPSTREAM: &str = r#"
openapi: 3.0.3
info: {title: t, version: '2'}
paths:
  /s:
    post:
      operationId: createS
      parameters:
        - {name: limit, in: query, schema: {type: integer}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/S'}
  /other:
    get:
      operationId: getOther
      responses:
        '204': {description: none}
components:
  schemas:
    S:
      type: object
      properties:
        status: {type: string, enum: [A, B, C]}
        extra: {$ref: '#/components/schemas/Extra'}
    Extra: {type: string}
"#;

    const OVERLAY: &str = r#"
corrections:
- id: C1
  reason: answers 201
  evidence: traffic
  patch:
  - {op: move, from: '#/paths/~1s/post/responses/200', path: '#/paths/~1s/post/responses/201'}
- id: A1
  reason: idempotent
  evidence: semantics
  patch:
  - {op: add, path: '#/paths/~1gone/get/x-idempotent', value: true}
"#;

    fn cut(overlay: &crate::overlay::Overlay) -> String {
        let o = OverlayRef {
            label: "c.yaml",
            overlay,
        };
        let sel = Selection {
            operation_ids: vec!["createS".into(), "getGone".into()],
            tags: vec![],
        };
        crate::spec_add::add_with("s.yaml", None, "up.yaml", OLD_UPSTREAM, &sel, Some(o))
            .expect("cuts")
            .0
    }

    #[test]
    fn refreshes_keeps_removed_and_is_idempotent() {
        let overlay = crate::overlay::parse("c.yaml", OVERLAY).expect("parses");
        let o = Some(OverlayRef {
            label: "c.yaml",
            overlay: &overlay,
        });
        let spec = format!("# header\n{}", cut(&overlay));
        assert!(
            spec.contains("'201'") && spec.contains("x-idempotent"),
            "{spec}"
        );
        let (new, report) =
            update("s.yaml", &spec, "up.yaml", NEW_UPSTREAM, o, false).expect("updates");
        assert!(new.starts_with("# header\n"));
        assert_eq!(report.refreshed, ["createS"]);
        assert_eq!(report.missing_upstream, ["getGone"]);
        assert_eq!(report.components_added, ["schemas/Extra"]);
        assert!(
            new.contains("- C") && new.contains("limit") && !new.contains("old:"),
            "{new}"
        );
        assert!(
            new.contains("'201'") && !new.contains("'200'"),
            "C1 survives: {new}"
        );
        assert!(
            new.contains("/gone:") && new.contains("x-idempotent"),
            "kept: {new}"
        );
        assert_eq!(report.corrections[0].status, Status::Applied);
        assert_eq!(report.corrections_on_kept, ["A1"]);
        assert!(new.contains("version: '2'"));
        let (again, _) =
            update("s.yaml", &new, "up.yaml", NEW_UPSTREAM, o, false).expect("updates");
        assert_eq!(again, new, "a second run changes nothing");

        let (removed, report) =
            update("s.yaml", &spec, "up.yaml", NEW_UPSTREAM, o, true).expect("updates");
        assert!(report.removed_missing && !removed.contains("/gone:"));
        assert!(crate::generate("s.yaml", &removed).is_ok());
    }

    #[test]
    fn an_operation_without_an_operation_id_is_an_error_not_a_loss() {
        let spec = "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    get:\n      responses: {'204': {description: none}}\n";
        let err =
            update("s.yaml", spec, "up.yaml", NEW_UPSTREAM, None, false).expect_err("refused");
        assert_eq!(err.len(), 1);
        assert!(
            err[0]
                .to_string()
                .starts_with("error: s.yaml#/paths/~1x/get: this operation has no operationId"),
            "{err:?}"
        );
    }

    #[test]
    fn upstream_fix_is_reported_and_conflict_writes_nothing() {
        let overlay = crate::overlay::parse("c.yaml", OVERLAY).expect("parses");
        let o = Some(OverlayRef {
            label: "c.yaml",
            overlay: &overlay,
        });
        let spec = cut(&overlay);
        let fixed = NEW_UPSTREAM.replace("'200'", "'201'");
        let (_, report) = update("s.yaml", &spec, "up.yaml", &fixed, o, true).expect("updates");
        assert_eq!(report.corrections[0].status, Status::InPlace, "droppable");
        let changed = NEW_UPSTREAM.replace("'200'", "'202'");
        let err = update("s.yaml", &spec, "up.yaml", &changed, o, true).expect_err("conflict");
        let text: Vec<String> = err.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "error: s.yaml#/paths/~1s/post/responses/200: correction `C1` of c.yaml no longer applies: nothing to move from here"
            ]
        );
    }
}

//! The corrections overlay (`spec/corrections.yaml`): every change this
//! project makes to upstream's spec, as declarative JSON-pointer patches with
//! a reason and evidence each, and the upstream warnings it accepts, with a
//! reason each. Pure: text and values in, values and diagnostics out.
//!
//! `spec add`, `spec update` and `spec apply` re-apply the overlay to the
//! spec they write, so the committed spec file always holds every
//! correction; codegen reads the spec as it is, and the drift check fails
//! when a correction is not in place or a warning is neither corrected nor
//! accepted.
//!
//! A correction is a list of RFC 6902 operations (`add`, `remove`,
//! `replace`, `move`, `test`) whose paths are `#`-prefixed RFC 6901 pointers,
//! as diagnostics print them. `test` operations describe what upstream has
//! that the correction corrects: they are checked only when the correction
//! still has to be applied, so a correction whose upstream premise changed
//! is a conflict, never a silent overwrite.

use serde::Deserialize;
use serde_yaml::Value;

use crate::diag::{Diagnostic, Diagnostics, Pointer};

/// The file name of the overlay, beside the spec file.
pub const FILE_NAME: &str = "corrections.yaml";

/// The parsed overlay.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Overlay {
    #[serde(default)]
    pub corrections: Vec<Correction>,
    #[serde(default)]
    pub accepted_warnings: Vec<AcceptedWarning>,
}

/// One correction of upstream's spec.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Correction {
    /// A short, unique name (`C1`, `A1`, …).
    pub id: String,
    /// What upstream gets wrong and what the correction does.
    pub reason: String,
    /// Where the truth was observed (recorded traffic, upstream's own examples, …).
    pub evidence: String,
    pub patch: Vec<PatchOp>,
}

/// One RFC 6902 operation.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase", deny_unknown_fields)]
pub enum PatchOp {
    Add { path: String, value: Value },
    Remove { path: String },
    Replace { path: String, value: Value },
    Move { from: String, path: String },
    Test { path: String, value: Value },
}

impl PatchOp {
    pub fn path(&self) -> &str {
        match self {
            PatchOp::Add { path, .. }
            | PatchOp::Remove { path }
            | PatchOp::Replace { path, .. }
            | PatchOp::Move { path, .. }
            | PatchOp::Test { path, .. } => path,
        }
    }
}

/// An upstream warning the project accepts instead of correcting.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcceptedWarning {
    /// The warning's JSON pointer, exactly as the generator prints it.
    pub pointer: String,
    /// Text the warning's message contains.
    pub message: String,
    /// Why the warning is harmless for this crate.
    pub reason: String,
}

/// Parse an overlay. Every problem is an error with a pointer into the overlay.
pub fn parse(label: &str, text: &str) -> Result<Overlay, Vec<Diagnostic>> {
    let mut diags = Diagnostics::new(label);
    // An empty overlay (no corrections, nothing accepted) is a valid one;
    // only a spec must have content.
    if crate::load::without_bom(text).trim().is_empty() {
        return Ok(Overlay::default());
    }
    let value = crate::load::parse_yaml(text, &mut diags)?;
    let value = if value.is_null() {
        Value::Mapping(Default::default())
    } else {
        value
    };
    let overlay: Overlay = match serde_path_to_error::deserialize(value) {
        Ok(o) => o,
        Err(e) => {
            let mut p = Pointer::root();
            for seg in e.path().iter() {
                p = match seg {
                    serde_path_to_error::Segment::Seq { index } => p.push(index.to_string()),
                    serde_path_to_error::Segment::Map { key } => p.push(key),
                    serde_path_to_error::Segment::Enum { variant } => p.push(variant),
                    serde_path_to_error::Segment::Unknown => p.push("?"),
                };
            }
            diags.error(
                &p,
                format!("not a valid corrections overlay: {}", e.inner()),
            );
            return Err(diags.into_sorted());
        }
    };
    let mut ids = std::collections::BTreeSet::new();
    for (i, c) in overlay.corrections.iter().enumerate() {
        let at = Pointer::root().push("corrections").push(i.to_string());
        if c.id.trim().is_empty() || !ids.insert(c.id.as_str()) {
            diags.error(
                &at.push("id"),
                format!("correction ids must be unique and non-empty (`{}`)", c.id),
            );
        }
        for (field, text) in [("reason", &c.reason), ("evidence", &c.evidence)] {
            if text.trim().is_empty() {
                diags.error(
                    &at.push(field),
                    format!("correction `{}` needs a non-empty `{field}`", c.id),
                );
            }
        }
        if !c.patch.iter().any(|op| !matches!(op, PatchOp::Test { .. })) {
            diags.error(
                &at.push("patch"),
                format!(
                    "correction `{}` changes nothing: it needs an operation other than `test`",
                    c.id
                ),
            );
        }
        for (j, op) in c.patch.iter().enumerate() {
            let mut pointers = vec![("path", op.path())];
            if let PatchOp::Move { from, .. } = op {
                pointers.push(("from", from));
            }
            for (field, ptr) in pointers {
                if tokens(ptr).is_none_or(|t| t.is_empty()) {
                    diags.error(
                        &at.push("patch").push(j.to_string()).push(field),
                        format!("`{ptr}` is not a JSON pointer below the root (`#/…`)"),
                    );
                }
            }
        }
    }
    for (i, w) in overlay.accepted_warnings.iter().enumerate() {
        let at = Pointer::root()
            .push("accepted-warnings")
            .push(i.to_string());
        for (field, text) in [
            ("pointer", &w.pointer),
            ("message", &w.message),
            ("reason", &w.reason),
        ] {
            if text.trim().is_empty() {
                diags.error(
                    &at.push(field),
                    format!("an accepted warning needs a non-empty `{field}`"),
                );
            }
        }
    }
    if diags.has_errors() {
        return Err(diags.into_sorted());
    }
    Ok(overlay)
}

/// What became of one correction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// The document already says what the correction says (against a fresh
    /// upstream cut: upstream fixed it, and the correction can be dropped).
    InPlace,
    /// The correction was applied.
    Applied,
    /// The document holds none of the operations or components the
    /// correction is about: it waits until they are cut.
    NotPresent,
    /// The correction no longer applies: `pointer` is where it fails.
    Conflict { pointer: String, message: String },
}

/// One correction's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub id: String,
    pub status: Status,
}

/// Apply every correction of `overlay` to `doc`, in order. A conflicting
/// correction leaves `doc` as it was (the others still apply); the caller
/// decides whether to write anything.
pub fn apply(doc: &mut Value, overlay: &Overlay) -> Vec<Outcome> {
    overlay
        .corrections
        .iter()
        .map(|c| Outcome {
            id: c.id.clone(),
            status: apply_one(doc, c),
        })
        .collect()
}

fn apply_one(doc: &mut Value, correction: &Correction) -> Status {
    let present: Vec<&PatchOp> = correction
        .patch
        .iter()
        .filter(|op| anchored(doc, op))
        .collect();
    let changes: Vec<&PatchOp> = present
        .iter()
        .copied()
        .filter(|op| !matches!(op, PatchOp::Test { .. }))
        .collect();
    if changes.is_empty() {
        return Status::NotPresent;
    }
    if changes.iter().all(|op| holds(doc, op)) {
        return Status::InPlace;
    }
    let mut work = doc.clone();
    for op in present {
        if !matches!(op, PatchOp::Test { .. }) && holds(&work, op) {
            continue;
        }
        if let Err((pointer, message)) = apply_op(&mut work, op) {
            return Status::Conflict { pointer, message };
        }
    }
    *doc = work;
    Status::Applied
}

/// The operation (`#/paths/P/METHOD`) or component
/// (`#/components/KIND/NAME`) a pointer is about; other pointers are their
/// own anchor.
pub fn anchor(pointer: &str) -> String {
    let rest = pointer.strip_prefix('#').unwrap_or(pointer);
    let parts: Vec<&str> = rest.split('/').collect();
    // ["", "paths", P, METHOD, …] or ["", "components", KIND, NAME, …]
    if parts.len() >= 4 && matches!(parts[1], "paths" | "components") {
        format!("#{}", parts[..4].join("/"))
    } else {
        format!("#{rest}")
    }
}

/// Whether the operation or component `op` is about is in `doc`: a
/// correction of something the spec does not hold (yet) waits, dormant.
fn anchored(doc: &Value, op: &PatchOp) -> bool {
    let mut pointers = vec![op.path()];
    if let PatchOp::Move { from, .. } = op {
        pointers.push(from);
    }
    pointers.iter().all(|p| get(doc, &anchor(p)).is_some())
}

/// Whether the effect of `op` is already true of `doc`.
fn holds(doc: &Value, op: &PatchOp) -> bool {
    match op {
        PatchOp::Add { path, value } | PatchOp::Replace { path, value } => {
            get(doc, path) == Some(value)
        }
        PatchOp::Remove { path } => get(doc, path).is_none(),
        PatchOp::Move { from, path } => get(doc, from).is_none() && get(doc, path).is_some(),
        PatchOp::Test { .. } => true,
    }
}

type OpError = (String, String);

fn apply_op(doc: &mut Value, op: &PatchOp) -> Result<(), OpError> {
    match op {
        PatchOp::Add { path, value } => add(doc, path, value.clone()),
        PatchOp::Remove { path } => remove(doc, path).map(drop),
        PatchOp::Replace { path, value } => match get_mut(doc, path) {
            Some(slot) => {
                *slot = value.clone();
                Ok(())
            }
            None => Err((path.clone(), "nothing to replace here".into())),
        },
        PatchOp::Move { from, path } => {
            let value =
                remove(doc, from).map_err(|(p, _)| (p, "nothing to move from here".to_string()))?;
            add(doc, path, value)
        }
        PatchOp::Test { path, value } => match get(doc, path) {
            Some(found) if found == value => Ok(()),
            Some(found) => Err((
                path.clone(),
                format!(
                    "the value here is no longer the one the correction was written for: expected {}, found {}",
                    compact(value),
                    compact(found)
                ),
            )),
            None => Err((
                path.clone(),
                "the correction was written for a value here, and there is none".into(),
            )),
        },
    }
}

fn compact(v: &Value) -> String {
    let text = serde_json::to_string(v).unwrap_or_else(|_| format!("{v:?}"));
    if text.chars().count() > 120 {
        let cut: String = text.chars().take(120).collect();
        format!("{cut}…")
    } else {
        text
    }
}

/// The reference tokens of a `#/…` (or `/…`) pointer, unescaped.
fn tokens(pointer: &str) -> Option<Vec<String>> {
    let rest = pointer.strip_prefix('#').unwrap_or(pointer);
    if rest.is_empty() {
        return Some(Vec::new());
    }
    let rest = rest.strip_prefix('/')?;
    Some(
        rest.split('/')
            .map(|t| t.replace("~1", "/").replace("~0", "~"))
            .collect(),
    )
}

fn key_matches(k: &Value, token: &str) -> bool {
    match k {
        Value::String(s) => s == token,
        Value::Number(n) => n.to_string() == token,
        Value::Bool(b) => b.to_string() == token,
        _ => false,
    }
}

fn child<'v>(v: &'v Value, token: &str) -> Option<&'v Value> {
    match v {
        Value::Mapping(m) => m.iter().find(|(k, _)| key_matches(k, token)).map(|e| e.1),
        Value::Sequence(s) => s.get(token.parse::<usize>().ok()?),
        _ => None,
    }
}

fn child_mut<'v>(v: &'v mut Value, token: &str) -> Option<&'v mut Value> {
    match v {
        Value::Mapping(m) => m
            .iter_mut()
            .find(|(k, _)| key_matches(k, token))
            .map(|e| e.1),
        Value::Sequence(s) => s.get_mut(token.parse::<usize>().ok()?),
        _ => None,
    }
}

/// The value at `pointer`, if any.
pub fn get<'v>(doc: &'v Value, pointer: &str) -> Option<&'v Value> {
    tokens(pointer)?
        .iter()
        .try_fold(doc, |v, t| child(v, t.as_str()))
}

fn get_mut<'v>(doc: &'v mut Value, pointer: &str) -> Option<&'v mut Value> {
    tokens(pointer)?
        .iter()
        .try_fold(doc, |v, t| child_mut(v, t.as_str()))
}

fn parent_of(pointer: &str) -> Option<(String, String)> {
    let mut t = tokens(pointer)?;
    let last = t.pop()?;
    let parent = t.iter().fold(String::from("#"), |p, t| {
        format!("{p}/{}", t.replace('~', "~0").replace('/', "~1"))
    });
    Some((parent, last))
}

fn add(doc: &mut Value, path: &str, value: Value) -> Result<(), OpError> {
    let missing = || (path.to_string(), "its parent does not exist".to_string());
    let (parent, last) = parent_of(path).ok_or_else(missing)?;
    match get_mut(doc, &parent).ok_or_else(missing)? {
        Value::Mapping(m) => {
            match m.iter_mut().find(|(k, _)| key_matches(k, &last)) {
                Some((_, slot)) => *slot = value,
                None => {
                    m.insert(Value::String(last), value);
                }
            }
            Ok(())
        }
        Value::Sequence(s) if last == "-" => {
            s.push(value);
            Ok(())
        }
        Value::Sequence(s) => match last.parse::<usize>() {
            Ok(i) if i <= s.len() => {
                s.insert(i, value);
                Ok(())
            }
            _ => Err((path.to_string(), "not an index of the array here".into())),
        },
        _ => Err((
            path.to_string(),
            "its parent is neither an object nor an array".into(),
        )),
    }
}

fn remove(doc: &mut Value, path: &str) -> Result<Value, OpError> {
    let missing = || (path.to_string(), "nothing to remove here".to_string());
    let (parent, last) = parent_of(path).ok_or_else(missing)?;
    match get_mut(doc, &parent).ok_or_else(missing)? {
        Value::Mapping(m) => {
            let key = m
                .keys()
                .find(|k| key_matches(k, &last))
                .cloned()
                .ok_or_else(missing)?;
            m.shift_remove(&key).ok_or_else(missing)
        }
        Value::Sequence(s) => match last.parse::<usize>() {
            Ok(i) if i < s.len() => Ok(s.remove(i)),
            _ => Err(missing()),
        },
        _ => Err(missing()),
    }
}

/// The corrections of `overlay` that are not in place in `doc`, as errors
/// (the drift check's view: the committed spec must hold every correction).
pub fn check_in_place(
    spec_label: &str,
    overlay_label: &str,
    doc: &Value,
    overlay: &Overlay,
) -> Vec<Diagnostic> {
    let mut diags = Diagnostics::new(spec_label);
    let mut work = doc.clone();
    for (outcome, correction) in apply(&mut work, overlay).iter().zip(&overlay.corrections) {
        match &outcome.status {
            Status::InPlace | Status::NotPresent => {}
            Status::Applied => {
                let at = correction
                    .patch
                    .iter()
                    .find(|op| !matches!(op, PatchOp::Test { .. }) && !holds(doc, op))
                    .map_or("#", PatchOp::path);
                diags.error(
                    &Pointer::from_ref(at),
                    format!(
                        "correction `{}` of {overlay_label} is not in place; run `cargo xtask spec apply`",
                        outcome.id
                    ),
                );
            }
            Status::Conflict { pointer, message } => diags.error(
                &Pointer::from_ref(pointer),
                format!(
                    "correction `{}` of {overlay_label} does not apply: {message}",
                    outcome.id
                ),
            ),
        }
    }
    diags.into_sorted()
}

/// Warnings sorted into those `overlay` accepts (with the reason) and those
/// it does not; plus the accepted warnings that match none (stale entries,
/// which the drift check refuses as it refuses an unexplained warning).
#[derive(Debug, Clone, Default)]
pub struct Triage<'o> {
    pub unaccepted: Vec<Diagnostic>,
    pub accepted: Vec<(Diagnostic, &'o AcceptedWarning)>,
    pub unused: Vec<&'o AcceptedWarning>,
}

pub fn triage(warnings: Vec<Diagnostic>, overlay: &Overlay) -> Triage<'_> {
    let mut t = Triage::default();
    let mut used = vec![false; overlay.accepted_warnings.len()];
    for w in warnings {
        let hit = overlay
            .accepted_warnings
            .iter()
            .position(|a| a.pointer == w.pointer && w.message.contains(a.message.as_str()));
        match hit {
            Some(i) => {
                used[i] = true;
                t.accepted.push((w, &overlay.accepted_warnings[i]));
            }
            None => t.unaccepted.push(w),
        }
    }
    // Accepted warnings of parts of upstream that spec/ does not hold are
    // kept for the day they are cut; `unused` lists them all.
    t.unused = overlay
        .accepted_warnings
        .iter()
        .zip(used)
        .filter(|(_, u)| !u)
        .map(|(a, _)| a)
        .collect();
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Value {
        serde_yaml::from_str(text).expect("yaml")
    }

    const OVERLAY: &str = r#"
corrections:
- id: C1
  reason: the service answers 201
  evidence: recorded traffic
  patch:
  - {op: move, from: '#/paths/~1a/post/responses/200', path: '#/paths/~1a/post/responses/201'}
- id: C2
  reason: r
  evidence: e
  patch:
  - {op: test, path: '#/components/schemas/S/properties/p', value: {type: object}}
  - {op: replace, path: '#/components/schemas/S/properties/p', value: {type: string}}
- id: A1
  reason: r
  evidence: e
  patch:
  - {op: add, path: '#/paths/~1a/post/x-idempotent', value: true}
accepted-warnings:
- pointer: '#/components/schemas/S'
  message: ignored
  reason: harmless
"#;

    const UPSTREAM: &str = r#"
paths:
  /a:
    post:
      responses:
        '200': {description: ok}
components:
  schemas:
    S:
      properties:
        p: {type: object}
"#;

    fn statuses(outcomes: &[Outcome]) -> Vec<(String, Status)> {
        outcomes
            .iter()
            .map(|o| (o.id.clone(), o.status.clone()))
            .collect()
    }

    #[test]
    fn applies_then_is_in_place() {
        let overlay = parse("c.yaml", OVERLAY).expect("parses");
        let mut d = doc(UPSTREAM);
        let first = apply(&mut d, &overlay);
        assert!(
            first.iter().all(|o| o.status == Status::Applied),
            "{first:?}"
        );
        assert_eq!(
            get(&d, "#/paths/~1a/post/responses/201/description"),
            Some(&Value::from("ok"))
        );
        assert!(get(&d, "#/paths/~1a/post/responses/200").is_none());
        let once = d.clone();
        let second = apply(&mut d, &overlay);
        assert!(
            second.iter().all(|o| o.status == Status::InPlace),
            "{second:?}"
        );
        assert_eq!(d, once, "applying twice changes nothing");
        assert!(check_in_place("s.yaml", "c.yaml", &d, &overlay).is_empty());
        let errors = check_in_place("s.yaml", "c.yaml", &doc(UPSTREAM), &overlay);
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(
            errors[0]
                .to_string()
                .contains("correction `C2` of c.yaml is not in place"),
            "{errors:?}"
        );
    }

    #[test]
    fn upstream_fix_is_in_place_and_changed_premise_is_a_conflict() {
        let overlay = parse("c.yaml", OVERLAY).expect("parses");
        // Upstream now answers 201 itself, and changed `p` another way.
        let mut d = doc(&UPSTREAM
            .replace("'200'", "'201'")
            .replace("p: {type: object}", "p: {type: integer}"));
        let before = d.clone();
        let out = statuses(&apply(&mut d, &overlay));
        assert_eq!(out[0], ("C1".into(), Status::InPlace));
        let Status::Conflict { pointer, message } = &out[1].1 else {
            panic!("{out:?}")
        };
        assert_eq!(pointer, "#/components/schemas/S/properties/p");
        assert!(
            message.contains("expected {\"type\":\"object\"}"),
            "{message}"
        );
        assert_eq!(out[2], ("A1".into(), Status::Applied));
        assert_eq!(
            get(&d, "#/components/schemas/S/properties/p"),
            get(&before, "#/components/schemas/S/properties/p"),
            "a conflicting correction changes nothing"
        );
        // The operation is there without the response the correction moves.
        let mut gone = doc("paths: {/a: {post: {responses: {}}}}\ncomponents: {schemas: {}}\n");
        let out = statuses(&apply(&mut gone, &overlay));
        assert!(
            matches!(&out[0].1, Status::Conflict { pointer, .. } if pointer == "#/paths/~1a/post/responses/200"),
            "{out:?}"
        );
        assert_eq!(out[1].1, Status::NotPresent, "no schema S: dormant");
        // Nothing the overlay is about: every correction waits.
        let mut empty = doc("paths: {}\n");
        let out = statuses(&apply(&mut empty, &overlay));
        assert!(out.iter().all(|(_, s)| *s == Status::NotPresent), "{out:?}");
        assert_eq!(empty, doc("paths: {}\n"));
    }

    #[test]
    fn bad_overlays_are_located() {
        let errs = |text: &str| -> Vec<String> {
            parse("c.yaml", text)
                .expect_err("refused")
                .iter()
                .map(ToString::to_string)
                .collect()
        };
        assert_eq!(
            errs(
                "corrections:\n- {id: X, reason: r, evidence: '', patch: [{op: test, path: '#/a', value: 1}]}\n"
            ),
            [
                "error: c.yaml#/corrections/0/evidence: correction `X` needs a non-empty `evidence`",
                "error: c.yaml#/corrections/0/patch: correction `X` changes nothing: it needs an operation other than `test`",
            ]
        );
        let e = errs(
            "corrections:\n- {id: X, reason: r, evidence: e, patch: [{op: copy, path: '#/a'}]}\n",
        );
        assert!(
            e[0].starts_with(
                "error: c.yaml#/corrections/0/patch/0/op: not a valid corrections overlay"
            ),
            "{e:?}"
        );
        let e = errs(
            "corrections:\n- {id: X, reason: r, evidence: e, patch: [{op: remove, path: 'a/b'}]}\n",
        );
        assert_eq!(
            e,
            [
                "error: c.yaml#/corrections/0/patch/0/path: `a/b` is not a JSON pointer below the root (`#/…`)"
            ]
        );
        let e = errs("accepted-warnings:\n- {pointer: '#/a', message: m, reason: ' '}\n");
        assert_eq!(
            e,
            [
                "error: c.yaml#/accepted-warnings/0/reason: an accepted warning needs a non-empty `reason`"
            ]
        );
        assert_eq!(
            parse("c.yaml", "").expect("empty is fine"),
            Overlay::default()
        );
    }

    #[test]
    fn triage_matches_pointer_and_message() {
        let overlay = parse("c.yaml", OVERLAY).expect("parses");
        let w = |pointer: &str, message: &str| Diagnostic {
            severity: crate::Severity::Warning,
            file: "s.yaml".into(),
            pointer: pointer.into(),
            message: message.into(),
        };
        let t = triage(
            vec![
                w("#/components/schemas/S", "keywords are ignored"),
                w("#/components/schemas/T", "keywords are ignored"),
            ],
            &overlay,
        );
        assert_eq!(t.accepted.len(), 1);
        assert_eq!(t.unaccepted[0].pointer, "#/components/schemas/T");
        assert!(t.unused.is_empty());
        let t = triage(vec![], &overlay);
        assert_eq!(t.unused.len(), 1, "a stale acceptance is reported");
    }
}

//! `spec add`: copy operations, and the closure of the components they
//! use, from an upstream OpenAPI document into our spec. Pure: text in,
//! text out. What the target already has is kept (its corrections survive),
//! and the output is deterministic: paths and component names sorted, the
//! target's leading comment block preserved, YAML re-serialized.

use std::collections::{BTreeMap, BTreeSet};

use serde_yaml::{Mapping, Value};

use crate::diag::{Diagnostic, Diagnostics, Pointer};
use crate::overlay::{Outcome, Overlay, Status};

pub(crate) const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Which upstream operations to copy.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub operation_ids: Vec<String>,
    pub tags: Vec<String>,
}

/// What `add` did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddReport {
    /// Operations copied from upstream.
    pub added: Vec<String>,
    /// Selected operations the target already had (left as they are).
    pub kept: Vec<String>,
    /// Components copied, as `kind/name`.
    pub components: Vec<String>,
    /// What became of each correction of the overlay.
    pub corrections: Vec<Outcome>,
}

/// Add the selected operations of `upstream` to `target` (None: start a new
/// spec from upstream's `openapi`, `info` and `servers`). Returns the new
/// target text.
pub fn add(
    target_label: &str,
    target: Option<&str>,
    upstream_label: &str,
    upstream: &str,
    selection: &Selection,
) -> Result<(String, AddReport), Vec<Diagnostic>> {
    add_with(
        target_label,
        target,
        upstream_label,
        upstream,
        selection,
        None,
    )
}

/// The corrections overlay to re-apply, and its label for diagnostics.
#[derive(Debug, Clone, Copy)]
pub struct OverlayRef<'o> {
    pub label: &'o str,
    pub overlay: &'o Overlay,
}

/// [`add`], then the corrections of `overlay` re-applied: a correction that
/// no longer applies is an error (with its pointer), and nothing is returned.
pub fn add_with(
    target_label: &str,
    target: Option<&str>,
    upstream_label: &str,
    upstream: &str,
    selection: &Selection,
    overlay: Option<OverlayRef<'_>>,
) -> Result<(String, AddReport), Vec<Diagnostic>> {
    let mut up_diags = Diagnostics::new(upstream_label);
    let mut tg_diags = Diagnostics::new(target_label);
    let up: Value = crate::load::parse_yaml(upstream, &mut up_diags)?;
    let (header, doc) = match target {
        Some(text) => (
            leading_comments(crate::load::without_bom(text)),
            crate::load::parse_yaml(text, &mut tg_diags)?,
        ),
        None => (String::new(), skeleton(&up)),
    };
    let (doc, report) = merge(target_label, doc, upstream_label, &up, selection, overlay)?;
    let body = serialize(target_label, &doc)?;
    Ok((format!("{header}{body}"), report))
}

/// `spec apply`: the corrections of `overlay` re-applied to `target` in
/// place, with nothing taken from upstream. A correction that does not apply
/// is an error, and nothing is returned.
pub fn reapply(
    target_label: &str,
    target: &str,
    overlay: OverlayRef<'_>,
) -> Result<(String, Vec<Outcome>), Vec<Diagnostic>> {
    let mut diags = Diagnostics::new(target_label);
    let header = leading_comments(crate::load::without_bom(target));
    let mut doc = crate::load::parse_yaml(target, &mut diags)?;
    let outcomes = crate::overlay::apply(&mut doc, overlay.overlay);
    let mut diags = Diagnostics::new(target_label);
    for o in &outcomes {
        if let Status::Conflict { pointer, message } = &o.status {
            diags.error(
                &Pointer::from_ref(pointer),
                format!(
                    "correction `{}` of {} does not apply: {message}",
                    o.id, overlay.label
                ),
            );
        }
    }
    if diags.has_errors() {
        return Err(diags.into_sorted());
    }
    sort_document(&mut doc);
    Ok((
        format!("{header}{}", serialize(target_label, &doc)?),
        outcomes,
    ))
}

/// The document as `spec add` writes it.
pub(crate) fn serialize(target_label: &str, doc: &Value) -> Result<String, Vec<Diagnostic>> {
    serde_yaml::to_string(doc).map_err(|e| {
        let mut d = Diagnostics::new(target_label);
        d.error(
            &Pointer::root(),
            format!("cannot serialize the result: {e}"),
        );
        d.into_sorted()
    })
}

/// Merge the selected operations of `up` into `doc`, with the closure of
/// their components, the overlay re-applied, security schemes trimmed, and
/// the document sorted.
pub(crate) fn merge(
    target_label: &str,
    mut doc: Value,
    upstream_label: &str,
    up: &Value,
    selection: &Selection,
    overlay: Option<OverlayRef<'_>>,
) -> Result<(Value, AddReport), Vec<Diagnostic>> {
    let mut up_diags = Diagnostics::new(upstream_label);
    let mut tg_diags = Diagnostics::new(target_label);
    if !doc.is_mapping() {
        tg_diags.error(&Pointer::root(), "the target spec is not a YAML mapping");
        return Err(tg_diags.into_sorted());
    }
    let mut report = AddReport::default();

    // Which upstream operations are selected.
    let mut wanted: BTreeSet<&str> = selection.operation_ids.iter().map(String::as_str).collect();
    let mut chosen: Vec<(String, String)> = Vec::new(); // (path, method)
    let up_paths = up
        .get("paths")
        .and_then(Value::as_mapping)
        .cloned()
        .unwrap_or_default();
    for (path, item) in &up_paths {
        let Some(path) = path.as_str() else { continue };
        for m in METHODS {
            let Some(op) = item.get(*m) else { continue };
            let id = op.get("operationId").and_then(Value::as_str).unwrap_or("");
            let tagged = op
                .get("tags")
                .and_then(Value::as_sequence)
                .is_some_and(|tags| {
                    tags.iter().any(|t| {
                        t.as_str()
                            .is_some_and(|t| selection.tags.iter().any(|w| w == t))
                    })
                });
            if wanted.remove(id) || tagged {
                chosen.push((path.to_string(), (*m).to_string()));
            }
        }
    }
    for missing in wanted {
        up_diags.error(
            &Pointer::root().push("paths"),
            format!("no operation with operationId `{missing}` upstream"),
        );
    }
    for tag in &selection.tags {
        if !chosen.iter().any(|(p, m)| {
            up_paths
                .get(p.as_str())
                .and_then(|i| i.get(m.as_str()))
                .and_then(|o| o.get("tags"))
                .and_then(Value::as_sequence)
                .is_some_and(|t| t.iter().any(|t| t.as_str() == Some(tag)))
        }) {
            up_diags.error(
                &Pointer::root().push("tags"),
                format!("no operation is tagged `{tag}` upstream"),
            );
        }
    }
    if up_diags.has_errors() {
        return Err(up_diags.into_sorted());
    }

    // Operation ids the target already has, and where.
    let target_ids = operations(&doc);

    let map = doc.as_mapping_mut().ok_or_else(Vec::new)?;
    let paths = entry_mapping(map, "paths")?;
    for (path, method) in &chosen {
        let Some(item) = up_paths.get(path.as_str()) else {
            continue;
        };
        let Some(op) = item.get(method.as_str()) else {
            continue;
        };
        let id = op
            .get("operationId")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if let Some((p, m)) = target_ids.get(&id) {
            if p == path && m == method {
                report.kept.push(id);
                continue;
            }
            tg_diags.error(
                &Pointer::root()
                    .push("paths")
                    .push(p)
                    .push(m)
                    .push("operationId"),
                format!(
                    "operationId `{id}` is already used here; upstream has it at {method} {path}"
                ),
            );
            continue;
        }
        let target_item = entry_mapping(paths, path)?;
        if target_item.get(method.as_str()).is_some() {
            tg_diags.error(
                &Pointer::root().push("paths").push(path).push(method),
                format!("{method} {path} already exists with another operationId; not replaced by `{id}`"),
            );
            continue;
        }
        if let (Some(params), None) = (item.get("parameters"), target_item.get("parameters")) {
            target_item.insert("parameters".into(), params.clone());
        }
        target_item.insert(method.as_str().into(), op.clone());
        report.added.push(id);
    }
    if tg_diags.has_errors() {
        return Err(tg_diags.into_sorted());
    }

    // The closure of `$ref`s, then the corrections (which may reference
    // components of their own), until neither adds anything.
    let mut outcomes: BTreeMap<String, Status> = BTreeMap::new();
    for _ in 0..8 {
        close(&mut doc, up, &mut report, &mut up_diags, &mut tg_diags)?;
        if up_diags.has_errors() {
            return Err(up_diags.into_sorted());
        }
        if tg_diags.has_errors() {
            return Err(tg_diags.into_sorted());
        }
        let Some(o) = overlay else { break };
        let mut applied = false;
        for outcome in crate::overlay::apply(&mut doc, o.overlay) {
            applied |= outcome.status == Status::Applied;
            let slot = outcomes.entry(outcome.id).or_insert(Status::NotPresent);
            *slot = stronger(slot.clone(), outcome.status);
        }
        if !applied {
            break;
        }
    }
    if let Some(o) = overlay {
        let mut diags = Diagnostics::new(target_label);
        for (id, status) in &outcomes {
            if let Status::Conflict { pointer, message } = status {
                diags.error(
                    &Pointer::from_ref(pointer),
                    format!(
                        "correction `{id}` of {} no longer applies: {message}",
                        o.label
                    ),
                );
            }
        }
        if diags.has_errors() {
            return Err(diags.into_sorted());
        }
        report.corrections = o
            .overlay
            .corrections
            .iter()
            .filter_map(|c| {
                outcomes.get(&c.id).map(|s| Outcome {
                    id: c.id.clone(),
                    status: s.clone(),
                })
            })
            .collect();
    }
    add_security(&mut doc, up);
    sort_document(&mut doc);
    report.added.sort();
    report.kept.sort();
    report.components.sort();
    Ok((doc, report))
}

/// Of two outcomes of one correction over successive passes, the one to report.
fn stronger(a: Status, b: Status) -> Status {
    let rank = |s: &Status| match s {
        Status::NotPresent => 0,
        Status::InPlace => 1,
        Status::Applied => 2,
        Status::Conflict { .. } => 3,
    };
    if rank(&b) >= rank(&a) { b } else { a }
}

/// Copy into `doc` every component its `$ref`s reach that it lacks, from `up`.
fn close(
    doc: &mut Value,
    up: &Value,
    report: &mut AddReport,
    up_diags: &mut Diagnostics,
    tg_diags: &mut Diagnostics,
) -> Result<(), Vec<Diagnostic>> {
    // The closure of `$ref`s, taking components from the target when it has them.
    let mut queue: Vec<String> = Vec::new();
    collect_refs(
        doc.get("paths").unwrap_or(&Value::Null),
        Place::Names,
        &mut queue,
    );
    let mut seen: BTreeSet<String> = BTreeSet::new();
    while let Some(reference) = queue.pop() {
        if !seen.insert(reference.clone()) {
            continue;
        }
        let Some((kind, name)) = split_ref(&reference) else {
            tg_diags.error(&Pointer::root(), format!("`$ref: {reference}` is not a local component reference; copy its target by hand"));
            continue;
        };
        let existing = doc
            .get("components")
            .and_then(|c| c.get(kind.as_str()))
            .and_then(|k| k.get(name.as_str()))
            .cloned();
        let value = match existing {
            Some(v) => v,
            None => {
                let Some(v) = up
                    .get("components")
                    .and_then(|c| c.get(kind.as_str()))
                    .and_then(|k| k.get(name.as_str()))
                    .cloned()
                else {
                    up_diags.error(
                        &Pointer::from_ref(&reference),
                        format!("`$ref: {reference}` does not resolve upstream"),
                    );
                    continue;
                };
                let map = doc.as_mapping_mut().ok_or_else(Vec::new)?;
                let components = entry_mapping(map, "components")?;
                entry_mapping(components, &kind)?.insert(name.as_str().into(), v.clone());
                report.components.push(format!("{kind}/{name}"));
                v
            }
        };
        let place = if kind == "examples" {
            Place::Example
        } else {
            Place::Object
        };
        collect_refs(&value, place, &mut queue);
    }
    Ok(())
}

/// Every tag the operations of `upstream` carry, sorted and without
/// repeats: what `--tag` accepts.
pub fn tags(upstream_label: &str, upstream: &str) -> Result<Vec<String>, Vec<Diagnostic>> {
    let mut diags = Diagnostics::new(upstream_label);
    let up = crate::load::parse_yaml(upstream, &mut diags)?;
    let mut tags = BTreeSet::new();
    let paths = up.get("paths").and_then(Value::as_mapping);
    for item in paths.into_iter().flat_map(|p| p.values()) {
        for m in METHODS {
            let op_tags = item
                .get(*m)
                .and_then(|op| op.get("tags"))
                .and_then(Value::as_sequence);
            for t in op_tags.into_iter().flatten() {
                if let Some(t) = t.as_str() {
                    tags.insert(t.to_string());
                }
            }
        }
    }
    Ok(tags.into_iter().collect())
}

/// Every operation of `doc` with an operationId: id → (path, method).
pub(crate) fn operations(doc: &Value) -> BTreeMap<String, (String, String)> {
    let mut ids = BTreeMap::new();
    if let Some(paths) = doc.get("paths").and_then(Value::as_mapping) {
        for (path, item) in paths {
            for m in METHODS {
                if let Some(id) = item
                    .get(*m)
                    .and_then(|o| o.get("operationId"))
                    .and_then(Value::as_str)
                {
                    ids.insert(
                        id.to_string(),
                        (path.as_str().unwrap_or("").to_string(), (*m).to_string()),
                    );
                }
            }
        }
    }
    ids
}

/// The comment lines (and blank lines) before the first YAML content.
pub(crate) fn leading_comments(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let t = line.trim_start();
        if t.starts_with('#') || t.is_empty() {
            out.push_str(line);
            out.push('\n');
        } else {
            break;
        }
    }
    out
}

pub(crate) fn skeleton(up: &Value) -> Value {
    let mut m = Mapping::new();
    for key in ["openapi", "info", "servers"] {
        if let Some(v) = up.get(key) {
            m.insert(key.into(), v.clone());
        }
    }
    m.insert("paths".into(), Value::Mapping(Mapping::new()));
    Value::Mapping(m)
}

/// `map[key]` as a mapping, created (or replaced, if it was not a mapping).
fn entry_mapping<'m>(map: &'m mut Mapping, key: &str) -> Result<&'m mut Mapping, Vec<Diagnostic>> {
    let slot = map.entry(key.into()).or_insert(Value::Null);
    if !slot.is_mapping() {
        *slot = Value::Mapping(Mapping::new());
    }
    slot.as_mapping_mut().ok_or_else(|| {
        let mut d = Diagnostics::new("spec add");
        d.error(&Pointer::root().push(key), "internal error: not a mapping");
        d.into_sorted()
    })
}

/// Where a value sits in the document, which decides whether a `$ref` in it
/// is a reference or literal data (an example of a JSON Schema document may
/// well contain `$ref: '#/definitions/base'`).
#[derive(Clone, Copy)]
enum Place {
    /// A spec object (operation, schema, parameter, …): keys are keywords.
    Object,
    /// A map keyed by names (`paths`, `properties`, `responses`, …): every
    /// value is an object, whatever its key says.
    Names,
    /// A map of Example Objects (`examples`).
    Examples,
    /// An Example Object, whose `value` is literal data.
    Example,
}

/// Keywords whose values are literal data.
const LITERAL_KEYWORDS: &[&str] = &["example", "default", "enum"];

/// Keywords whose values, when they are maps, are keyed by names.
const NAME_MAPS: &[&str] = &[
    "paths",
    "properties",
    "patternProperties",
    "responses",
    "content",
    "headers",
    "links",
    "callbacks",
    "encoding",
    "schemas",
    "parameters",
    "requestBodies",
    "securitySchemes",
];

/// The `$ref`s under `v`, and the targets of its discriminator mappings,
/// leaving out literal data: examples, defaults, enums and extensions.
fn collect_refs(v: &Value, place: Place, out: &mut Vec<String>) {
    match v {
        Value::Mapping(m) => {
            for (k, v) in m {
                let key = k.as_str().unwrap_or_default();
                if key == "$ref" {
                    if let Some(r) = v.as_str() {
                        out.push(r.to_string());
                    }
                    continue;
                }
                let next = match place {
                    Place::Names => Place::Object,
                    Place::Examples => Place::Example,
                    Place::Example if key == "value" || key.starts_with("x-") => continue,
                    Place::Example => Place::Object,
                    Place::Object if key.starts_with("x-") || LITERAL_KEYWORDS.contains(&key) => {
                        continue;
                    }
                    Place::Object if key == "discriminator" => {
                        let targets = v.get("mapping").and_then(Value::as_mapping);
                        for target in targets.into_iter().flat_map(|m| m.values()) {
                            if let Some(t) = target.as_str() {
                                out.push(crate::diag::mapping_ref(t));
                            }
                        }
                        continue;
                    }
                    Place::Object if key == "examples" && v.is_mapping() => Place::Examples,
                    Place::Object if key == "examples" => continue,
                    Place::Object if NAME_MAPS.contains(&key) && v.is_mapping() => Place::Names,
                    Place::Object => Place::Object,
                };
                collect_refs(v, next, out);
            }
        }
        Value::Sequence(s) => s.iter().for_each(|v| collect_refs(v, place, out)),
        Value::Tagged(t) => collect_refs(&t.value, place, out),
        _ => {}
    }
}

fn split_ref(reference: &str) -> Option<(String, String)> {
    let rest = reference.strip_prefix("#/components/")?;
    let (kind, _) = rest.split_once('/')?;
    let name = crate::diag::component_key(reference, kind)?;
    Some((kind.to_string(), name))
}

/// Security schemes the operations name, with oauth2 scopes limited to the used ones.
fn add_security(doc: &mut Value, up: &Value) {
    let mut used: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut requirement_lists: Vec<Value> = Vec::new();
    if let Some(s) = doc.get("security") {
        requirement_lists.push(s.clone());
    }
    if let Some(paths) = doc.get("paths").and_then(Value::as_mapping) {
        for item in paths.values() {
            for m in METHODS {
                if let Some(s) = item.get(*m).and_then(|o| o.get("security")) {
                    requirement_lists.push(s.clone());
                }
            }
        }
    }
    for list in &requirement_lists {
        for req in list.as_sequence().into_iter().flatten() {
            for (name, scopes) in req.as_mapping().into_iter().flatten() {
                let Some(name) = name.as_str() else { continue };
                let set = used.entry(name.to_string()).or_default();
                for s in scopes.as_sequence().into_iter().flatten() {
                    if let Some(s) = s.as_str() {
                        set.insert(s.to_string());
                    }
                }
            }
        }
    }
    let Some(map) = doc.as_mapping_mut() else {
        return;
    };
    let Ok(components) = entry_mapping(map, "components") else {
        return;
    };
    let Ok(schemes) = entry_mapping(components, "securitySchemes") else {
        return;
    };
    for (name, scopes) in used {
        let existing = schemes.get(name.as_str()).cloned();
        let Some(mut scheme) = existing.or_else(|| {
            up.get("components")
                .and_then(|c| c.get("securitySchemes"))
                .and_then(|s| s.get(name.as_str()))
                .cloned()
        }) else {
            continue;
        };
        if let Some(flows) = scheme.get_mut("flows").and_then(Value::as_mapping_mut) {
            let up_flows = up
                .get("components")
                .and_then(|c| c.get("securitySchemes"))
                .and_then(|s| s.get(name.as_str()))
                .and_then(|s| s.get("flows"));
            for (flow_name, flow) in flows.iter_mut() {
                let Some(flow_scopes) = flow.get_mut("scopes").and_then(Value::as_mapping_mut)
                else {
                    continue;
                };
                let all = up_flows
                    .and_then(|f| f.get(flow_name))
                    .and_then(|f| f.get("scopes"))
                    .and_then(Value::as_mapping);
                for s in &scopes {
                    if flow_scopes.get(s.as_str()).is_none() {
                        let text = all
                            .and_then(|a| a.get(s.as_str()))
                            .cloned()
                            .unwrap_or(Value::String(String::new()));
                        flow_scopes.insert(s.as_str().into(), text);
                    }
                }
                flow_scopes.retain(|k, _| k.as_str().is_some_and(|k| scopes.contains(k)));
                sort_mapping(flow_scopes);
            }
        }
        schemes.insert(name.as_str().into(), scheme);
    }
}

fn sort_mapping(m: &mut Mapping) {
    let mut entries: Vec<(Value, Value)> = std::mem::take(m).into_iter().collect();
    entries.sort_by_key(|(k, _)| key(k));
    m.extend(entries);
}

fn key(v: &Value) -> String {
    v.as_str()
        .map(str::to_string)
        .unwrap_or_else(|| serde_yaml::to_string(v).unwrap_or_default())
}

/// Paths sorted, methods in a fixed order after `parameters`, component
/// kinds and names sorted. Everything else keeps its order.
fn sort_document(doc: &mut Value) {
    let Some(map) = doc.as_mapping_mut() else {
        return;
    };
    if let Some(Value::Mapping(paths)) = map.get_mut("paths") {
        sort_mapping(paths);
        for (_, item) in paths.iter_mut() {
            let Some(item) = item.as_mapping_mut() else {
                continue;
            };
            let mut entries: Vec<(Value, Value)> = std::mem::take(item).into_iter().collect();
            let rank = |k: &Value| {
                let k = k.as_str().unwrap_or("");
                if let Some(i) = METHODS.iter().position(|m| *m == k) {
                    (1, i, String::new())
                } else if k == "parameters" {
                    (0, 0, String::new())
                } else {
                    (2, 0, k.to_string())
                }
            };
            entries.sort_by_key(|(k, _)| rank(k));
            item.extend(entries);
        }
    }
    if let Some(Value::Mapping(components)) = map.get_mut("components") {
        sort_mapping(components);
        for (_, kind) in components.iter_mut() {
            if let Some(kind) = kind.as_mapping_mut() {
                sort_mapping(kind);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const UPSTREAM: &str = r#"
openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /b/{id}:
    parameters:
      - $ref: '#/components/parameters/id'
    get:
      operationId: getB
      tags: [B]
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/B'}
      security:
        - oauth2: [b.read]
  /a:
    post:
      operationId: createA
      tags: [A]
      responses:
        '204': {description: none}
      security:
        - oauth2: [a.manage]
components:
  parameters:
    id: {name: id, in: path, required: true, schema: {type: string}}
  schemas:
    B:
      type: object
      properties:
        c: {$ref: '#/components/schemas/C'}
    C: {type: string}
    Unused: {type: string}
  securitySchemes:
    oauth2:
      type: oauth2
      flows:
        clientCredentials:
          tokenUrl: /t
          scopes: {a.manage: A, b.read: B, z.other: Z}
"#;

    fn sel(ids: &[&str], tags: &[&str]) -> Selection {
        Selection {
            operation_ids: ids.iter().map(|s| s.to_string()).collect(),
            tags: tags.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn copies_operation_and_closure_only() {
        let (text, report) =
            add("t.yaml", None, "up.yaml", UPSTREAM, &sel(&["getB"], &[])).expect("adds");
        assert_eq!(report.added, ["getB"]);
        assert_eq!(
            report.components,
            ["parameters/id", "schemas/B", "schemas/C"]
        );
        assert!(!text.contains("Unused"));
        assert!(!text.contains("createA"));
        assert!(text.contains("b.read"));
        assert!(
            !text.contains("a.manage") && !text.contains("z.other"),
            "{text}"
        );
        assert!(crate::generate("t.yaml", &text).is_ok());
    }

    #[test]
    fn keeps_target_content_and_is_deterministic() {
        let (first, _) =
            add("t.yaml", None, "up.yaml", UPSTREAM, &sel(&["getB"], &[])).expect("adds");
        let edited = format!("# header kept\n{}", first.replace("ok\n", "corrected\n"));
        let (second, report) = add(
            "t.yaml",
            Some(&edited),
            "up.yaml",
            UPSTREAM,
            &sel(&["getB", "createA"], &[]),
        )
        .expect("adds");
        assert_eq!(report.added, ["createA"]);
        assert_eq!(report.kept, ["getB"]);
        assert!(second.starts_with("# header kept\n"));
        assert!(second.contains("corrected"), "the target's edit survives");
        let (third, _) = add(
            "t.yaml",
            Some(&second),
            "up.yaml",
            UPSTREAM,
            &sel(&[], &["A", "B"]),
        )
        .expect("adds");
        assert_eq!(second, third, "adding what is there changes nothing");
        // Paths come out sorted.
        assert!(third.find("/a:").unwrap_or(usize::MAX) < third.find("/b/{id}:").unwrap_or(0));
    }

    #[test]
    fn unknown_operation_and_tag_are_errors() {
        let err = add(
            "t.yaml",
            None,
            "up.yaml",
            UPSTREAM,
            &sel(&["nope"], &["Nope"]),
        )
        .expect_err("fails");
        let text: Vec<String> = err.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "error: up.yaml#/paths: no operation with operationId `nope` upstream",
                "error: up.yaml#/tags: no operation is tagged `Nope` upstream",
            ]
        );
    }

    /// What upstream's `Schema` tag looks like: examples of JSON Schema
    /// documents hold `$ref: '#/definitions/base'` as data, and a parent
    /// schema reaches its subtypes only through its discriminator mapping.
    const DATA_AND_MAPPINGS: &str = r##"
openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /schemas:
    post:
      operationId: updateSchema
      tags: [Schema]
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Doc'}
            example:
              properties: {profile: {allOf: [{$ref: '#/definitions/base'}]}}
            examples:
              Inline:
                value: {$ref: '#/definitions/custom'}
              Shared: {$ref: '#/components/examples/Shared'}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/App'}
components:
  examples:
    Shared:
      summary: a JSON Schema document
      value: {definitions: {base: {$ref: '#/definitions/custom'}}}
  schemas:
    Doc:
      type: object
      x-note: {$ref: '#/nowhere'}
      properties:
        example: {$ref: '#/components/schemas/Named'}
        default: {$ref: '#/components/schemas/Named'}
        settings:
          type: object
          default: {$ref: '#/definitions/base'}
    Named: {type: string}
    App:
      type: object
      properties:
        signOnMode: {type: string}
      discriminator:
        propertyName: signOnMode
        mapping:
          BOOKMARK: '#/components/schemas/BookmarkApp'
          BASIC: BasicApp
    BookmarkApp:
      allOf:
      - $ref: '#/components/schemas/App'
      - type: object
        properties:
          url: {type: string}
    BasicApp:
      allOf:
      - $ref: '#/components/schemas/App'
      - {type: object, properties: {user: {$ref: '#/components/schemas/Named'}}}
    Unused: {type: string}
"##;

    #[test]
    fn a_target_with_a_byte_order_mark_keeps_its_header() {
        let target = "\u{feff}# corrections: none\nopenapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n";
        let (text, report) = add(
            "t.yaml",
            Some(target),
            "up.yaml",
            UPSTREAM,
            &sel(&["getB"], &[]),
        )
        .expect("adds");
        assert_eq!(report.added, ["getB"]);
        assert!(text.starts_with("# corrections: none\n"), "{text}");
    }

    #[test]
    fn lists_tags() {
        assert_eq!(tags("up.yaml", UPSTREAM).expect("parses"), ["A", "B"]);
        assert_eq!(
            tags("up.yaml", DATA_AND_MAPPINGS).expect("parses"),
            ["Schema"]
        );
    }

    #[test]
    fn data_is_not_followed_and_mappings_are() {
        let (text, report) = add(
            "t.yaml",
            None,
            "up.yaml",
            DATA_AND_MAPPINGS,
            &sel(&[], &["Schema"]),
        )
        .expect("literal `$ref`s are data, not references");
        assert_eq!(
            report.components,
            [
                "examples/Shared",
                "schemas/App",
                "schemas/BasicApp",
                "schemas/BookmarkApp",
                "schemas/Doc",
                "schemas/Named",
            ]
        );
        assert!(!text.contains("Unused"));
        assert!(
            text.contains("$ref: '#/definitions/base'"),
            "data kept as it is"
        );
        let out = crate::generate("t.yaml", &text).expect("the result generates");
        assert!(out.warnings.is_empty(), "{:?}", out.warnings);
    }
}

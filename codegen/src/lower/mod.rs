//! Lower: `openapiv3::OpenAPI` → [`crate::ir::Api`], collecting every diagnostic.
//!
//! One function per spec construct lives in the submodules: `schema`
//! (schemas and the type namespace), `operation` (paths, parameters, bodies,
//! responses), `example` (examples checked against the lowered types) and
//! `finish` (cycle breaking, `Default` derivation, sorting).

mod example;
mod finish;
mod operation;
mod schema;
mod usage;

use std::collections::BTreeMap;

use openapiv3::{OpenAPI, ReferenceOr};

use crate::diag::{Diagnostic, Diagnostics, Pointer};
use crate::ir::{Api, Example, Operation, TypeDef, TypeRef};
use crate::naming::{self, Scope};

/// Lower a loaded spec. Returns the IR and all diagnostics (warnings and
/// errors); the IR is only meaningful when no diagnostic is an error.
pub fn lower(file: &str, spec: &OpenAPI) -> (Api, Vec<Diagnostic>) {
    let targets = RefTargets::collect(spec);
    let mut cx = Cx::new(file, spec, &targets);
    cx.name_components();
    cx.lower_components();
    cx.lower_operations();
    let api = cx.finish();
    (api, cx.diags.into_sorted())
}

/// What local `$ref`s that are not plain component references lead to:
/// path items (`#/paths/~1pets`) and schemas inside components or anywhere
/// else (`#/components/schemas/Pet/properties/name`), resolved as JSON
/// pointers into the document.
#[derive(Default)]
pub(crate) struct RefTargets {
    /// Path keys whose item is a `$ref`, → the item it leads to.
    path_items: BTreeMap<String, Result<(openapiv3::PathItem, String), String>>,
    /// Schema `$ref` → the schema it leads to.
    schemas: BTreeMap<String, openapiv3::Schema>,
}

impl RefTargets {
    fn collect(spec: &OpenAPI) -> Self {
        let mut out = RefTargets::default();
        let needs_doc = spec
            .paths
            .paths
            .values()
            .any(|p| matches!(p, ReferenceOr::Reference { .. }));
        let Ok(doc) = serde_json::to_value(spec) else {
            return out;
        };
        if needs_doc {
            for (path, item) in &spec.paths.paths {
                if let ReferenceOr::Reference { reference } = item {
                    out.path_items
                        .insert(path.clone(), resolve_path_item(&doc, reference, 0));
                }
            }
        }
        let mut refs = std::collections::BTreeSet::new();
        schema_refs(&doc, &mut refs);
        for reference in refs {
            if let Some(target) = pointer(&doc, &reference)
                && let Ok(schema) = serde_json::from_value::<openapiv3::Schema>(target.clone())
            {
                out.schemas.insert(reference, schema);
            }
        }
        out
    }
}

/// The value a local `$ref` (`#/a/b~1c`, percent-encoded) points to.
fn pointer<'v>(doc: &'v serde_json::Value, reference: &str) -> Option<&'v serde_json::Value> {
    let fragment = reference.strip_prefix('#')?;
    let decoded = percent_encoding::percent_decode_str(fragment)
        .decode_utf8()
        .ok()?;
    doc.pointer(&decoded)
}

fn resolve_path_item(
    doc: &serde_json::Value,
    reference: &str,
    depth: usize,
) -> Result<(openapiv3::PathItem, String), String> {
    if !reference.starts_with('#') {
        return Err(format!(
            "path item `$ref: {reference}` points into another file; only local references are supported. Copy the path item into this spec"
        ));
    }
    let target = pointer(doc, reference)
        .ok_or_else(|| format!("path item `$ref: {reference}` does not resolve"))?;
    if let Some(next) = target.get("$ref").and_then(|r| r.as_str()) {
        if depth > 16 {
            return Err(format!(
                "path item `$ref: {reference}` is a chain of references that does not end"
            ));
        }
        return resolve_path_item(doc, next, depth + 1);
    }
    serde_json::from_value(target.clone())
        .map(|item| (item, reference.to_string()))
        .map_err(|e| format!("path item `$ref: {reference}` does not lead to a path item: {e}"))
}

/// Every schema-ish local `$ref` that is not a plain `#/components/schemas/X`.
fn schema_refs(v: &serde_json::Value, out: &mut std::collections::BTreeSet<String>) {
    match v {
        serde_json::Value::Object(map) => {
            if let Some(serde_json::Value::String(r)) = map.get("$ref")
                && r.starts_with('#')
                && !is_plain_component_ref(r)
            {
                out.insert(r.clone());
            }
            for child in map.values() {
                schema_refs(child, out);
            }
        }
        serde_json::Value::Array(items) => {
            for child in items {
                schema_refs(child, out);
            }
        }
        _ => {}
    }
}

/// `#/components/{kind}/{name}` with nothing after the name.
fn is_plain_component_ref(r: &str) -> bool {
    r.strip_prefix("#/components/")
        .and_then(|rest| rest.split_once('/'))
        .is_some_and(|(_, name)| !name.contains('/'))
}

/// The lowering context: the spec, the diagnostics and the type namespace.
pub(crate) struct Cx<'a> {
    spec: &'a OpenAPI,
    targets: &'a RefTargets,
    /// Types of sub-schema `$ref`s already lowered (`None`: in progress).
    sub_schema_types: BTreeMap<String, Option<TypeRef>>,
    diags: Diagnostics,
    /// Every Rust type name handed out (components, inline types, params structs).
    type_scope: Scope,
    /// Who claimed which type name, for collision messages.
    claimed_by: BTreeMap<String, Pointer>,
    /// Types renamed because their name is reserved: Rust name → (the name
    /// they wanted, the item that has it).
    reserved_renames: BTreeMap<String, (String, String)>,
    /// Component schema key → Rust type name.
    component_names: BTreeMap<String, String>,
    /// Type definitions by Rust name.
    types: BTreeMap<String, TypeDef>,
    operations: Vec<Operation>,
    examples: Vec<Example>,
    example_scope: Scope,
}

impl<'a> Cx<'a> {
    fn new(file: &str, spec: &'a OpenAPI, targets: &'a RefTargets) -> Self {
        Cx {
            spec,
            targets,
            sub_schema_types: BTreeMap::new(),
            diags: Diagnostics::new(file),
            type_scope: Scope::new(),
            claimed_by: BTreeMap::new(),
            reserved_renames: BTreeMap::new(),
            component_names: BTreeMap::new(),
            types: BTreeMap::new(),
            operations: Vec::new(),
            examples: Vec::new(),
            example_scope: Scope::new(),
        }
    }

    /// Claim a type name for the item at `pointer`, warning when it had to
    /// be renamed because another item took it first.
    fn claim_type_name(&mut self, wanted: &str, pointer: &Pointer) -> String {
        // A name composed from a keyword-escaped parent (`Self_` + `Item`)
        // keeps no inner `_`: `SelfItem` is UpperCamelCase, `Self_Item` is not.
        let composed = naming::join_type_name(wanted);
        let wanted = if composed.is_empty() {
            "Unnamed"
        } else {
            composed.as_str()
        };
        let reserved = naming::avoid_reserved(wanted);
        let wanted = match &reserved {
            Some((instead, _)) => instead.as_str(),
            None => wanted,
        };
        let got = self.type_scope.claim(wanted);
        if let Some((_, item)) = reserved {
            let original = composed.clone();
            self.reserved_renames
                .insert(got.clone(), (original, item.to_string()));
        }
        if got != wanted {
            let other = self
                .claimed_by
                .get(wanted)
                .map(|p| p.to_string())
                .unwrap_or_default();
            self.diags.warning(
                pointer,
                format!(
                    "Rust type name `{wanted}` is already used by {other}; this one is named `{got}`"
                ),
            );
        }
        self.claimed_by.insert(got.clone(), pointer.clone());
        got
    }

    /// Resolve a local `$ref` of the given component kind (`schemas`,
    /// `parameters`, …) to its key, reporting a dangling or external
    /// reference at `at`.
    fn ref_key(&mut self, reference: &str, kind: &str, at: &Pointer) -> Option<String> {
        if !reference.starts_with(&format!("#/components/{kind}/")) {
            if reference.trim().is_empty() {
                self.diags.error(
                    at,
                    format!("`$ref` is empty; it must name a component (`#/components/{kind}/…`)"),
                );
            } else if !reference.starts_with('#') {
                self.diags.error(
                    at,
                    format!("`$ref: {reference}` points into another file; only local references (`#/components/{kind}/…`) are supported. Copy the target into this spec"),
                );
            } else {
                self.diags.error(
                    at,
                    format!("`$ref: {reference}` must point to `#/components/{kind}/…` here"),
                );
            }
            return None;
        }
        let key = crate::diag::component_key(reference, kind);
        if key.is_none() {
            self.diags.error(
                at,
                format!("`$ref: {reference}` has a malformed percent-encoding after `#/components/{kind}/`"),
            );
        }
        key
    }

    fn dangling(&mut self, reference: &str, at: &Pointer) {
        self.diags.error(
            at,
            format!("`$ref: {reference}` does not resolve: no such component"),
        );
    }
}

/// Resolve a `ReferenceOr<T>` among the components of one kind, following
/// chains of references (with a bound, so a reference cycle cannot hang).
fn resolve<'s, T>(
    cx: &mut Cx<'_>,
    item: &'s ReferenceOr<T>,
    kind: &str,
    map: Option<&'s indexmap::IndexMap<String, ReferenceOr<T>>>,
    at: &Pointer,
) -> Option<&'s T> {
    resolve_at(cx, item, kind, map, at).map(|(t, _)| t)
}

/// [`resolve`], also returning where the resolved item is written: `at`
/// itself, or the component a `$ref` leads to. Diagnostics about the item's
/// contents belong there, not at every place that references it.
fn resolve_at<'s, T>(
    cx: &mut Cx<'_>,
    item: &'s ReferenceOr<T>,
    kind: &str,
    map: Option<&'s indexmap::IndexMap<String, ReferenceOr<T>>>,
    at: &Pointer,
) -> Option<(&'s T, Pointer)> {
    let mut current = item;
    let mut here = at.clone();
    // A chain of references ends within `map.len()` hops unless it is a cycle.
    for _ in 0..=map.map_or(0, |m| m.len()) {
        match current {
            ReferenceOr::Item(t) => return Some((t, here)),
            ReferenceOr::Reference { reference } => {
                let key = cx.ref_key(reference, kind, &here)?;
                match map.and_then(|m| m.get(&key)) {
                    Some(next) => {
                        current = next;
                        here = Pointer::root().push("components").push(kind).push(&key);
                    }
                    None => {
                        cx.dangling(reference, &here);
                        return None;
                    }
                }
            }
        }
    }
    cx.diags
        .error(at, format!("reference cycle among `#/components/{kind}`"));
    None
}

/// Turn spec prose into rustdoc lines: summary, blank, description.
fn docs(summary: Option<&str>, description: Option<&str>) -> Vec<String> {
    let mut out = Vec::new();
    for text in [summary, description].into_iter().flatten() {
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(String::new());
        }
        out.extend(crate::docs::clean(text));
    }
    out
}

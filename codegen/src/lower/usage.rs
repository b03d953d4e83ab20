//! What the types are for, settled once every operation is lowered:
//! - a required `readOnly` property is required only in types that are
//!   never part of a request (the server sends it; a client never does);
//! - a required property whose type is a single-value enum is filled in by
//!   the constructor;
//! - each type's summary says which operations take or return it, or which
//!   types it is part of.

use std::collections::{BTreeMap, BTreeSet};

use crate::ir::{BodyKind, Operation, Presence, Success, TypeDef, TypeKind, TypeRef};

/// How many operations or parent types a summary names before "and N more".
const LISTED: usize = 3;

/// The named types `t` mentions directly (through `Vec` and maps).
fn named(t: &TypeRef, out: &mut Vec<String>) {
    match t {
        TypeRef::Named(n) => out.push(n.clone()),
        TypeRef::Vec(inner) | TypeRef::Map(inner) => named(inner, out),
        _ => {}
    }
}

/// The named types a type definition mentions directly.
fn children(def: &TypeDef) -> Vec<String> {
    let mut out = Vec::new();
    match &def.kind {
        TypeKind::Struct(s) => {
            for f in &s.fields {
                named(&f.ty, &mut out);
            }
            if let crate::ir::Additional::Map(t) = &s.additional {
                named(t, &mut out);
            }
        }
        TypeKind::Alias(t) => named(t, &mut out),
        TypeKind::Union(u) => {
            for v in &u.variants {
                named(&v.ty, &mut out);
            }
        }
        TypeKind::Enum(_) => {}
    }
    out
}

fn request_roots(op: &Operation) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(body) = &op.body {
        match &body.kind {
            BodyKind::Json(t) | BodyKind::Form(t) => named(t, &mut out),
            BodyKind::Bytes { .. } => {}
        }
    }
    for p in op
        .path_params
        .iter()
        .chain(&op.required_params)
        .chain(&op.optional_params)
    {
        named(&p.ty, &mut out);
    }
    out
}

/// Every type reachable from a request (bodies and parameters).
fn request_types(types: &BTreeMap<String, TypeDef>, ops: &[Operation]) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo: Vec<String> = ops.iter().flat_map(request_roots).collect();
    while let Some(name) = todo.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        if let Some(def) = types.get(&name) {
            todo.extend(children(def));
        }
    }
    seen
}

/// A required `readOnly` field of a type that is part of a request becomes
/// optional there: a client must be able to leave it out.
pub(super) fn relax_read_only(types: &mut BTreeMap<String, TypeDef>, ops: &[Operation]) {
    let in_requests = request_types(types, ops);
    for (name, def) in types.iter_mut() {
        if !in_requests.contains(name) {
            continue;
        }
        if let TypeKind::Struct(s) = &mut def.kind {
            for f in s.fields.iter_mut().filter(|f| f.read_only) {
                f.presence = match f.presence {
                    Presence::Required => Presence::Optional,
                    Presence::RequiredNullable => Presence::OptionalNullable,
                    other => other,
                };
            }
        }
    }
}

/// The one variant of a single-value string enum (through aliases).
fn single_variant(types: &BTreeMap<String, TypeDef>, ty: &TypeRef, depth: usize) -> Option<String> {
    let TypeRef::Named(name) = ty else {
        return None;
    };
    match &types.get(name)?.kind {
        TypeKind::Enum(e) if e.variants.len() == 1 => Some(e.variants[0].rust_name.clone()),
        TypeKind::Alias(t) if depth < 8 => single_variant(types, t, depth + 1),
        _ => None,
    }
}

/// Marks required single-value-enum fields as filled in by the constructor,
/// and gives `Default` to the structs whose every required field is one.
pub(super) fn fixed_values_and_defaults(types: &mut BTreeMap<String, TypeDef>) {
    let mut fixed: Vec<(String, usize, String)> = Vec::new();
    for (name, def) in types.iter() {
        if let TypeKind::Struct(s) = &def.kind {
            for (i, f) in s.fields.iter().enumerate() {
                if f.presence == Presence::Required
                    && !f.boxed
                    && let Some(v) = single_variant(types, &f.ty, 0)
                {
                    fixed.push((name.clone(), i, v));
                }
            }
        }
    }
    for (name, i, v) in fixed {
        if let Some(TypeDef {
            kind: TypeKind::Struct(s),
            ..
        }) = types.get_mut(&name)
        {
            s.fields[i].fixed = Some(v);
        }
    }
    for def in types.values_mut() {
        if let TypeKind::Struct(s) = &mut def.kind {
            s.derive_default = s
                .fields
                .iter()
                .all(|f| f.presence != Presence::Required || f.fixed.is_some());
        }
    }
}

/// `[`Client::name`](crate::Client::name)`.
fn op_link(op: &Operation) -> String {
    format!("[`Client::{0}`](crate::Client::{0})", op.rust_name)
}

fn listed(mut items: Vec<String>) -> String {
    items.dedup();
    let more = items.len().saturating_sub(LISTED);
    items.truncate(LISTED);
    let mut text = match items.len() {
        0 => String::new(),
        1 => items[0].clone(),
        n => format!("{} and {}", items[..n - 1].join(", "), items[n - 1]),
    };
    if more > 0 {
        text = format!("{}, and {more} more", items.join(", "));
    }
    text
}

/// Puts in front of each type's docs a summary of what it is: the request
/// body, parameter or response of which operations, or else the part of
/// which types (with the field).
pub(super) fn describe(types: &mut BTreeMap<String, TypeDef>, ops: &[Operation]) {
    // type → (role, operation links), in a fixed order of roles.
    let mut roles: BTreeMap<String, BTreeMap<u8, Vec<String>>> = BTreeMap::new();
    let mut note = |t: &TypeRef, role: u8, op: &Operation| {
        let direct = match t {
            TypeRef::Named(n) => Some((n.clone(), role)),
            TypeRef::Vec(inner) => match inner.as_ref() {
                TypeRef::Named(n) => Some((n.clone(), role + 1)),
                _ => None,
            },
            _ => None,
        };
        if let Some((n, role)) = direct {
            roles
                .entry(n)
                .or_default()
                .entry(role)
                .or_default()
                .push(op_link(op));
        }
    };
    for op in ops {
        if let Some(body) = &op.body
            && let BodyKind::Json(t) | BodyKind::Form(t) = &body.kind
        {
            note(t, 0, op);
        }
        if let Success::Json(t) = &op.success {
            note(t, 2, op);
        }
        for p in op
            .path_params
            .iter()
            .chain(&op.required_params)
            .chain(&op.optional_params)
        {
            note(&p.ty, 4, op);
        }
    }
    // type → parent types (with the field that holds it).
    let mut parents: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, def) in types.iter() {
        match &def.kind {
            TypeKind::Struct(s) => {
                for f in &s.fields {
                    let mut inner = Vec::new();
                    named(&f.ty, &mut inner);
                    for n in inner {
                        parents
                            .entry(n)
                            .or_default()
                            .push(format!("[`{name}`] (`{}`)", f.rust_name));
                    }
                }
            }
            _ => {
                for n in children(def) {
                    parents.entry(n).or_default().push(format!("[`{name}`]"));
                }
            }
        }
    }
    for (name, def) in types.iter_mut() {
        let mut sentences = Vec::new();
        if let Some(by_role) = roles.remove(name) {
            for (role, ops) in by_role {
                let what = match role {
                    0 => "Request body of",
                    1 => "Request body (a list of them) of",
                    2 => "Returned by",
                    3 => "Returned, in a list, by",
                    _ => "Parameter of",
                };
                sentences.push(format!("{what} {}.", listed(ops)));
            }
        } else if let Some(ps) = parents.remove(name) {
            let ps: Vec<String> = ps
                .into_iter()
                .filter(|p| p != &format!("[`{name}`]"))
                .collect();
            if !ps.is_empty() {
                sentences.push(format!("Part of {}.", listed(ps)));
            }
        }
        if !sentences.is_empty() {
            let mut docs = vec![sentences.join(" "), String::new()];
            docs.append(&mut def.docs);
            def.docs = docs;
        }
    }
}

/// Says in the docs of each type renamed for a reserved name why it is not
/// called what the spec calls it (after the summary).
pub(super) fn note_renames(
    types: &mut BTreeMap<String, TypeDef>,
    renames: &BTreeMap<String, (String, String)>,
) {
    for (name, (wanted, item)) in renames {
        if let Some(def) = types.get_mut(name) {
            let note =
                format!("Named `{name}`, not `{wanted}` as in the spec: `{wanted}` is `{item}`.");
            // After the summary paragraph (the first blank line), or first.
            let at = def
                .docs
                .iter()
                .position(String::is_empty)
                .map_or(0, |i| i + 1);
            def.docs.insert(at, String::new());
            def.docs.insert(at, note.clone());
            def.renamed = Some(note);
        }
    }
}

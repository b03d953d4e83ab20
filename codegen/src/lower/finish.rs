//! The last lowering step: break containment cycles with `Box`, decide
//! where `Default` can be derived, check examples, and sort everything.

use std::collections::{BTreeMap, BTreeSet};

use super::Cx;
use crate::ir::{Api, Presence, TypeDef, TypeKind, TypeRef};

impl<'a> Cx<'a> {
    pub(super) fn finish(&mut self) -> Api {
        let examples = self.check_examples();
        let mut types = std::mem::take(&mut self.types);
        break_cycles(&mut types);
        derive_defaults(&mut types);
        let mut operations = std::mem::take(&mut self.operations);
        operations.sort_by(|a, b| a.rust_name.cmp(&b.rust_name));
        let mut examples = examples;
        examples.sort_by(|a, b| a.name.cmp(&b.name));
        Api {
            types: types.into_values().collect(),
            operations,
            examples,
        }
    }
}

/// The named type a field or variant holds inline (not behind Vec/Map).
fn inline_target(ty: &TypeRef) -> Option<&str> {
    match ty {
        TypeRef::Named(n) => Some(n),
        _ => None,
    }
}

/// Types directly contained (by value) in `def`.
fn contained(def: &TypeDef) -> Vec<&str> {
    match &def.kind {
        TypeKind::Struct(s) => s
            .fields
            .iter()
            .filter_map(|f| inline_target(&f.ty))
            .collect(),
        TypeKind::Union(u) => u
            .variants
            .iter()
            .filter_map(|v| inline_target(&v.ty))
            .collect(),
        TypeKind::Alias(t) => inline_target(t).into_iter().collect(),
        TypeKind::Enum(_) => Vec::new(),
    }
}

fn reaches(types: &BTreeMap<String, TypeDef>, from: &str, target: &str) -> bool {
    let mut seen = BTreeSet::new();
    let mut stack = vec![from.to_string()];
    while let Some(n) = stack.pop() {
        if n == target {
            return true;
        }
        if !seen.insert(n.clone()) {
            continue;
        }
        if let Some(def) = types.get(&n) {
            stack.extend(contained(def).into_iter().map(str::to_string));
        }
    }
    false
}

/// Box every by-value edge that lies on a cycle, so every type has a size.
fn break_cycles(types: &mut BTreeMap<String, TypeDef>) {
    let names: Vec<String> = types.keys().cloned().collect();
    for name in names {
        let Some(def) = types.get(&name) else {
            continue;
        };
        let mut to_box: Vec<usize> = Vec::new();
        match &def.kind {
            TypeKind::Struct(s) => {
                for (i, f) in s.fields.iter().enumerate() {
                    if let Some(t) = inline_target(&f.ty)
                        && reaches(types, t, &name)
                    {
                        to_box.push(i);
                    }
                }
            }
            TypeKind::Union(u) => {
                for (i, v) in u.variants.iter().enumerate() {
                    if let Some(t) = inline_target(&v.ty)
                        && reaches(types, t, &name)
                    {
                        to_box.push(i);
                    }
                }
            }
            _ => {}
        }
        if let Some(def) = types.get_mut(&name) {
            match &mut def.kind {
                TypeKind::Struct(s) => to_box.iter().for_each(|&i| s.fields[i].boxed = true),
                TypeKind::Union(u) => to_box.iter().for_each(|&i| u.variants[i].boxed = true),
                _ => {}
            }
        }
    }
}

/// A struct derives `Default` when each required field's type has one.
fn derive_defaults(types: &mut BTreeMap<String, TypeDef>) {
    let mut memo: BTreeMap<String, bool> = BTreeMap::new();
    let names: Vec<String> = types.keys().cloned().collect();
    for name in &names {
        has_default(types, name, &mut memo, &mut BTreeSet::new());
    }
    for (name, def) in types.iter_mut() {
        if let TypeKind::Struct(s) = &mut def.kind {
            s.derive_default = memo.get(name).copied().unwrap_or(false);
        }
    }
}

fn has_default(
    types: &BTreeMap<String, TypeDef>,
    name: &str,
    memo: &mut BTreeMap<String, bool>,
    visiting: &mut BTreeSet<String>,
) -> bool {
    if let Some(v) = memo.get(name) {
        return *v;
    }
    if !visiting.insert(name.to_string()) {
        return false; // a cycle through required fields: no Default
    }
    let result = match types.get(name).map(|d| &d.kind) {
        Some(TypeKind::Struct(s)) => s.fields.iter().all(|f| match f.presence {
            Presence::Required => ty_default(types, &f.ty, memo, visiting),
            _ => true,
        }),
        Some(TypeKind::Alias(t)) => ty_default(types, t, memo, visiting),
        Some(TypeKind::Enum(_)) | Some(TypeKind::Union(_)) | None => false,
    };
    visiting.remove(name);
    memo.insert(name.to_string(), result);
    result
}

fn ty_default(
    types: &BTreeMap<String, TypeDef>,
    ty: &TypeRef,
    memo: &mut BTreeMap<String, bool>,
    visiting: &mut BTreeSet<String>,
) -> bool {
    match ty {
        TypeRef::Named(n) => has_default(types, n, memo, visiting),
        TypeRef::DateTime | TypeRef::Date => false,
        _ => true,
    }
}

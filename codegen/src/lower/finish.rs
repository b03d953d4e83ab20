//! The last lowering step: break containment cycles with `Box`, decide
//! where `Default` can be derived, check examples, and sort everything.

use std::collections::BTreeMap;

use super::Cx;
use crate::ir::{Api, Presence, Shape, TypeDef, TypeKind, TypeRef};

impl<'a> Cx<'a> {
    pub(super) fn finish(&mut self) -> Api {
        self.alias_complex_types();
        super::usage::relax_read_only(&mut self.types, &self.operations);
        super::usage::fixed_values_and_defaults(&mut self.types);
        fill_shapes(&mut self.types);
        let examples = self.check_examples();
        let mut types = std::mem::take(&mut self.types);
        self.break_alias_cycles(&mut types);
        break_cycles(&mut types);
        super::usage::describe(&mut types, &self.operations);
        super::usage::note_renames(&mut types, &self.reserved_renames);
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

/// Clippy's `type_complexity` limit (its default threshold is 250); a
/// type spelled in a signature or a field that would score more than this
/// gets a type alias instead.
const COMPLEXITY_BUDGET: u64 = 200;

/// Clippy's `type_complexity` score of `t` spelled at nesting level `nest`:
/// every path type counts ten times its nesting level.
fn complexity(t: &TypeRef, nest: u64) -> u64 {
    match t {
        TypeRef::Vec(inner) => 10 * nest + complexity(inner, nest + 1),
        TypeRef::Map(inner) => 10 * nest + 10 * (nest + 1) + complexity(inner, nest + 1),
        TypeRef::DateTime => 10 * nest + 10 * (nest + 1),
        _ => 10 * nest,
    }
}

impl Cx<'_> {
    /// Deeply nested inline types (`Vec<BTreeMap<String, Vec<Vec<X>>>>`)
    /// make signatures and fields that clippy calls too complex: those
    /// types get a named alias (`{Operation}Response`, `{Struct}{Field}`).
    fn alias_complex_types(&mut self) {
        // (alias name, aliased type, pointer of the spec node it comes from)
        let mut aliases: Vec<(String, TypeRef, String)> = Vec::new();
        let mut alias = |cx: &mut Self, wanted: String, t: &mut TypeRef, at: &str| {
            let name = cx.type_scope.claim(&crate::naming::join_type_name(&wanted));
            aliases.push((name.clone(), t.clone(), at.to_owned()));
            *t = TypeRef::Named(name);
        };
        let mut operations = std::mem::take(&mut self.operations);
        for op in &mut operations {
            let at = op.pointer.clone();
            let at = at.as_str();
            let base = crate::naming::type_name(&op.id);
            // `Call<Json<T>>`: T at nesting level 3.
            if let crate::ir::Success::Json(t) = &mut op.success
                && 20 + complexity(t, 3) > COMPLEXITY_BUDGET
            {
                alias(self, format!("{base}Response"), t, at);
            }
            if let Some(body) = &mut op.body
                && let crate::ir::BodyKind::Json(t) | crate::ir::BodyKind::Form(t) = &mut body.kind
                && 10 + complexity(t, 2) > COMPLEXITY_BUDGET
            {
                alias(self, format!("{base}Request"), t, at);
            }
            for p in op
                .path_params
                .iter_mut()
                .chain(op.required_params.iter_mut())
                .chain(op.optional_params.iter_mut())
            {
                if 10 + complexity(&p.ty, 2) > COMPLEXITY_BUDGET {
                    let wanted = format!("{base}{}", crate::naming::type_name(&p.wire_name));
                    alias(self, wanted, &mut p.ty, at);
                }
            }
            if let Some(pg) = &mut op.pagination
                && 30 + complexity(&pg.item, 4) > COMPLEXITY_BUDGET
            {
                alias(self, format!("{base}Item"), &mut pg.item, at);
            }
        }
        self.operations = operations;
        let names: Vec<String> = self.types.keys().cloned().collect();
        for name in names {
            let Some(mut def) = self.types.remove(&name) else {
                continue;
            };
            match &mut def.kind {
                TypeKind::Struct(st) => {
                    for f in &mut st.fields {
                        // `Option<Box<T>>` at most: T at level 3.
                        if 20 + complexity(&f.ty, 3) > COMPLEXITY_BUDGET {
                            let wanted =
                                format!("{name}{}", crate::naming::type_name(&f.wire_name));
                            alias(self, wanted, &mut f.ty, &def.pointer);
                        }
                    }
                    if let crate::ir::Additional::Map(t) = &mut st.additional
                        && 20 + complexity(t, 3) > COMPLEXITY_BUDGET
                    {
                        alias(self, format!("{name}Value"), t, &def.pointer);
                    }
                }
                TypeKind::Union(u) => {
                    for v in &mut u.variants {
                        if 10 + complexity(&v.ty, 2) > COMPLEXITY_BUDGET {
                            alias(
                                self,
                                format!("{name}{}", v.rust_name),
                                &mut v.ty,
                                &def.pointer,
                            );
                        }
                    }
                }
                TypeKind::Enum(_) | TypeKind::Alias(_) => {}
            }
            self.types.insert(name, def);
        }
        for (name, t, pointer) in aliases {
            self.types.insert(
                name.clone(),
                TypeDef {
                    docs: vec![String::from(
                        "A name for a nested type, so signatures stay readable.",
                    )],
                    name,
                    kind: TypeKind::Alias(t),
                    pointer,
                    renamed: None,
                },
            );
        }
    }

    /// An alias that contains itself through arrays or maps (`L: {type:
    /// array, items: {$ref: L}}`) would be `type L = Vec<L>;`, which Rust
    /// rejects. In each such cycle the first alias by name becomes
    /// `serde_json::Value` (lossless, if untyped), with a warning. Cycles of
    /// plain `$ref`s were already reported as errors.
    fn break_alias_cycles(&mut self, types: &mut BTreeMap<String, TypeDef>) {
        loop {
            let component = strong_components(types, |def| match &def.kind {
                TypeKind::Alias(t) => {
                    let mut names = Vec::new();
                    named_in(t, &mut names);
                    names
                }
                _ => Vec::new(),
            });
            // Component → its members (sorted, as `types` is).
            let mut members: BTreeMap<usize, Vec<&str>> = BTreeMap::new();
            for (name, c) in &component {
                members.entry(*c).or_default().push(name);
            }
            let through_container = |name: &str| {
                types.get(name).is_some_and(|d| {
                    matches!(&d.kind, TypeKind::Alias(TypeRef::Vec(_) | TypeRef::Map(_)))
                })
            };
            let refers_to_itself = |name: &str| {
                let mut names = Vec::new();
                if let Some(TypeKind::Alias(t)) = types.get(name).map(|d| &d.kind) {
                    named_in(t, &mut names);
                }
                names.contains(&name)
            };
            let broken: Vec<String> = members
                .values()
                .filter(|m| m.len() > 1 || refers_to_itself(m[0]))
                .filter_map(|m| m.iter().find(|n| through_container(n)))
                .map(|n| n.to_string())
                .collect();
            if broken.is_empty() {
                return;
            }
            for name in broken {
                let at = self.claimed_by.get(&name).cloned().unwrap_or_default();
                self.diags.warning(
                    &at,
                    format!(
                        "`{name}` contains itself only through arrays or maps, which a Rust type alias cannot express; represented as serde_json::Value"
                    ),
                );
                if let Some(def) = types.get_mut(&name) {
                    def.kind = TypeKind::Alias(TypeRef::Json);
                }
            }
        }
    }
}

/// Every named type inside `ty`, through arrays and maps.
fn named_in<'t>(ty: &'t TypeRef, out: &mut Vec<&'t str>) {
    match ty {
        TypeRef::Named(n) => out.push(n),
        TypeRef::Vec(t) | TypeRef::Map(t) => named_in(t, out),
        _ => {}
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

/// The strongly connected component of every type in the by-value
/// containment graph. An edge lies on a cycle exactly when both of its ends
/// are in one component. Tarjan's algorithm with an explicit stack: linear
/// in the size of the graph, and no recursion however long a chain of
/// types is.
fn strong_components<'t>(
    types: &'t BTreeMap<String, TypeDef>,
    edges_of: impl Fn(&'t TypeDef) -> Vec<&'t str>,
) -> BTreeMap<&'t str, usize> {
    const UNSEEN: usize = usize::MAX;
    let names: Vec<&str> = types.keys().map(String::as_str).collect();
    let position: BTreeMap<&str, usize> = names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let edges: Vec<Vec<usize>> = types
        .values()
        .map(|def| {
            edges_of(def)
                .into_iter()
                .filter_map(|t| position.get(t).copied())
                .collect()
        })
        .collect();
    let mut t = Tarjan {
        index: vec![UNSEEN; names.len()],
        low: vec![UNSEEN; names.len()],
        on_stack: vec![false; names.len()],
        stack: Vec::new(),
        work: Vec::new(),
        next_index: 0,
    };
    let mut component = vec![UNSEEN; names.len()];
    let mut next_component = 0;
    for root in 0..names.len() {
        if t.index[root] != UNSEEN {
            continue;
        }
        t.enter(root);
        while let Some(top) = t.work.last_mut() {
            let v = top.0;
            if let Some(&w) = edges[v].get(top.1) {
                top.1 += 1;
                if t.index[w] == UNSEEN {
                    t.enter(w);
                } else if t.on_stack[w] {
                    t.low[v] = t.low[v].min(t.index[w]);
                }
                continue;
            }
            t.work.pop();
            if let Some(&(parent, _)) = t.work.last() {
                t.low[parent] = t.low[parent].min(t.low[v]);
            }
            if t.low[v] == t.index[v] {
                while let Some(w) = t.stack.pop() {
                    t.on_stack[w] = false;
                    component[w] = next_component;
                    if w == v {
                        break;
                    }
                }
                next_component += 1;
            }
        }
    }
    names.into_iter().zip(component).collect()
}

/// The state of [`strong_components`]'s walk.
struct Tarjan {
    index: Vec<usize>,
    low: Vec<usize>,
    on_stack: Vec<bool>,
    stack: Vec<usize>,
    /// The walk's path: (type, how many of its edges have been followed).
    work: Vec<(usize, usize)>,
    next_index: usize,
}

impl Tarjan {
    fn enter(&mut self, v: usize) {
        self.index[v] = self.next_index;
        self.low[v] = self.next_index;
        self.next_index += 1;
        self.stack.push(v);
        self.on_stack[v] = true;
        self.work.push((v, 0));
    }
}

/// Box every by-value edge that lies on a cycle, so every type has a size.
fn break_cycles(types: &mut BTreeMap<String, TypeDef>) {
    let component: BTreeMap<String, usize> = strong_components(types, contained)
        .into_iter()
        .map(|(n, c)| (n.to_string(), c))
        .collect();
    let on_cycle = |from: &str, to: Option<&str>| {
        to.is_some_and(|to| {
            component
                .get(from)
                .is_some_and(|c| component.get(to) == Some(c))
        })
    };
    for (name, def) in types.iter_mut() {
        match &mut def.kind {
            TypeKind::Struct(s) => {
                for f in &mut s.fields {
                    if on_cycle(name, inline_target(&f.ty)) {
                        f.boxed = true;
                    }
                }
            }
            TypeKind::Union(u) => {
                for v in &mut u.variants {
                    if on_cycle(name, inline_target(&v.ty)) {
                        v.boxed = true;
                    }
                }
            }
            TypeKind::Alias(_) | TypeKind::Enum(_) => {}
        }
    }
}

/// Describe every untagged union variant's JSON ([`Shape`]), for the decode
/// rule the generated `Deserialize` applies.
fn fill_shapes(types: &mut BTreeMap<String, TypeDef>) {
    let mut shapes: Vec<(String, usize, Shape)> = Vec::new();
    for def in types.values() {
        if let TypeKind::Union(u) = &def.kind
            && u.discriminator.is_none()
        {
            for (i, v) in u.variants.iter().enumerate() {
                shapes.push((def.name.clone(), i, shape_of(types, &v.ty, 0)));
            }
        }
    }
    for (name, i, shape) in shapes {
        if let Some(TypeKind::Union(u)) = types.get_mut(&name).map(|d| &mut d.kind) {
            u.variants[i].shape = shape;
        }
    }
}

/// How deep nested unions and aliases are described before a shape is `Any`.
const MAX_SHAPE_DEPTH: usize = 4;

pub(crate) fn shape_of(types: &BTreeMap<String, TypeDef>, ty: &TypeRef, depth: usize) -> Shape {
    if depth > MAX_SHAPE_DEPTH {
        return Shape::Any;
    }
    match ty {
        TypeRef::String | TypeRef::Bytes => Shape::String,
        TypeRef::DateTime => Shape::DateTime,
        TypeRef::Date => Shape::Date,
        TypeRef::Bool => Shape::Bool,
        TypeRef::F64 => Shape::Number,
        TypeRef::Json => Shape::Any,
        TypeRef::Vec(item) => Shape::Array(Box::new(shape_of(types, item, depth + 1))),
        TypeRef::Map(_) => Shape::Map,
        t if t.int_range().is_some() => Shape::Integer,
        TypeRef::Named(name) => match types.get(name).map(|d| &d.kind) {
            None => Shape::Any,
            Some(TypeKind::Alias(t)) => shape_of(types, t, depth + 1),
            Some(TypeKind::Enum(e)) => {
                Shape::StringEnum(e.variants.iter().map(|v| v.wire.clone()).collect())
            }
            Some(TypeKind::Union(u)) => match &u.discriminator {
                // One shape per tag: the variant's, with the tag required
                // and constant (an unknown tag matches nothing).
                Some(prop) => Shape::OneOf(
                    u.variants
                        .iter()
                        .flat_map(|v| v.tags.iter().map(move |tag| (v, tag)))
                        .map(|(v, tag)| {
                            let inner = shape_of(types, &v.ty, depth + 1);
                            let (mut required, mut consts, mut properties, closed) = match inner {
                                Shape::Object {
                                    required,
                                    consts,
                                    properties,
                                    closed,
                                } => (required, consts, properties, closed),
                                _ => (Vec::new(), Vec::new(), Vec::new(), false),
                            };
                            if !required.contains(prop) {
                                required.push(prop.clone());
                            }
                            consts.retain(|(k, _)| k != prop);
                            consts.push((prop.clone(), tag.clone()));
                            if !properties.iter().any(|(k, _)| k == prop) {
                                properties.push((prop.clone(), Shape::String));
                            }
                            Shape::Object {
                                required,
                                consts,
                                properties,
                                closed,
                            }
                        })
                        .collect(),
                ),
                None => Shape::OneOf(
                    u.variants
                        .iter()
                        .map(|v| shape_of(types, &v.ty, depth + 1))
                        .collect(),
                ),
            },
            Some(TypeKind::Struct(s)) => {
                let mut required = Vec::new();
                let mut consts = Vec::new();
                for f in &s.fields {
                    if matches!(f.presence, Presence::Required | Presence::RequiredNullable) {
                        required.push(f.wire_name.clone());
                    }
                    if let Some(value) = single_value(types, &f.ty, 0) {
                        consts.push((f.wire_name.clone(), value));
                    }
                }
                Shape::Object {
                    required,
                    consts,
                    properties: s
                        .fields
                        .iter()
                        .map(|f| (f.wire_name.clone(), shape_of(types, &f.ty, depth + 1)))
                        .collect(),
                    closed: matches!(s.additional, crate::ir::Additional::Forbidden),
                }
            }
        },
        _ => Shape::Any,
    }
}

/// The one value of a single-value string enum (through aliases).
fn single_value(types: &BTreeMap<String, TypeDef>, ty: &TypeRef, depth: usize) -> Option<String> {
    let TypeRef::Named(name) = ty else {
        return None;
    };
    match &types.get(name)?.kind {
        TypeKind::Enum(e) if e.variants.len() == 1 => Some(e.variants[0].wire.clone()),
        TypeKind::Alias(t) if depth < MAX_SHAPE_DEPTH => single_value(types, t, depth + 1),
        _ => None,
    }
}

//! The change to the generated crate's public Rust API between two specs,
//! computed from the generator's IR of each (not from a text diff), item by
//! item, each with the spec pointer it comes from, and classified by Rust's
//! semver rules as they apply to the generated code:
//!
//! - Generated structs and enums are `#[non_exhaustive]`
//!   ([`NON_EXHAUSTIVE`]), so a new field, enum variant or union member is
//!   minor: no downstream struct literal, struct pattern or exhaustive
//!   `match` can name them all. A new required field is major: it is a
//!   new argument of the struct's `new` (unless it is a single-value enum,
//!   which `new` fills in).
//! - A new type, operation (a method of `Client` and its marker type in
//!   `operations`), optional parameter or pagination is minor: each
//!   operation returns its own `Call<T, O>`, and an optional parameter is
//!   an inherent method of that type (as `paginate` is), so adding one,
//!   the operation's first included, adds a method and changes no
//!   signature.
//! - Removing or renaming any of those, changing a type (of a field,
//!   parameter, body, return value or alias, `Option` and `Box` included),
//!   adding or removing a positional argument (a path parameter, a required
//!   parameter, a body), or losing `Default` is major.
//! - What changes no signature (docs, wire names, HTTP method, path, scopes,
//!   retry idempotency, examples) is a patch change.

use std::collections::BTreeMap;
use std::fmt;

use crate::diag::Pointer;
use crate::ir::{
    Additional, Api, Body, BodyKind, Field, Operation, Param, Presence, Success, TypeDef, TypeKind,
    TypeRef,
};

/// Whether the emitter marks generated structs and enums `#[non_exhaustive]`.
/// The classification of added fields and variants depends on it.
pub const NON_EXHAUSTIVE: bool = true;

/// How much a change breaks, by Rust semver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Unchanged,
    Patch,
    Minor,
    Major,
}

impl Level {
    /// The closing line of a report.
    pub fn line(self) -> &'static str {
        match self {
            Level::Unchanged => "public API: unchanged",
            Level::Patch => "public API: patch change",
            Level::Minor => "public API: minor change",
            Level::Major => "public API: major change",
        }
    }

    fn tag(self) -> &'static str {
        match self {
            Level::Unchanged => "-",
            Level::Patch => "patch",
            Level::Minor => "minor",
            Level::Major => "major",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum What {
    Added,
    Removed,
    Changed,
}

/// One changed item of the public API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub level: Level,
    pub what: What,
    /// The item, as a user sees it (`field IdentitySourceSession::status: Option<…>`).
    pub item: String,
    /// Old → new, for a changed item.
    pub detail: Option<String>,
    /// Where in the (new, or for a removal the old) spec it comes from.
    pub pointer: String,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.what {
            What::Added => "added",
            What::Removed => "removed",
            What::Changed => "changed",
        };
        write!(f, "{:5}  {what:7}  {}", self.level.tag(), self.item)?;
        if let Some(d) = &self.detail {
            write!(f, ": {d}")?;
        }
        write!(f, "  ({})", self.pointer)
    }
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub changes: Vec<Change>,
    pub level: Level,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in &self.changes {
            writeln!(f, "{c}")?;
        }
        write!(f, "{}", self.level.line())
    }
}

/// The public-API change from `old` to `new`.
pub fn diff(old: &Api, new: &Api) -> Report {
    let mut d = Differ::default();
    let old_types: BTreeMap<&str, &TypeDef> =
        old.types.iter().map(|t| (t.name.as_str(), t)).collect();
    let new_types: BTreeMap<&str, &TypeDef> =
        new.types.iter().map(|t| (t.name.as_str(), t)).collect();
    for (name, t) in &old_types {
        if !new_types.contains_key(name) {
            d.push(
                Level::Major,
                What::Removed,
                format!("{} {name}", kind_name(&t.kind)),
                None,
                &t.pointer,
            );
        }
    }
    for (name, t) in &new_types {
        match old_types.get(name) {
            None => d.push(
                Level::Minor,
                What::Added,
                format!("{} {name}", kind_name(&t.kind)),
                t.renamed.clone(),
                &t.pointer,
            ),
            Some(o) => d.type_def(o, t),
        }
    }
    let old_ops: BTreeMap<&str, &Operation> = old
        .operations
        .iter()
        .map(|o| (o.rust_name.as_str(), o))
        .collect();
    let new_ops: BTreeMap<&str, &Operation> = new
        .operations
        .iter()
        .map(|o| (o.rust_name.as_str(), o))
        .collect();
    for (name, o) in &old_ops {
        if !new_ops.contains_key(name) {
            d.push(
                Level::Major,
                What::Removed,
                format!("method Client::{name}"),
                None,
                &op_pointer(o),
            );
            d.push(
                Level::Major,
                What::Removed,
                format!("type operations::{}", o.marker),
                None,
                &op_pointer(o),
            );
        }
    }
    for (name, n) in &new_ops {
        match old_ops.get(name) {
            None => {
                d.push(
                    Level::Minor,
                    What::Added,
                    format!("method Client::{name}({})", signature(n)),
                    Some(format!("returns {}", success(&n.success))),
                    &op_pointer(n),
                );
                d.push(
                    Level::Minor,
                    What::Added,
                    format!("type operations::{}", n.marker),
                    None,
                    &op_pointer(n),
                );
            }
            Some(o) => d.operation(o, n),
        }
    }
    let mut level = d
        .changes
        .iter()
        .map(|c| c.level)
        .max()
        .unwrap_or(Level::Unchanged);
    if level == Level::Unchanged && old != new {
        // Only what no item shows: examples (generated tests), ordering.
        level = Level::Patch;
    }
    Report {
        changes: d.changes,
        level,
    }
}

#[derive(Default)]
struct Differ {
    changes: Vec<Change>,
}

impl Differ {
    fn push(&mut self, level: Level, what: What, item: String, detail: Option<String>, at: &str) {
        self.changes.push(Change {
            level,
            what,
            item,
            detail,
            pointer: at.to_string(),
        });
    }

    fn type_def(&mut self, o: &TypeDef, n: &TypeDef) {
        let name = &n.name;
        let at = n.pointer.as_str();
        match (&o.kind, &n.kind) {
            (TypeKind::Struct(os), TypeKind::Struct(ns)) => {
                let of: BTreeMap<&str, &Field> = os
                    .fields
                    .iter()
                    .map(|f| (f.rust_name.as_str(), f))
                    .collect();
                let nf: BTreeMap<&str, &Field> = ns
                    .fields
                    .iter()
                    .map(|f| (f.rust_name.as_str(), f))
                    .collect();
                for (fname, f) in &of {
                    if !nf.contains_key(fname) {
                        self.push(
                            Level::Major,
                            What::Removed,
                            format!("field {name}::{fname}"),
                            None,
                            &field_pointer(&o.pointer, f),
                        );
                    }
                }
                for (fname, f) in &nf {
                    let fat = field_pointer(at, f);
                    match of.get(fname) {
                        // A new required field is a new argument of `new`.
                        None => self.push(
                            if NON_EXHAUSTIVE
                                && (f.presence != Presence::Required || f.fixed.is_some())
                            {
                                Level::Minor
                            } else {
                                Level::Major
                            },
                            What::Added,
                            format!("field {name}::{fname}: {}", field_ty(f)),
                            None,
                            &fat,
                        ),
                        Some(old) => {
                            if field_ty(old) != field_ty(f) {
                                self.push(
                                    Level::Major,
                                    What::Changed,
                                    format!("type of field {name}::{fname}"),
                                    Some(format!("{} → {}", field_ty(old), field_ty(f))),
                                    &fat,
                                );
                            }
                            if old.wire_name != f.wire_name {
                                self.push(
                                    Level::Patch,
                                    What::Changed,
                                    format!("JSON name of field {name}::{fname}"),
                                    Some(format!("`{}` → `{}`", old.wire_name, f.wire_name)),
                                    &fat,
                                );
                            }
                            if old.docs != f.docs {
                                self.push(
                                    Level::Patch,
                                    What::Changed,
                                    format!("docs of field {name}::{fname}"),
                                    None,
                                    &fat,
                                );
                            }
                        }
                    }
                }
                match (&os.additional, &ns.additional) {
                    (Additional::Forbidden, Additional::Map(t)) => self.push(
                        if NON_EXHAUSTIVE {
                            Level::Minor
                        } else {
                            Level::Major
                        },
                        What::Added,
                        format!(
                            "field {name}::additional_properties: BTreeMap<String, {}>",
                            rust(t)
                        ),
                        None,
                        &format!("{at}/additionalProperties"),
                    ),
                    (Additional::Map(_), Additional::Forbidden) => self.push(
                        Level::Major,
                        What::Removed,
                        format!("field {name}::additional_properties"),
                        None,
                        &format!("{at}/additionalProperties"),
                    ),
                    (Additional::Map(a), Additional::Map(b)) if a != b => self.push(
                        Level::Major,
                        What::Changed,
                        format!("type of field {name}::additional_properties"),
                        Some(format!(
                            "BTreeMap<String, {}> → BTreeMap<String, {}>",
                            rust(a),
                            rust(b)
                        )),
                        &format!("{at}/additionalProperties"),
                    ),
                    _ => {}
                }
                if os.derive_default != ns.derive_default {
                    let (level, what) = if ns.derive_default {
                        (Level::Minor, What::Added)
                    } else {
                        (Level::Major, What::Removed)
                    };
                    self.push(level, what, format!("impl Default for {name}"), None, at);
                }
            }
            (TypeKind::Enum(oe), TypeKind::Enum(ne)) => {
                let ov: BTreeMap<&str, &str> = oe
                    .variants
                    .iter()
                    .map(|v| (v.rust_name.as_str(), v.wire.as_str()))
                    .collect();
                let nv: BTreeMap<&str, &str> = ne
                    .variants
                    .iter()
                    .map(|v| (v.rust_name.as_str(), v.wire.as_str()))
                    .collect();
                let vat = format!("{at}/enum");
                for (v, wire) in &ov {
                    if !nv.contains_key(v) {
                        self.push(
                            Level::Major,
                            What::Removed,
                            format!("variant {name}::{v} (`{wire}`)"),
                            None,
                            &format!("{}/enum", o.pointer),
                        );
                    }
                }
                for (v, wire) in &nv {
                    match ov.get(v) {
                        None => self.push(
                            if NON_EXHAUSTIVE {
                                Level::Minor
                            } else {
                                Level::Major
                            },
                            What::Added,
                            format!("variant {name}::{v} (`{wire}`)"),
                            None,
                            &vat,
                        ),
                        Some(old) if old != wire => self.push(
                            Level::Patch,
                            What::Changed,
                            format!("JSON value of variant {name}::{v}"),
                            Some(format!("`{old}` → `{wire}`")),
                            &vat,
                        ),
                        Some(_) => {}
                    }
                }
            }
            (TypeKind::Union(ou), TypeKind::Union(nu)) => {
                let ov: BTreeMap<&str, String> = ou
                    .variants
                    .iter()
                    .map(|v| (v.rust_name.as_str(), boxed(&v.ty, v.boxed)))
                    .collect();
                let nv: BTreeMap<&str, String> = nu
                    .variants
                    .iter()
                    .map(|v| (v.rust_name.as_str(), boxed(&v.ty, v.boxed)))
                    .collect();
                for (v, t) in &ov {
                    if !nv.contains_key(v) {
                        self.push(
                            Level::Major,
                            What::Removed,
                            format!("variant {name}::{v}({t})"),
                            None,
                            &o.pointer,
                        );
                    }
                }
                for (v, t) in &nv {
                    match ov.get(v) {
                        None => self.push(
                            if NON_EXHAUSTIVE {
                                Level::Minor
                            } else {
                                Level::Major
                            },
                            What::Added,
                            format!("variant {name}::{v}({t})"),
                            None,
                            at,
                        ),
                        Some(old) if old != t => self.push(
                            Level::Major,
                            What::Changed,
                            format!("type of variant {name}::{v}"),
                            Some(format!("{old} → {t}")),
                            at,
                        ),
                        Some(_) => {}
                    }
                }
                let tags_changed = ou.variants.iter().any(|a| {
                    nu.variants
                        .iter()
                        .any(|b| b.rust_name == a.rust_name && b.tags != a.tags)
                });
                if ou.discriminator != nu.discriminator || tags_changed {
                    self.push(
                        Level::Patch,
                        What::Changed,
                        format!("how {name} tells its variants apart (discriminator)"),
                        None,
                        at,
                    );
                }
            }
            (TypeKind::Alias(a), TypeKind::Alias(b)) => {
                if a != b {
                    self.push(
                        Level::Major,
                        What::Changed,
                        format!("type alias {name}"),
                        Some(format!("{} → {}", rust(a), rust(b))),
                        at,
                    );
                }
            }
            (ok, nk) => self.push(
                Level::Major,
                What::Changed,
                format!("kind of {name}"),
                Some(format!("{} → {}", kind_name(ok), kind_name(nk))),
                at,
            ),
        }
        if o.docs != n.docs {
            self.push(
                Level::Patch,
                What::Changed,
                format!("docs of {name}"),
                None,
                at,
            );
        }
    }

    fn operation(&mut self, o: &Operation, n: &Operation) {
        let name = &n.rust_name;
        let at = op_pointer(n);
        let positional = |op: &Operation| -> Vec<(String, String)> {
            let mut v: Vec<(String, String)> = op
                .path_params
                .iter()
                .chain(&op.required_params)
                .map(|p| (p.rust_name.clone(), arg_ty(&p.ty)))
                .collect();
            if let Some(b) = &op.body {
                v.push(("body".into(), body(b)));
            }
            v
        };
        let (op_args, np_args) = (positional(o), positional(n));
        if op_args != np_args {
            self.push(
                Level::Major,
                What::Changed,
                format!("arguments of Client::{name}"),
                Some(format!("({}) → ({})", args(&op_args), args(&np_args))),
                &at,
            );
        }
        if o.success != n.success {
            self.push(
                Level::Major,
                What::Changed,
                format!("return type of Client::{name}"),
                Some(format!("{} → {}", success(&o.success), success(&n.success))),
                &at,
            );
        }
        if o.marker != n.marker {
            self.push(
                Level::Major,
                What::Changed,
                format!("call type of Client::{name}"),
                Some(format!(
                    "Call<_, operations::{}> → Call<_, operations::{}>",
                    o.marker, n.marker
                )),
                &at,
            );
        }
        // Optional parameters: methods of the operation's own call type.
        let call = format!("Call<_, operations::{}>", n.marker);
        let op: BTreeMap<&str, &Param> = o
            .optional_params
            .iter()
            .map(|p| (p.rust_name.as_str(), p))
            .collect();
        let np: BTreeMap<&str, &Param> = n
            .optional_params
            .iter()
            .map(|p| (p.rust_name.as_str(), p))
            .collect();
        for (p, param) in &op {
            if !np.contains_key(p) {
                self.push(
                    Level::Major,
                    What::Removed,
                    format!("optional parameter {call}::{p} of Client::{name}"),
                    None,
                    &param_pointer(&op_pointer(o), param),
                );
            }
        }
        for (p, param) in &np {
            let pat = param_pointer(&at, param);
            match op.get(p) {
                None => self.push(
                    Level::Minor,
                    What::Added,
                    format!(
                        "optional parameter {call}::{p}(impl Into<{}>) of Client::{name}",
                        rust(&param.ty)
                    ),
                    None,
                    &pat,
                ),
                Some(old) if old.ty != param.ty => self.push(
                    Level::Major,
                    What::Changed,
                    format!("type of optional parameter {call}::{p} of Client::{name}"),
                    Some(format!("{} → {}", rust(&old.ty), rust(&param.ty))),
                    &pat,
                ),
                Some(_) => {}
            }
        }
        match (&o.pagination, &n.pagination) {
            (None, Some(_)) => self.push(
                Level::Minor,
                What::Added,
                format!("method {call}::paginate of Client::{name}"),
                None,
                &at,
            ),
            (Some(_), None) => self.push(
                Level::Major,
                What::Removed,
                format!("method {call}::paginate of Client::{name}"),
                None,
                &at,
            ),
            (Some(a), Some(b)) if a != b => self.push(
                Level::Major,
                What::Changed,
                format!("item type of {call}::paginate of Client::{name}"),
                Some(format!("{} → {}", rust(&a.item), rust(&b.item))),
                &at,
            ),
            _ => {}
        }
        let wire = |op: &Operation| (op.method, op.path.clone());
        if wire(o) != wire(n) {
            self.push(
                Level::Patch,
                What::Changed,
                format!("request of Client::{name}"),
                Some(format!(
                    "{} {} → {} {}",
                    o.method.as_str(),
                    o.path,
                    n.method.as_str(),
                    n.path
                )),
                &at,
            );
        }
        if o.idempotent != n.idempotent {
            self.push(
                Level::Patch,
                What::Changed,
                format!("retries of Client::{name}"),
                Some(format!("idempotent {} → {}", o.idempotent, n.idempotent)),
                &at,
            );
        }
        if o.scopes != n.scopes {
            self.push(
                Level::Patch,
                What::Changed,
                format!("OAuth scopes of Client::{name}"),
                Some(format!("{:?} → {:?}", o.scopes, n.scopes)),
                &at,
            );
        }
        let docs = |op: &Operation| {
            let params: BTreeMap<String, Vec<String>> = op
                .path_params
                .iter()
                .chain(&op.required_params)
                .chain(&op.optional_params)
                .map(|p| (p.rust_name.clone(), p.docs.clone()))
                .collect();
            (
                op.docs.clone(),
                op.body.as_ref().map(|b| b.docs.clone()),
                params,
            )
        };
        let (od, nd) = (docs(o), docs(n));
        let common_params_differ =
            od.2.iter()
                .any(|(k, v)| nd.2.get(k).is_some_and(|w| w != v));
        if od.0 != nd.0 || od.1 != nd.1 || common_params_differ {
            self.push(
                Level::Patch,
                What::Changed,
                format!("docs of Client::{name}"),
                None,
                &at,
            );
        }
    }
}

fn kind_name(k: &TypeKind) -> &'static str {
    match k {
        TypeKind::Struct(_) => "struct",
        TypeKind::Enum(_) => "enum",
        TypeKind::Alias(_) => "type alias",
        TypeKind::Union(_) => "enum (union)",
    }
}

fn op_pointer(o: &Operation) -> String {
    o.pointer.clone()
}

fn param_pointer(op_at: &str, p: &Param) -> String {
    format!("{op_at}/parameters ({})", p.wire_name)
}

fn field_pointer(type_at: &str, f: &Field) -> String {
    Pointer::from_ref(type_at)
        .push("properties")
        .push(&f.wire_name)
        .to_string()
}

/// A type as the generated code spells it (without crate paths).
pub fn rust(t: &TypeRef) -> String {
    t.text("")
}

fn boxed(t: &TypeRef, boxed: bool) -> String {
    if boxed {
        format!("Box<{}>", rust(t))
    } else {
        rust(t)
    }
}

fn field_ty(f: &Field) -> String {
    let inner = boxed(&f.ty, f.boxed);
    match f.presence {
        Presence::Required => inner,
        Presence::RequiredNullable | Presence::Optional => format!("Option<{inner}>"),
        Presence::OptionalNullable => format!("Nullable<{inner}>"),
    }
}

fn body(b: &Body) -> String {
    let t = match &b.kind {
        BodyKind::Json(TypeRef::String) => "&str".into(),
        BodyKind::Json(TypeRef::Vec(item)) => format!("&[{}]", rust(item)),
        BodyKind::Json(t) => format!("&{}", rust(t)),
        BodyKind::Form(t) => format!("&{} (form)", rust(t)),
        BodyKind::Bytes { content_type } => match content_type {
            Some(_) => "Bytes".into(),
            None => "content_type: &str, Bytes".into(),
        },
    };
    if b.required || matches!(b.kind, BodyKind::Bytes { .. }) {
        t
    } else {
        format!("Option<{t}>")
    }
}

fn success(s: &Success) -> String {
    match s {
        Success::Empty => "()".into(),
        Success::Json(t) => rust(t),
        Success::Text => "String".into(),
        Success::Binary => "Bytes".into(),
    }
}

/// A positional argument's type as the method takes it: strings by reference.
fn arg_ty(t: &TypeRef) -> String {
    match t {
        TypeRef::String => "&str".into(),
        other => rust(other),
    }
}

fn signature(op: &Operation) -> String {
    let mut v: Vec<(String, String)> = op
        .path_params
        .iter()
        .chain(&op.required_params)
        .map(|p| (p.rust_name.clone(), arg_ty(&p.ty)))
        .collect();
    if let Some(b) = &op.body {
        v.push(("body".into(), body(b)));
    }
    args(&v)
}

fn args(v: &[(String, String)]) -> String {
    v.iter()
        .map(|(n, t)| format!("{n}: {t}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"
openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /s/{id}:
    get:
      operationId: getS
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
        - {name: after, in: query, schema: {type: string}}
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/S'}
components:
  schemas:
    S:
      type: object
      properties:
        id: {type: string}
        count: {type: integer}
        status: {$ref: '#/components/schemas/Status'}
    Status: {type: string, enum: [A, B]}
"#;

    fn report(old: &str, new: &str) -> Report {
        let a = crate::lower_spec("a.yaml", old).expect("old lowers");
        let b = crate::lower_spec("b.yaml", new).expect("new lowers");
        diff(&a, &b)
    }

    fn lines(r: &Report) -> Vec<String> {
        r.changes.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn same_spec_is_unchanged() {
        let r = report(BASE, BASE);
        assert!(r.changes.is_empty(), "{r}");
        assert_eq!(r.to_string(), "public API: unchanged");
    }

    #[test]
    fn docs_only_is_patch() {
        let r = report(
            BASE,
            &BASE
                .replace("description: ok", "description: fine")
                .replace(
                    "id: {type: string}\n",
                    "id: {type: string, description: The id}\n",
                ),
        );
        assert_eq!(r.level, Level::Patch, "{r}");
        assert_eq!(
            lines(&r),
            ["patch  changed  docs of field S::id  (#/components/schemas/S/properties/id)"]
        );
    }

    #[test]
    fn additions_are_minor() {
        let new = BASE
            .replace("enum: [A, B]", "enum: [A, B, C]")
            .replace(
                "        count: {type: integer}\n",
                "        count: {type: integer}\n        label: {type: string}\n",
            )
            .replace(
                "        - {name: after, in: query, schema: {type: string}}\n",
                "        - {name: after, in: query, schema: {type: string}}\n        - {name: limit, in: query, schema: {type: integer}}\n",
            )
            .replace(
                "components:",
                "  /t:\n    delete:\n      operationId: deleteT\n      responses:\n        '204': {description: gone}\ncomponents:",
            );
        let r = report(BASE, &new);
        assert_eq!(r.level, Level::Minor, "{r}");
        assert_eq!(
            lines(&r),
            [
                "minor  added    field S::label: Option<String>  (#/components/schemas/S/properties/label)",
                "minor  added    variant Status::C (`C`)  (#/components/schemas/Status/enum)",
                "minor  added    method Client::delete_t(): returns ()  (#/paths/~1t/delete)",
                "minor  added    type operations::DeleteT  (#/paths/~1t/delete)",
                "minor  added    optional parameter Call<_, operations::GetS>::limit(impl Into<i64>) of Client::get_s  (#/paths/~1s~1{id}/get/parameters (limit))",
            ]
        );
        assert!(r.to_string().ends_with("\npublic API: minor change"));
    }

    #[test]
    fn removals_and_type_changes_are_major() {
        let new = BASE
            .replace("enum: [A, B]", "enum: [A]")
            .replace("count: {type: integer}", "count: {type: string}")
            .replace("        id: {type: string}\n", "");
        let r = report(BASE, &new);
        assert_eq!(r.level, Level::Major, "{r}");
        assert_eq!(
            lines(&r),
            [
                "major  removed  field S::id  (#/components/schemas/S/properties/id)",
                "major  changed  type of field S::count: Option<i64> → Option<String>  (#/components/schemas/S/properties/count)",
                "major  removed  variant Status::B (`B`)  (#/components/schemas/Status/enum)",
            ]
        );
        // Required is a type change too (Option<T> → T), and so is a new
        // positional argument.
        let required = BASE.replace(
            "      properties:\n        id:",
            "      required: [id]\n      properties:\n        id:",
        );
        let r = report(BASE, &required);
        assert!(
            lines(&r)
                .iter()
                .any(|l| l
                    .starts_with("major  changed  type of field S::id: Option<String> → String")),
            "{r}"
        );
        // A new required field is a new argument of `new`: major; a new
        // required single-value enum is filled in by `new`: minor.
        let new_required = BASE.replace(
            "      properties:\n        id:",
            "      required: [name]\n      properties:\n        name: {type: string}\n        id:",
        );
        let r = report(BASE, &new_required);
        assert!(
            lines(&r)
                .iter()
                .any(|l| l.starts_with("major  added    field S::name: String")),
            "{r}"
        );
        let new_fixed = BASE
            .replace(
                "      properties:\n        id:",
                "      required: [kind]\n      properties:\n        kind: {$ref: '#/components/schemas/Kind'}\n        id:",
            )
            .replace(
                "    Status: {type: string, enum: [A, B]}\n",
                "    Status: {type: string, enum: [A, B]}\n    Kind: {type: string, enum: [ONE]}\n",
            );
        let r = report(BASE, &new_fixed);
        assert!(
            lines(&r)
                .iter()
                .any(|l| l.starts_with("minor  added    field S::kind: Kind")),
            "{r}"
        );
        // A schema named like a crate-root item is renamed, and says why.
        let clash = BASE.replace(
            "    Status: {type: string, enum: [A, B]}\n",
            "    Status: {type: string, enum: [A, B]}\n    Client: {type: string, enum: [X]}\n",
        );
        let r = report(BASE, &clash);
        assert!(
            lines(&r).iter().any(|l| l.starts_with(
                "minor  added    enum ClientModel: Named `ClientModel`, not `Client` as in the spec: `Client` is `crate::Client`."
            )),
            "{r}"
        );
        // The first optional parameter only adds a method to the call (and
        // here `paginate`, since it is the `after` cursor); removing it is
        // major.
        let first_param = BASE.replace(
            "        - {name: after, in: query, schema: {type: string}}\n",
            "",
        );
        let r = report(&first_param, BASE);
        assert_eq!(
            r.level,
            Level::Minor,
            "the first optional parameter adds a method: {r}"
        );
        assert!(
            lines(&r).contains(&"minor  added    optional parameter Call<_, operations::GetS>::after(impl Into<String>) of Client::get_s  (#/paths/~1s~1{id}/get/parameters (after))".to_string()),
            "{r}"
        );
        let r = report(BASE, &first_param);
        assert_eq!(r.level, Level::Major, "removing it removes a method: {r}");
        let ret = BASE.replace(
            "schema: {$ref: '#/components/schemas/S'}",
            "schema: {$ref: '#/components/schemas/Status'}",
        );
        let r = report(BASE, &ret);
        assert!(
            lines(&r).contains(&"major  changed  return type of Client::get_s: S → Status  (#/paths/~1s~1{id}/get)".to_string()),
            "{r}"
        );
    }
}

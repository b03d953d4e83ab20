//! Schemas → types. Component schemas are named first (sorted, so the order
//! of the YAML never matters), then lowered; inline schemas are named from
//! their context (`{Parent}{Property}`, `{Parent}{Property}Item`, …).

use std::collections::{BTreeMap, BTreeSet};

use indexmap::IndexMap;
use openapiv3::{
    AdditionalProperties, AnySchema, ArrayType, IntegerFormat, ReferenceOr, Schema, SchemaKind,
    StringFormat, StringType, Type, VariantOrUnknownOrEmpty,
};

use super::{Cx, docs};
use crate::diag::Pointer;
use crate::ir::{
    Additional, Field, Presence, StringEnum, Struct, TypeDef, TypeKind, TypeRef, Union,
    UnionVariant, Variant,
};
use crate::naming::{self, Scope};

/// The object-ish view shared by `type: object` and untyped schemas with properties.
struct ObjectView<'s> {
    properties: Vec<(&'s String, &'s ReferenceOr<Box<Schema>>)>,
    required: Vec<&'s String>,
    additional: Option<&'s AdditionalProperties>,
    /// Where each property and each `required` entry is written: an
    /// `allOf` merge gathers them from several schemas.
    property_at: Vec<Pointer>,
    required_at: Vec<Pointer>,
}

impl<'s> ObjectView<'s> {
    /// The view of one object schema written at `at`.
    fn of(
        properties: &'s IndexMap<String, ReferenceOr<Box<Schema>>>,
        required: &'s [String],
        additional: Option<&'s AdditionalProperties>,
        at: &Pointer,
    ) -> Self {
        ObjectView {
            properties: properties.iter().collect(),
            required: required.iter().collect(),
            additional,
            property_at: properties
                .keys()
                .map(|k| at.push("properties").push(k))
                .collect(),
            required_at: (0..required.len())
                .map(|i| at.push("required").push(i.to_string()))
                .collect(),
        }
    }
}

/// The object schemas of an `allOf`, merged: later members win.
#[derive(Default)]
struct Merged {
    properties: IndexMap<String, (ReferenceOr<Box<Schema>>, Pointer)>,
    required: Vec<(String, Pointer)>,
    additional: Option<AdditionalProperties>,
    /// Where the members first nested deeper than [`MAX_ALL_OF_DEPTH`].
    too_deep: Option<Pointer>,
}

impl<'a> Cx<'a> {
    /// Give every component schema its Rust name before lowering any, so
    /// forward and cyclic `$ref`s resolve.
    pub(super) fn name_components(&mut self) {
        let Some(components) = &self.spec.components else {
            return;
        };
        let mut keys: Vec<&String> = components.schemas.keys().collect();
        keys.sort();
        let base = Pointer::root().push("components").push("schemas");
        for key in keys {
            let wanted = naming::type_name(key);
            let name = self.claim_type_name(&wanted, &base.push(key));
            self.component_names.insert(key.clone(), name);
        }
    }

    pub(super) fn lower_components(&mut self) {
        let Some(components) = &self.spec.components else {
            return;
        };
        let mut entries: Vec<(&String, &ReferenceOr<Schema>)> = components.schemas.iter().collect();
        entries.sort_by(|a, b| a.0.cmp(b.0));
        let base = Pointer::root().push("components").push("schemas");
        for (key, schema) in entries {
            let Some(name) = self.component_names.get(key).cloned() else {
                continue;
            };
            let ptr = base.push(key);
            match schema {
                ReferenceOr::Reference { reference } => {
                    let target = self.schema_ref(reference, &ptr);
                    self.define(name, Vec::new(), &ptr, TypeKind::Alias(target));
                }
                ReferenceOr::Item(schema) => {
                    let d = schema_docs(schema);
                    let lowered = self.lower_schema(schema, &ptr, &name, true);
                    if lowered != TypeRef::Named(name.clone()) {
                        self.define(name, d, &ptr, TypeKind::Alias(lowered));
                    }
                }
            }
        }
        self.check_alias_cycles();
    }

    /// A component that is, through `$ref`s and one-member `allOf`/`oneOf`
    /// wrappers, only an alias of itself names no type at all (`type A = B;
    /// type B = A;` does not compile): an error at each such component.
    fn check_alias_cycles(&mut self) {
        // Each type aliases at most one other, so the aliases form a
        // functional graph: one walk per unvisited type, each type visited
        // once. Linear in the number of types, however long the chains.
        let next_of = |types: &BTreeMap<String, TypeDef>, n: &str| -> Option<String> {
            match types.get(n).map(|t| &t.kind) {
                Some(TypeKind::Alias(TypeRef::Named(next))) => Some(next.clone()),
                _ => None,
            }
        };
        // A member of a cycle → the cycle's other members, in order after it.
        let mut cycle_after: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut visited: BTreeSet<String> = BTreeSet::new();
        for start in self.component_names.values() {
            let mut path: Vec<String> = Vec::new();
            let mut index: BTreeMap<String, usize> = BTreeMap::new();
            let mut current = Some(start.clone());
            while let Some(node) = current.take() {
                if visited.contains(&node) {
                    break;
                }
                if let Some(&i) = index.get(&node) {
                    let cycle = &path[i..];
                    for (j, member) in cycle.iter().enumerate() {
                        let after = cycle[j + 1..].iter().chain(&cycle[..j]).cloned();
                        cycle_after.insert(member.clone(), after.collect());
                    }
                    break;
                }
                current = next_of(&self.types, &node);
                index.insert(node.clone(), path.len());
                path.push(node);
            }
            visited.extend(path);
        }
        let base = Pointer::root().push("components").push("schemas");
        let mut errors = Vec::new();
        for (key, name) in &self.component_names {
            // Lowering a self-reference defines nothing.
            let via = match (self.types.contains_key(name), cycle_after.get(name)) {
                (false, _) => Vec::new(),
                (true, Some(others)) => others
                    .iter()
                    .filter_map(|n| self.claimed_by.get(n))
                    .map(|p| format!(" through `{p}`"))
                    .collect(),
                (true, None) => continue,
            };
            errors.push((
                base.push(key),
                format!(
                    "reference cycle among `#/components/schemas`: this schema is only a reference to itself{}; no type can be generated for it",
                    via.join(",")
                ),
            ));
        }
        for (at, message) in errors {
            self.diags.error(&at, message);
        }
    }

    /// Each `discriminator.mapping` entry must name a schema of this spec
    /// (as `#/components/schemas/X` or as the bare name `X`); one that does
    /// not is ignored, with a warning.
    fn check_discriminator_mapping(&mut self, schema: &Schema, at: &Pointer) {
        let Some(d) = &schema.schema_data.discriminator else {
            return;
        };
        for (value, target) in &d.mapping {
            let reference = crate::diag::mapping_ref(target);
            let found = crate::diag::component_key(&reference, "schemas").is_some_and(|name| {
                self.spec
                    .components
                    .as_ref()
                    .is_some_and(|c| c.schemas.contains_key(&name))
            });
            if !found {
                self.diags.warning(
                    &at.push("discriminator").push("mapping").push(value),
                    format!(
                        "discriminator mapping `{value}` names `{target}`, which is not a schema of this spec; the entry is ignored"
                    ),
                );
            }
        }
    }

    /// Record a type, its docs ending with where in the spec it comes from.
    pub(super) fn define(
        &mut self,
        name: String,
        mut docs: Vec<String>,
        at: &Pointer,
        kind: TypeKind,
    ) {
        if !docs.is_empty() {
            docs.push(String::new());
        }
        docs.push(format!("Spec: `{at}`."));
        self.types.insert(
            name.clone(),
            TypeDef {
                name,
                docs,
                kind,
                pointer: at.to_string(),
                renamed: None,
            },
        );
    }

    /// `$ref` to a component schema → its type.
    pub(super) fn schema_ref(&mut self, reference: &str, at: &Pointer) -> TypeRef {
        if reference.starts_with('#') && !reference.starts_with("#/components/schemas/")
            || reference
                .strip_prefix("#/components/schemas/")
                .is_some_and(|rest| rest.contains('/'))
        {
            return self.sub_schema_ref(reference, at);
        }
        let Some(key) = self.ref_key(reference, "schemas", at) else {
            return TypeRef::Json;
        };
        match self.component_names.get(&key) {
            Some(name) => TypeRef::Named(name.clone()),
            None => {
                self.dangling(reference, at);
                TypeRef::Json
            }
        }
    }

    /// A `$ref` to a schema that is not a component itself (a property of
    /// one, `#/components/schemas/Pet/properties/name`, or a schema written
    /// anywhere in the document): lowered once, named after its pointer.
    fn sub_schema_ref(&mut self, reference: &str, at: &Pointer) -> TypeRef {
        let targets = self.targets;
        let Some(schema) = targets.schemas.get(reference) else {
            self.diags.error(
                at,
                format!("`$ref: {reference}` does not resolve to a schema in this document"),
            );
            return TypeRef::Json;
        };
        match self.sub_schema_types.get(reference) {
            Some(Some(t)) => return t.clone(),
            Some(None) => {
                self.diags.warning(
                    at,
                    format!("`$ref: {reference}` contains itself; the inner occurrence is represented as serde_json::Value"),
                );
                return TypeRef::Json;
            }
            None => {}
        }
        self.sub_schema_types.insert(reference.to_string(), None);
        let hint: String = reference
            .trim_start_matches('#')
            .split('/')
            .filter(|t| {
                !matches!(
                    *t,
                    "" | "components"
                        | "schemas"
                        | "properties"
                        | "items"
                        | "paths"
                        | "content"
                        | "schema"
                        | "allOf"
                        | "oneOf"
                        | "anyOf"
                        | "additionalProperties"
                )
            })
            .map(|t| naming::type_name(&t.replace("~1", "/").replace("~0", "~")))
            .collect();
        let ty = self.lower_schema_here(schema, &Pointer::from_ref(reference), &hint, false);
        self.sub_schema_types
            .insert(reference.to_string(), Some(ty.clone()));
        ty
    }

    /// A schema in some position → a type, defining new named types for
    /// inline objects, enums and unions. `hint` is the name such a type gets.
    pub(super) fn schema_type(
        &mut self,
        schema: &ReferenceOr<Schema>,
        at: &Pointer,
        hint: &str,
    ) -> TypeRef {
        match schema {
            ReferenceOr::Reference { reference } => self.schema_ref(reference, at),
            ReferenceOr::Item(s) => self.lower_schema(s, at, hint, false),
        }
    }

    pub(super) fn boxed_schema_type(
        &mut self,
        schema: &ReferenceOr<Box<Schema>>,
        at: &Pointer,
        hint: &str,
    ) -> TypeRef {
        match schema {
            ReferenceOr::Reference { reference } => self.schema_ref(reference, at),
            ReferenceOr::Item(s) => self.lower_schema(s, at, hint, false),
        }
    }

    /// Lower one schema. When `named` is true, `hint` is already claimed (a
    /// component) and is used as is; otherwise a name is claimed on demand.
    fn lower_schema(&mut self, schema: &Schema, at: &Pointer, hint: &str, named: bool) -> TypeRef {
        // A schema some `$ref` points into was lowered there already.
        if !named && let Some(Some(t)) = self.sub_schema_types.get(at.as_str()) {
            return t.clone();
        }
        let ty = self.lower_schema_here(schema, at, hint, named);
        if self.targets.schemas.contains_key(at.as_str()) {
            self.sub_schema_types
                .entry(at.as_str().to_string())
                .or_insert_with(|| Some(ty.clone()));
        }
        ty
    }

    fn lower_schema_here(
        &mut self,
        schema: &Schema,
        at: &Pointer,
        hint: &str,
        named: bool,
    ) -> TypeRef {
        self.check_default(schema, at);
        self.check_discriminator_mapping(schema, at);
        match &schema.schema_kind {
            SchemaKind::Type(Type::String(s)) => self.lower_string(schema, s, at, hint, named),
            SchemaKind::Type(Type::Integer(i)) => {
                if !i.enumeration.is_empty() {
                    // An integer enum is kept as its integer type: lossless.
                }
                match &i.format {
                    VariantOrUnknownOrEmpty::Item(IntegerFormat::Int32) => TypeRef::I32,
                    VariantOrUnknownOrEmpty::Item(IntegerFormat::Int64) => TypeRef::I64,
                    VariantOrUnknownOrEmpty::Unknown(f) => TypeRef::integer(Some(f)),
                    VariantOrUnknownOrEmpty::Empty => TypeRef::I64,
                }
            }
            SchemaKind::Type(Type::Number(_)) => TypeRef::F64,
            SchemaKind::Type(Type::Boolean(_)) => TypeRef::Bool,
            SchemaKind::Type(Type::Array(a)) => self.lower_array(a, at, hint),
            SchemaKind::Type(Type::Object(o)) => {
                let view = ObjectView::of(
                    &o.properties,
                    &o.required,
                    o.additional_properties.as_ref(),
                    at,
                );
                self.lower_object(schema, view, at, hint, named)
            }
            SchemaKind::AllOf { all_of } => self.lower_all_of(schema, all_of, at, hint, named),
            SchemaKind::OneOf { one_of } => {
                self.lower_union(schema, one_of, at.push("oneOf"), hint, named)
            }
            SchemaKind::AnyOf { any_of } => {
                self.lower_union(schema, any_of, at.push("anyOf"), hint, named)
            }
            SchemaKind::Not { .. } => {
                self.diags.warning(
                    &at.push("not"),
                    "`not` cannot be expressed as a Rust type; represented as serde_json::Value",
                );
                TypeRef::Json
            }
            SchemaKind::Any(any) => self.lower_any(schema, any, at, hint, named),
        }
    }

    fn check_default(&mut self, schema: &Schema, at: &Pointer) {
        let Some(default) = &schema.schema_data.default else {
            return;
        };
        let ok = match &schema.schema_kind {
            SchemaKind::Type(Type::Integer(_)) => default.is_i64() || default.is_u64(),
            SchemaKind::Type(Type::Number(_)) => default.is_number(),
            SchemaKind::Type(Type::Boolean(_)) => default.is_boolean(),
            SchemaKind::Type(Type::String(_)) => default.is_string(),
            SchemaKind::Type(Type::Array(_)) => default.is_array(),
            SchemaKind::Type(Type::Object(_)) => default.is_object(),
            _ => true,
        };
        let null_for_nullable = default.is_null() && schema.schema_data.nullable;
        if !(ok || null_for_nullable) {
            self.diags.warning(
                &at.push("default"),
                format!("default value {default} does not match the schema's type; it is ignored"),
            );
        }
    }

    fn lower_string(
        &mut self,
        schema: &Schema,
        s: &StringType,
        at: &Pointer,
        hint: &str,
        named: bool,
    ) -> TypeRef {
        if let Some(pattern) = &s.pattern
            && pattern.starts_with("(?")
        {
            self.diags.warning(
                    &at.push("pattern"),
                    format!("pattern `{pattern}` uses inline flags, which ECMA-262 regular expressions do not allow; patterns are not enforced by the client"),
                );
        }
        let values: Vec<&String> = s.enumeration.iter().flatten().collect();
        if !values.is_empty() {
            let name = if named {
                hint.to_string()
            } else {
                self.claim_type_name(hint, at)
            };
            let descriptions = schema.schema_data.extensions.get("x-enumDescriptions");
            let mut scope = Scope::new();
            let mut variants = Vec::new();
            let mut seen = std::collections::BTreeSet::new();
            for (i, value) in values.iter().enumerate() {
                if !seen.insert(value.as_str()) {
                    self.diags.warning(
                        &at.push("enum").push(i.to_string()),
                        format!("duplicate enum value `{value}` ignored"),
                    );
                    continue;
                }
                let mut wanted = naming::variant_name(value);
                if wanted.is_empty() {
                    wanted = if value.is_empty() {
                        String::from("Empty")
                    } else {
                        format!("Value{i}")
                    };
                }
                if wanted == "Unknown" {
                    wanted = String::from("UnknownValue");
                }
                let rust_name = scope.claim(&wanted);
                let docs = descriptions
                    .and_then(|d| d.get(value.as_str()))
                    .and_then(|d| d.as_str())
                    .map(|d| docs(None, Some(d)))
                    .unwrap_or_default();
                variants.push(Variant {
                    rust_name,
                    wire: (*value).clone(),
                    docs,
                });
            }
            self.define(
                name.clone(),
                schema_docs(schema),
                at,
                TypeKind::Enum(StringEnum { variants }),
            );
            return TypeRef::Named(name);
        }
        match &s.format {
            VariantOrUnknownOrEmpty::Item(StringFormat::DateTime) => TypeRef::DateTime,
            VariantOrUnknownOrEmpty::Item(StringFormat::Date) => TypeRef::Date,
            VariantOrUnknownOrEmpty::Item(StringFormat::Binary) => TypeRef::Bytes,
            _ => TypeRef::String,
        }
    }

    fn lower_array(&mut self, a: &ArrayType, at: &Pointer, hint: &str) -> TypeRef {
        match &a.items {
            Some(items) => {
                let item = self.boxed_schema_type(items, &at.push("items"), &format!("{hint}Item"));
                TypeRef::Vec(Box::new(item))
            }
            None => {
                self.diags.warning(
                    at,
                    "array without `items`; items are represented as serde_json::Value",
                );
                TypeRef::Vec(Box::new(TypeRef::Json))
            }
        }
    }

    fn lower_any(
        &mut self,
        schema: &Schema,
        any: &AnySchema,
        at: &Pointer,
        hint: &str,
        named: bool,
    ) -> TypeRef {
        // `type: object` beside a `oneOf`/`anyOf` (and nothing else of an
        // object) only says every member is an object: the union decides.
        if any.properties.is_empty() && any.additional_properties.is_none() {
            if !any.one_of.is_empty() {
                return self.lower_union(schema, &any.one_of, at.push("oneOf"), hint, named);
            }
            if !any.any_of.is_empty() {
                return self.lower_union(schema, &any.any_of, at.push("anyOf"), hint, named);
            }
        }
        if !any.properties.is_empty()
            || any.additional_properties.is_some()
            || any.typ.as_deref() == Some("object")
        {
            let view = ObjectView::of(
                &any.properties,
                &any.required,
                any.additional_properties.as_ref(),
                at,
            );
            return self.lower_object(schema, view, at, hint, named);
        }
        if let Some(items) = &any.items {
            let item = self.boxed_schema_type(items, &at.push("items"), &format!("{hint}Item"));
            return TypeRef::Vec(Box::new(item));
        }
        if !any.one_of.is_empty() {
            return self.lower_union(schema, &any.one_of, at.push("oneOf"), hint, named);
        }
        if !any.any_of.is_empty() {
            return self.lower_union(schema, &any.any_of, at.push("anyOf"), hint, named);
        }
        if !any.all_of.is_empty() {
            return self.lower_all_of(schema, &any.all_of, at, hint, named);
        }
        match any.typ.as_deref() {
            None if !any.enumeration.is_empty()
                && any.enumeration.iter().all(|v| v.is_string() || v.is_null()) =>
            {
                self.diags.warning(
                    &at.push("enum"),
                    "`enum` without a `type`; its values are strings, so it is a string enum",
                );
                self.lower_string(schema, &string_type_of(any), at, hint, named)
            }
            None if !any.enumeration.is_empty() => {
                self.diags.warning(
                    &at.push("enum"),
                    "`enum` without a `type`; represented as serde_json::Value",
                );
                TypeRef::Json
            }
            None => TypeRef::Json,
            Some(other) if !JSON_TYPES.contains(&other) => {
                self.diags.warning(
                    &at.push("type"),
                    format!("unknown type `{other}` (expected one of {}); represented as serde_json::Value", JSON_TYPES.join(", ")),
                );
                TypeRef::Json
            }
            Some(other) if any.enumeration.iter().any(|v| !json_is(v, other)) => {
                let i = any
                    .enumeration
                    .iter()
                    .position(|v| !json_is(v, other))
                    .unwrap_or(0);
                self.diags.warning(
                    &at.push("enum").push(i.to_string()),
                    format!("enum value {} is not of the schema's type `{other}`; represented as serde_json::Value", any.enumeration[i]),
                );
                TypeRef::Json
            }
            Some("array") => {
                self.diags.warning(
                    at,
                    "array without `items`; items are represented as serde_json::Value",
                );
                TypeRef::Vec(Box::new(TypeRef::Json))
            }
            Some(other) => {
                // `type` decides; keywords of another type (`maximum` on a
                // string, `uniqueItems` on an item) are ignored.
                let keywords = foreign_keywords(any, other);
                self.diags.warning(
                    &at.push("type"),
                    if keywords.is_empty() {
                        format!("schema of type `{other}` has keywords that do not apply to that type; they are ignored")
                    } else {
                        format!(
                            "schema of type `{other}` has {} that {} not apply to that type; ignored",
                            keywords.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", "),
                            if keywords.len() == 1 { "does" } else { "do" }
                        )
                    },
                );
                match other {
                    "string" => self.lower_string(schema, &string_type_of(any), at, hint, named),
                    "integer" => TypeRef::integer(any.format.as_deref()),
                    "number" => TypeRef::F64,
                    "boolean" => TypeRef::Bool,
                    _ => TypeRef::Json,
                }
            }
        }
    }

    fn lower_object(
        &mut self,
        schema: &Schema,
        view: ObjectView<'_>,
        at: &Pointer,
        hint: &str,
        named: bool,
    ) -> TypeRef {
        let additional_ty = |cx: &mut Self| -> Additional {
            match view.additional {
                None | Some(AdditionalProperties::Any(true)) => Additional::Map(TypeRef::Json),
                Some(AdditionalProperties::Any(false)) => Additional::Forbidden,
                Some(AdditionalProperties::Schema(s)) => {
                    let t = cx.schema_type(
                        s,
                        &at.push("additionalProperties"),
                        &format!("{hint}Value"),
                    );
                    Additional::Map(t)
                }
            }
        };
        if view.properties.is_empty() {
            // A pure map: no struct, just `BTreeMap<String, T>`.
            let value = match additional_ty(self) {
                Additional::Map(t) => t,
                Additional::Forbidden => TypeRef::Json,
            };
            return TypeRef::Map(Box::new(value));
        }
        let name = if named {
            hint.to_string()
        } else {
            self.claim_type_name(hint, at)
        };
        let fields = self.lower_properties(&name, &view);
        let additional = additional_ty(self);
        self.define(
            name.clone(),
            schema_docs(schema),
            at,
            TypeKind::Struct(Struct {
                fields,
                additional,
                derive_default: false,
            }),
        );
        TypeRef::Named(name)
    }

    fn lower_properties(&mut self, parent: &str, view: &ObjectView<'_>) -> Vec<Field> {
        let (properties, required) = (&view.properties, &view.required);
        let mut scope = Scope::new();
        scope.claim("additional_properties");
        for (r, r_at) in required.iter().zip(&view.required_at) {
            if !properties.iter().any(|(k, _)| k == r) {
                self.diags.warning(
                    r_at,
                    format!("`required` names `{r}`, which is not a declared property; ignored"),
                );
            }
        }
        let mut fields = Vec::new();
        for ((wire, prop), ptr) in properties.iter().zip(&view.property_at) {
            let hint = format!("{parent}{}", naming::type_name(wire));
            let ty = self.boxed_schema_type(prop, ptr, &hint);
            let (nullable, read_only, prop_docs) = self.property_facts(prop);
            // A required readOnly property is required in responses only;
            // `finish` relaxes it in types that are part of a request.
            let is_required = required.iter().any(|r| r == wire);
            let presence = match (is_required, nullable) {
                (true, false) => Presence::Required,
                (true, true) => Presence::RequiredNullable,
                (false, false) => Presence::Optional,
                (false, true) => Presence::OptionalNullable,
            };
            let mut wanted = naming::field_name(wire);
            if wanted.is_empty() {
                wanted = String::from("field");
            }
            let rust_name = scope.claim(&wanted);
            fields.push(Field {
                rust_name,
                wire_name: (*wire).clone(),
                ty,
                presence,
                boxed: false,
                docs: prop_docs,
                read_only,
                fixed: None,
            });
        }
        fields
    }

    /// Nullable, readOnly and docs of a property, looking through a `$ref`
    /// and through the `allOf: [$ref]` wrapper Okta uses to add those.
    fn property_facts(&mut self, prop: &ReferenceOr<Box<Schema>>) -> (bool, bool, Vec<String>) {
        match prop {
            ReferenceOr::Item(s) => {
                let mut nullable = s.schema_data.nullable;
                let mut read_only = s.schema_data.read_only;
                let mut docs = schema_docs(s);
                // `allOf: [$ref, {readOnly: true}, …]`: the wrapper's members
                // carry the facts (a lone `$ref`, or annotation-only members).
                if let SchemaKind::AllOf { all_of } = &s.schema_kind {
                    let shaped = all_of.iter().filter(|m| !is_annotation_only(m)).count();
                    for member in all_of {
                        match member {
                            ReferenceOr::Item(m) if is_annotation_only(member) => {
                                nullable |= m.schema_data.nullable;
                                read_only |= m.schema_data.read_only;
                                if docs.is_empty() {
                                    docs = schema_docs(m);
                                }
                            }
                            ReferenceOr::Reference { .. } if shaped == 1 => {
                                if let Some(target) = self.component_schema(member) {
                                    nullable |= target.schema_data.nullable;
                                    read_only |= target.schema_data.read_only;
                                }
                            }
                            _ => {}
                        }
                    }
                }
                (nullable, read_only, docs)
            }
            ReferenceOr::Reference { reference } => {
                let target = self.component_schema_by_ref(reference);
                match target {
                    Some(t) => (t.schema_data.nullable, t.schema_data.read_only, Vec::new()),
                    None => (false, false, Vec::new()),
                }
            }
        }
    }

    fn component_schema(&self, s: &ReferenceOr<Schema>) -> Option<&'a Schema> {
        match s {
            ReferenceOr::Reference { reference } => self.component_schema_by_ref(reference),
            ReferenceOr::Item(_) => None,
        }
    }

    /// The schema a local `$ref` names, following alias chains; `None` when
    /// it does not resolve (the caller that lowers it reports that).
    pub(super) fn component_schema_by_ref(&self, reference: &str) -> Option<&'a Schema> {
        let targets = self.targets;
        if let Some(s) = targets.schemas.get(reference) {
            return Some(s);
        }
        let schemas = &self.spec.components.as_ref()?.schemas;
        let mut key = crate::diag::component_key(reference, "schemas")?;
        // Alias chains end within `schemas.len()` hops unless they are
        // cycles, which `check_alias_cycles` reports.
        for _ in 0..=schemas.len() {
            match schemas.get(&key)? {
                ReferenceOr::Item(s) => return Some(s),
                ReferenceOr::Reference { reference } => {
                    key = crate::diag::component_key(reference, "schemas")?;
                }
            }
        }
        None
    }

    /// `allOf`: one member passes through; several members that are all
    /// objects merge into one struct (properties and `required` united).
    fn lower_all_of(
        &mut self,
        schema: &Schema,
        all_of: &[ReferenceOr<Schema>],
        at: &Pointer,
        hint: &str,
        named: bool,
    ) -> TypeRef {
        let at_all = at.push("allOf");
        // Members that only annotate (`- example: …`, `- readOnly: true`,
        // `- default: …`) add no shape: Okta uses them to decorate a `$ref`.
        let shaped: Vec<(usize, &ReferenceOr<Schema>)> = all_of
            .iter()
            .enumerate()
            .filter(|(_, m)| !is_annotation_only(m))
            .collect();
        if let [(i, only)] = shaped[..] {
            return self.schema_type(only, &at_all.push(i.to_string()), hint);
        }
        let mut merged = Merged::default();
        for (i, member) in shaped {
            let ptr = at_all.push(i.to_string());
            if !self.collect_object(member, &ptr, &mut merged, &mut Vec::new()) {
                self.diags.warning(
                    &ptr,
                    "`allOf` member is not an object schema; the composition is represented as serde_json::Value",
                );
                return TypeRef::Json;
            }
            if let Some(deep) = merged.too_deep.take() {
                self.diags.error(
                    &ptr,
                    format!(
                        "`allOf` members nest deeper than {MAX_ALL_OF_DEPTH} levels (through `$ref`s, down to `{deep}`)"
                    ),
                );
                return TypeRef::Json;
            }
        }
        let view = ObjectView {
            properties: merged.properties.iter().map(|(k, (s, _))| (k, s)).collect(),
            required: merged.required.iter().map(|(r, _)| r).collect(),
            additional: merged.additional.as_ref(),
            property_at: merged.properties.values().map(|(_, p)| p.clone()).collect(),
            required_at: merged.required.iter().map(|(_, p)| p.clone()).collect(),
        };
        self.lower_object(schema, view, at, hint, named)
    }

    /// Gather the properties of an object schema (through refs and nested
    /// `allOf`) for an `allOf` merge. Returns false when it is not an object.
    fn collect_object(
        &mut self,
        member: &ReferenceOr<Schema>,
        at: &Pointer,
        merged: &mut Merged,
        expanding: &mut Vec<String>,
    ) -> bool {
        if merged.too_deep.is_some() {
            return true;
        }
        if expanding.len() > MAX_ALL_OF_DEPTH {
            merged.too_deep = Some(at.clone());
            return true;
        }
        // `here`: where the member's own keywords are written.
        let (schema, here): (&Schema, Pointer) = match member {
            ReferenceOr::Reference { reference } => {
                // Validate the reference (reports dangling/external refs).
                if self.schema_ref(reference, at) == TypeRef::Json {
                    return true;
                }
                if expanding.iter().any(|r| r == reference) {
                    self.diags.error(at, "`allOf` nesting is cyclic");
                    return true;
                }
                match self.component_schema_by_ref(reference) {
                    Some(s) => (s, Pointer::from_ref(reference)),
                    None => return true,
                }
            }
            ReferenceOr::Item(s) => (s, at.clone()),
        };
        expanding.push(match member {
            ReferenceOr::Reference { reference } => reference.clone(),
            ReferenceOr::Item(_) => String::new(),
        });
        let collected = self.collect_members(schema, &here, merged, expanding);
        expanding.pop();
        collected
    }

    /// The body of [`Self::collect_object`] once `schema` is resolved.
    fn collect_members(
        &mut self,
        schema: &Schema,
        here: &Pointer,
        merged: &mut Merged,
        expanding: &mut Vec<String>,
    ) -> bool {
        let at = here;
        let (props, req, add) = match &schema.schema_kind {
            SchemaKind::Type(Type::Object(o)) => {
                (&o.properties, &o.required, &o.additional_properties)
            }
            SchemaKind::Any(a) if a.typ.is_none() || a.typ.as_deref() == Some("object") => {
                if !a.all_of.is_empty() {
                    for (i, m) in a.all_of.iter().enumerate() {
                        if !self.collect_object(
                            m,
                            &at.push("allOf").push(i.to_string()),
                            merged,
                            expanding,
                        ) {
                            return false;
                        }
                    }
                }
                (&a.properties, &a.required, &a.additional_properties)
            }
            SchemaKind::AllOf { all_of } => {
                for (i, m) in all_of.iter().enumerate() {
                    if !self.collect_object(
                        m,
                        &at.push("allOf").push(i.to_string()),
                        merged,
                        expanding,
                    ) {
                        return false;
                    }
                }
                return true;
            }
            _ => return false,
        };
        for (k, v) in props {
            let p = at.push("properties").push(k);
            if let Some((earlier, earlier_at)) = merged.properties.get(k)
                && let (Some(a), Some(b)) = (self.type_sig(earlier), self.type_sig(v))
                && a.split(' ').next() != b.split(' ').next()
            {
                self.diags.warning(
                    &p,
                    format!(
                        "`allOf` members disagree on the type of property `{k}`: {a} at `{earlier_at}`, {b} here; the later member wins"
                    ),
                );
            }
            merged.properties.insert(k.clone(), (v.clone(), p));
        }
        for (i, r) in req.iter().enumerate() {
            if !merged.required.iter().any(|(q, _)| q == r) {
                let p = at.push("required").push(i.to_string());
                merged.required.push((r.clone(), p));
            }
        }
        if let Some(a) = add
            && (merged.additional.is_none() || matches!(a, AdditionalProperties::Any(false)))
        {
            merged.additional = Some(a.clone());
        }
        true
    }

    /// A property schema's JSON type, to tell when two `allOf` members
    /// disagree (no value can then satisfy both; a narrower object refining
    /// an object is no disagreement). `None` when not plain enough to say
    /// (compositions, untyped schemas).
    fn type_sig(&self, schema: &ReferenceOr<Box<Schema>>) -> Option<String> {
        let s: &Schema = match schema {
            ReferenceOr::Reference { reference } => {
                let target = self.component_schema_by_ref(reference)?;
                return self
                    .plain_type(target)
                    .map(|t| format!("`{t}` (through `{reference}`)"));
            }
            ReferenceOr::Item(s) => s,
        };
        self.plain_type(s).map(|t| format!("`{t}`"))
    }

    fn plain_type(&self, s: &Schema) -> Option<&'static str> {
        Some(match &s.schema_kind {
            SchemaKind::Type(Type::String(_)) => "string",
            SchemaKind::Type(Type::Integer(_)) => "integer",
            SchemaKind::Type(Type::Number(_)) => "number",
            SchemaKind::Type(Type::Boolean(_)) => "boolean",
            SchemaKind::Type(Type::Array(_)) => "array",
            SchemaKind::Type(Type::Object(_)) => "object",
            SchemaKind::Any(a) => match a.typ.as_deref()? {
                "string" => "string",
                "integer" => "integer",
                "number" => "number",
                "boolean" => "boolean",
                "array" => "array",
                "object" => "object",
                _ => return None,
            },
            _ => return None,
        })
    }

    /// `oneOf` / `anyOf` → a Rust enum: internally tagged when a
    /// discriminator names the variants, untagged otherwise (each variant
    /// tried in order, the last one `serde_json::Value` so nothing is lost).
    fn lower_union(
        &mut self,
        schema: &Schema,
        members: &[ReferenceOr<Schema>],
        at: Pointer,
        hint: &str,
        named: bool,
    ) -> TypeRef {
        // A nullable wrapper `oneOf: [X]` passes through; an inline member
        // takes the name the union would have had.
        if members.len() == 1 {
            return match &members[0] {
                ReferenceOr::Item(only) => self.lower_schema(only, &at.push("0"), hint, named),
                reference => self.schema_type(reference, &at.push("0"), hint),
            };
        }
        let name = if named {
            hint.to_string()
        } else {
            self.claim_type_name(hint, &at)
        };
        let discriminator = schema.schema_data.discriminator.as_ref();
        let mut scope = Scope::new();
        // Every union ends with `Unknown(serde_json::Value)`.
        scope.claim("Unknown");
        let mut variants = Vec::new();
        for (i, member) in members.iter().enumerate() {
            let ptr = at.push(i.to_string());
            let ty = self.schema_type(member, &ptr, &format!("{name}Variant{i}"));
            let wanted = match &ty {
                TypeRef::Named(n) => n
                    .strip_prefix(&name)
                    .filter(|s| !s.is_empty() && !s.starts_with(char::is_numeric))
                    .unwrap_or(n)
                    .to_string(),
                other => variant_for_builtin(other),
            };
            let rust_name = scope.claim(&wanted);
            let mut tags = Vec::new();
            if let (Some(d), ReferenceOr::Reference { reference }) = (discriminator, member) {
                for (value, target) in &d.mapping {
                    if crate::diag::mapping_ref(target) == *reference {
                        tags.push(value.clone());
                    }
                }
                if tags.is_empty()
                    && let Some(last) = reference.rsplit('/').next()
                {
                    tags.push(last.to_string());
                }
            }
            variants.push(UnionVariant {
                rust_name,
                tags,
                ty,
                boxed: false,
                shape: Default::default(),
            });
        }
        let discriminator = match discriminator {
            Some(d) if variants.iter().all(|v| matches!(v.ty, TypeRef::Named(_))) => {
                Some(d.property_name.clone())
            }
            Some(_) => {
                self.diags.warning(
                    &at,
                    "discriminator over members that are not all named schemas; the union is untagged",
                );
                None
            }
            None => None,
        };
        self.define(
            name.clone(),
            schema_docs(schema),
            &at,
            TypeKind::Union(Union {
                discriminator,
                variants,
            }),
        );
        TypeRef::Named(name)
    }
}

/// How deep `allOf` members may nest (through `$ref`s) before the merge gives
/// up. Okta's deepest is 3; the limit keeps a hostile chain from running
/// the stack out, and is reported as what it is, not as a cycle.
const MAX_ALL_OF_DEPTH: usize = 64;

/// The values of `type` in OpenAPI 3.0.
const JSON_TYPES: &[&str] = &["string", "number", "integer", "boolean", "array", "object"];

/// Whether `v` is a value of the OpenAPI type `typ` (`null` is allowed: it
/// belongs to `nullable`, not to the enum's type).
fn json_is(v: &serde_json::Value, typ: &str) -> bool {
    if v.is_null() {
        return true;
    }
    match typ {
        "string" => v.is_string(),
        "number" => v.is_number(),
        "integer" => v.is_i64() || v.is_u64(),
        "boolean" => v.is_boolean(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        _ => false,
    }
}

fn variant_for_builtin(t: &TypeRef) -> String {
    match t {
        TypeRef::String => "String",
        TypeRef::Bool => "Bool",
        TypeRef::I8
        | TypeRef::I16
        | TypeRef::I32
        | TypeRef::I64
        | TypeRef::U8
        | TypeRef::U16
        | TypeRef::U32
        | TypeRef::U64 => "Integer",
        TypeRef::F64 => "Number",
        TypeRef::DateTime => "DateTime",
        TypeRef::Date => "Date",
        TypeRef::Json => "Value",
        TypeRef::Bytes => "Bytes",
        TypeRef::Vec(_) => "Array",
        TypeRef::Map(_) => "Map",
        TypeRef::Named(n) => n,
    }
    .to_string()
}

/// A schema with no type, shape or composition: only annotations
/// (`description`, `example`, `default`, `readOnly`, `nullable`…).
pub(super) fn is_annotation_only(member: &ReferenceOr<Schema>) -> bool {
    let ReferenceOr::Item(s) = member else {
        return false;
    };
    let SchemaKind::Any(a) = &s.schema_kind else {
        return false;
    };
    a.typ.is_none()
        && a.properties.is_empty()
        && a.additional_properties.is_none()
        && a.items.is_none()
        && a.enumeration.is_empty()
        && a.one_of.is_empty()
        && a.all_of.is_empty()
        && a.any_of.is_empty()
        && a.not.is_none()
        && a.format.is_none()
}

/// The keywords of `any` that belong to another type than `typ`.
fn foreign_keywords(any: &AnySchema, typ: &str) -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut note = |present: bool, keyword: &'static str, types: &[&str]| {
        if present && !types.contains(&typ) {
            out.push(keyword);
        }
    };
    let numeric = &["number", "integer"][..];
    note(any.pattern.is_some(), "pattern", &["string"]);
    note(any.min_length.is_some(), "minLength", &["string"]);
    note(any.max_length.is_some(), "maxLength", &["string"]);
    note(
        any.format.is_some(),
        "format",
        &["string", "number", "integer"],
    );
    note(any.minimum.is_some(), "minimum", numeric);
    note(any.maximum.is_some(), "maximum", numeric);
    note(any.exclusive_minimum.is_some(), "exclusiveMinimum", numeric);
    note(any.exclusive_maximum.is_some(), "exclusiveMaximum", numeric);
    note(any.multiple_of.is_some(), "multipleOf", numeric);
    note(any.items.is_some(), "items", &["array"]);
    note(any.min_items.is_some(), "minItems", &["array"]);
    note(any.max_items.is_some(), "maxItems", &["array"]);
    note(any.unique_items.is_some(), "uniqueItems", &["array"]);
    note(!any.properties.is_empty(), "properties", &["object"]);
    note(!any.required.is_empty(), "required", &["object"]);
    note(
        any.additional_properties.is_some(),
        "additionalProperties",
        &["object"],
    );
    note(any.min_properties.is_some(), "minProperties", &["object"]);
    note(any.max_properties.is_some(), "maxProperties", &["object"]);
    out
}

/// The string view of an untyped or keyword-conflicted schema.
fn string_type_of(any: &AnySchema) -> StringType {
    let format = match any.format.as_deref() {
        Some("date-time") => VariantOrUnknownOrEmpty::Item(StringFormat::DateTime),
        Some("date") => VariantOrUnknownOrEmpty::Item(StringFormat::Date),
        Some("binary") => VariantOrUnknownOrEmpty::Item(StringFormat::Binary),
        Some(other) => VariantOrUnknownOrEmpty::Unknown(other.to_string()),
        None => VariantOrUnknownOrEmpty::Empty,
    };
    StringType {
        format,
        pattern: any.pattern.clone(),
        enumeration: any
            .enumeration
            .iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect(),
        min_length: any.min_length,
        max_length: any.max_length,
    }
}

pub(super) fn schema_docs(schema: &Schema) -> Vec<String> {
    docs(
        schema.schema_data.title.as_deref(),
        schema.schema_data.description.as_deref(),
    )
}

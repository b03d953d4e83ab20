//! Paths and operations → [`ir::Operation`]s.

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{
    MediaType, Operation as SpecOperation, Parameter, ParameterSchemaOrContent, PathItem,
    ReferenceOr, RequestBody, Response, SecurityScheme, StatusCode,
};

use super::{Cx, docs, resolve_at};
use crate::diag::Pointer;
use crate::ir::{
    Body, BodyKind, Method, Operation, Pagination, Param, ParamLocation, ParamStyle, Success,
    TypeRef,
};
use crate::naming::{self, Scope};

/// Header parameters OpenAPI says to ignore (the runtime owns them).
const IGNORED_HEADERS: &[&str] = &["accept", "authorization", "content-type"];

/// What a parameter's value is, for the style table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ValueKind {
    Scalar,
    Array,
    Object,
    /// Arrays or objects inside an array or object.
    Nested,
    /// Not known until run time (`serde_json::Value`, a union).
    Any,
}

/// A path template split into literal text and `{parameter}` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathPart {
    Literal(String),
    Parameter(String),
}

/// Parse `/a/{b}/c` into parts; `Err` explains a malformed template.
pub fn parse_path(path: &str) -> Result<Vec<PathPart>, String> {
    if let Some(at) = path.find(['?', '#']) {
        return Err(format!(
            "`{}` at byte {at}: a path holds no query string or fragment (declare query parameters under `parameters`)",
            &path[at..=at]
        ));
    }
    let mut parts = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        if let Some(close) = rest[..open].find('}') {
            return Err(format!(
                "unbalanced `}}` at byte {}",
                path.len() - rest.len() + close
            ));
        }
        if open > 0 {
            parts.push(PathPart::Literal(rest[..open].to_string()));
        }
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            return Err(String::from("`{` without a closing `}`"));
        };
        let name = &after[..close];
        if name.is_empty() || name.contains('{') {
            return Err(format!("malformed parameter `{{{name}}}`"));
        }
        parts.push(PathPart::Parameter(name.to_string()));
        rest = &after[close + 1..];
    }
    if rest.contains('}') {
        return Err(String::from("unbalanced `}`"));
    }
    if !rest.is_empty() {
        parts.push(PathPart::Literal(rest.to_string()));
    }
    Ok(parts)
}

impl<'a> Cx<'a> {
    pub(super) fn lower_operations(&mut self) {
        let base = Pointer::root().push("paths");
        let mut ids: BTreeMap<String, Pointer> = BTreeMap::new();
        let mut method_scope = Scope::new();
        // The operations' marker types (`crate::operations::…`), one module.
        let mut marker_scope = Scope::new();
        // Names of the runtime's own `Client` methods (derived from its
        // source when the generator is built: crate::reserved).
        for reserved in crate::reserved::CLIENT_METHODS {
            method_scope.claim(reserved);
        }
        // First pass: operation ids, so method names do not depend on order.
        let mut ops: Vec<(
            String,
            Pointer,
            &'a str,
            Method,
            &'a PathItem,
            &'a SpecOperation,
        )> = Vec::new();
        let spec: &'a openapiv3::OpenAPI = self.spec;
        let mut sorted: Vec<(&'a String, &'a ReferenceOr<PathItem>)> =
            spec.paths.paths.iter().collect();
        sorted.sort_by(|a, b| a.0.cmp(b.0));
        for (path, item) in sorted {
            let mut ptr = base.push(path);
            let targets = self.targets;
            let item_ref = item;
            let item = match item {
                ReferenceOr::Item(i) => i,
                ReferenceOr::Reference { .. } => match targets.path_items.get(path) {
                    Some(Ok((i, target))) => {
                        // Diagnostics point where the operations are written.
                        ptr = Pointer::from_ref(target);
                        i
                    }
                    Some(Err(message)) => {
                        self.diags.error(&ptr.push("$ref"), message.clone());
                        continue;
                    }
                    None => continue,
                },
            };
            for (method_name, op) in item.iter() {
                let method = match method_name {
                    "get" => Method::Get,
                    "put" => Method::Put,
                    "post" => Method::Post,
                    "delete" => Method::Delete,
                    "options" => Method::Options,
                    "head" => Method::Head,
                    "patch" => Method::Patch,
                    _ => Method::Trace,
                };
                let op_ptr = ptr.push(method_name);
                let id = match op.operation_id.clone() {
                    Some(id) => id,
                    None => {
                        // Deterministic: the method and the path's words.
                        let base_id = naming::field_name(&format!("{method_name} {path}"));
                        let mut id = base_id.clone();
                        let mut n = 1;
                        while ids.contains_key(&id)
                            || spec.paths.paths.values().any(|p| match p {
                                ReferenceOr::Item(p) => p
                                    .iter()
                                    .any(|(_, o)| o.operation_id.as_deref() == Some(id.as_str())),
                                ReferenceOr::Reference { .. } => false,
                            })
                        {
                            n += 1;
                            id = format!("{base_id}_{n}");
                        }
                        self.diags.warning(
                            &op_ptr,
                            format!("operation has no `operationId`; it is named `{id}` after its method and path"),
                        );
                        id
                    }
                };
                let via_ref = matches!(item_ref, ReferenceOr::Reference { .. });
                let id = if via_ref && ids.contains_key(&id) {
                    // The same path item `$ref`'d from several paths: each
                    // use needs a name of its own.
                    let mut renamed = naming::field_name(&format!("{id} {path}"));
                    let mut n = 1;
                    while ids.contains_key(&renamed) {
                        n += 1;
                        renamed = format!("{}_{n}", naming::field_name(&format!("{id} {path}")));
                    }
                    self.diags.warning(
                        &op_ptr.push("operationId"),
                        format!("operationId `{id}` is used again through the path item `$ref` of `{path}`; this use is named `{renamed}`"),
                    );
                    renamed
                } else {
                    id
                };
                if let Some(first) = ids.get(&id) {
                    self.diags.error(
                        &op_ptr.push("operationId"),
                        format!("duplicate operationId `{id}`; first used at {first}"),
                    );
                    continue;
                }
                ids.insert(id.clone(), op_ptr.clone());
                ops.push((id, op_ptr, path.as_str(), method, item, op));
            }
        }
        ops.sort_by(|a, b| a.0.cmp(&b.0));
        for (id, ptr, path, method, item, op) in ops {
            let mut wanted = naming::field_name(&id);
            if wanted.is_empty() {
                wanted = String::from("operation");
                self.diags.warning(
                    &ptr.push("operationId"),
                    format!("operationId `{id}` has no letter or digit to name a method after; it is named `{wanted}`"),
                );
            }
            let rust_name = method_scope.claim(&wanted);
            if rust_name != wanted {
                self.diags.warning(
                    &ptr.push("operationId"),
                    format!("method name `{wanted}` is taken; this operation is `{rust_name}`"),
                );
            }
            if let Some(mut lowered) =
                self.lower_operation(&id, rust_name, path, method, item, op, &ptr)
            {
                let wanted = naming::type_name(&id);
                let wanted = if wanted.is_empty() {
                    String::from("Operation")
                } else {
                    wanted
                };
                lowered.marker = marker_scope.claim(&wanted);
                self.operations.push(lowered);
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn lower_operation(
        &mut self,
        id: &str,
        rust_name: String,
        path: &str,
        method: Method,
        item: &PathItem,
        op: &SpecOperation,
        ptr: &Pointer,
    ) -> Option<Operation> {
        let type_base = naming::type_name(id);
        let parts = match parse_path(path) {
            Ok(p) => p,
            Err(e) => {
                self.diags.error(
                    &ptr_parent(ptr),
                    format!("malformed path template `{path}`: {e}"),
                );
                return None;
            }
        };
        if !op.callbacks.is_empty() {
            self.diags.warning(
                &ptr.push("callbacks"),
                "callbacks are not generated: this client sends requests and serves none",
            );
        }
        let params = self.lower_parameters(&type_base, item, op, ptr);
        let mut path_params = Vec::new();
        let mut others = Vec::new();
        for p in params {
            if p.location == ParamLocation::Path {
                path_params.push(p);
            } else {
                others.push(p);
            }
        }
        // The template and the declared path parameters must agree.
        let in_template: Vec<&str> = parts
            .iter()
            .filter_map(|p| match p {
                PathPart::Parameter(n) => Some(n.as_str()),
                PathPart::Literal(_) => None,
            })
            .collect();
        let mut ok = true;
        for name in &in_template {
            if !path_params.iter().any(|p| p.wire_name == *name) {
                self.diags.error(
                    ptr,
                    format!("path parameter `{{{name}}}` appears in the path but is not declared in `parameters`"),
                );
                ok = false;
            }
        }
        for p in &path_params {
            if !in_template.contains(&p.wire_name.as_str()) {
                self.diags.error(
                    ptr,
                    format!(
                        "path parameter `{}` is declared but does not appear in the path `{path}`",
                        p.wire_name
                    ),
                );
                ok = false;
            }
        }
        if !ok {
            return None;
        }
        path_params.sort_by_key(|p| in_template.iter().position(|n| *n == p.wire_name));
        let (required_params, mut optional_params): (Vec<Param>, Vec<Param>) =
            others.into_iter().partition(|p| p.required);
        // Optional parameters are setters on the operation's `Call<T, O>`:
        // their names avoid every method of the runtime's `Call` (derived
        // from its source: crate::reserved) and `paginate`, which every
        // paginated operation's call has (reserved for all, so that an
        // operation becoming paginated renames nothing).
        let mut setter_scope = Scope::new();
        for reserved in crate::reserved::CALL_METHODS.iter().chain(&["paginate"]) {
            setter_scope.claim(reserved);
        }
        for p in &mut optional_params {
            let got = setter_scope.claim(&p.rust_name);
            if got != p.rust_name {
                self.diags.warning(
                    ptr,
                    format!(
                        "optional parameter `{}` would be named like a method every call has (`{}`); its setter is `{got}`",
                        p.wire_name, p.rust_name
                    ),
                );
                p.rust_name = got;
            }
        }
        let body = match &op.request_body {
            Some(b) => self.lower_body(&type_base, b, &ptr.push("requestBody")),
            None => None,
        };
        let success = self.lower_responses(&type_base, op, &ptr.push("responses"));
        let scopes = self.scopes(op, ptr);
        let idempotent = method.is_idempotent()
            || op.extensions.get("x-idempotent").and_then(|v| v.as_bool()) == Some(true);
        let takes_cursor = optional_params
            .iter()
            .chain(required_params.iter())
            .any(|p| p.wire_name == "after" && p.location == ParamLocation::Query);
        let pagination = if takes_cursor {
            self.pagination(&success)
        } else {
            None
        };
        let mut d = docs(op.summary.as_deref(), op.description.as_deref());
        if !d.is_empty() {
            d.push(String::new());
        }
        let base_path = self.base_path(item, op, ptr);
        d.push(format!("Sends `{} {base_path}{path}`.", method.as_str()));
        if op.deprecated {
            d.push(String::new());
            d.push(String::from("Deprecated in the spec."));
        }
        Some(Operation {
            id: id.to_string(),
            rust_name,
            method,
            path: format!("{base_path}{path}"),
            pointer: ptr.to_string(),
            path_params,
            required_params,
            optional_params,
            marker: String::new(),
            body,
            success,
            idempotent,
            scopes,
            pagination,
            docs: d,
        })
    }

    fn lower_parameters(
        &mut self,
        type_base: &str,
        item: &PathItem,
        op: &SpecOperation,
        ptr: &Pointer,
    ) -> Vec<Param> {
        let spec = self.spec;
        let components = spec.components.as_ref().map(|c| &c.parameters);
        // Path-level first, operation-level overrides by (name, location).
        // Each entry: where it is used, where it is written (the component a
        // `$ref` leads to), whether it is path-level, and the parameter.
        let mut merged: Vec<(Pointer, Pointer, bool, &Parameter)> = Vec::new();
        let path_ptr = ptr_parent(ptr).push("parameters");
        for (i, p) in item.parameters.iter().enumerate() {
            let at = path_ptr.push(i.to_string());
            if let Some((p, def)) = resolve_at(self, p, "parameters", components, &at) {
                merged.push((at, def, true, p));
            }
        }
        for (i, p) in op.parameters.iter().enumerate() {
            let at = ptr.push("parameters").push(i.to_string());
            if let Some((p, def)) = resolve_at(self, p, "parameters", components, &at) {
                let data = p.parameter_data_ref();
                // Only a path-level parameter is overridden; a repeat within
                // one list is reported as declared twice below.
                merged.retain(|(_, _, path_level, q)| {
                    let qd = q.parameter_data_ref();
                    !(*path_level
                        && qd.name == data.name
                        && std::mem::discriminant(*q) == std::mem::discriminant(p))
                });
                merged.push((at, def, false, p));
            }
        }
        let mut scope = Scope::new();
        let mut seen: BTreeSet<(String, u8)> = BTreeSet::new();
        let mut out = Vec::new();
        for (used_at, at, _, p) in merged {
            let data = p.parameter_data_ref();
            let (location, tag) = match p {
                Parameter::Path { .. } => (ParamLocation::Path, 0u8),
                Parameter::Query { .. } => (ParamLocation::Query, 1),
                Parameter::Header { .. } => (ParamLocation::Header, 2),
                Parameter::Cookie { .. } => {
                    if data.required {
                        self.diags.error(&at, format!("cookie parameter `{}` is required, but cookie parameters are not supported", data.name));
                    } else {
                        self.diags.warning(
                            &at,
                            format!(
                                "cookie parameter `{}` is not supported and is never sent",
                                data.name
                            ),
                        );
                    }
                    continue;
                }
            };
            if location == ParamLocation::Header
                && IGNORED_HEADERS.contains(&data.name.to_ascii_lowercase().as_str())
            {
                self.diags.warning(&at, format!("header parameter `{}` is ignored, as OpenAPI specifies; the runtime sets it", data.name));
                continue;
            }
            if !seen.insert((data.name.clone(), tag)) {
                self.diags.error(
                    &used_at,
                    format!("parameter `{}` is declared twice", data.name),
                );
                continue;
            }
            let hint = format!("{type_base}{}", naming::type_name(&data.name));
            let ty = match &data.format {
                ParameterSchemaOrContent::Schema(s) => {
                    self.schema_type(s, &at.push("schema"), &hint)
                }
                ParameterSchemaOrContent::Content(_) => {
                    self.diags.warning(
                        &at.push("content"),
                        "parameter with `content` is taken as a string: the caller passes the value serialized as its media type says (JSON text, for `application/json`), and it is sent percent-encoded",
                    );
                    TypeRef::String
                }
            };
            let (style, allow_reserved) = match p {
                Parameter::Path { style, .. } => (
                    match style {
                        openapiv3::PathStyle::Simple => ParamStyle::Simple,
                        openapiv3::PathStyle::Label => ParamStyle::Label,
                        openapiv3::PathStyle::Matrix => ParamStyle::Matrix,
                    },
                    false,
                ),
                Parameter::Query {
                    style,
                    allow_reserved,
                    ..
                } => (
                    match style {
                        openapiv3::QueryStyle::Form => ParamStyle::Form,
                        openapiv3::QueryStyle::SpaceDelimited => ParamStyle::SpaceDelimited,
                        openapiv3::QueryStyle::PipeDelimited => ParamStyle::PipeDelimited,
                        openapiv3::QueryStyle::DeepObject => ParamStyle::DeepObject,
                    },
                    *allow_reserved,
                ),
                _ => (ParamStyle::Simple, false),
            };
            // OpenAPI: `explode` defaults to true for `form`, false otherwise.
            let explode = data.explode.unwrap_or(style == ParamStyle::Form);
            let Some(explode) = self.check_style(&at, &data.name, &ty, style, explode) else {
                continue;
            };
            let required = if location == ParamLocation::Path {
                if !data.required {
                    self.diags.warning(
                        &at,
                        format!(
                            "path parameter `{}` must be `required: true`; treated as required",
                            data.name
                        ),
                    );
                }
                true
            } else {
                data.required
            };
            let mut wanted = naming::field_name(&data.name);
            if wanted.is_empty() {
                wanted = String::from("param");
            }
            if wanted == "body" || wanted == "params" || wanted == "content_type" {
                wanted.push('_');
            }
            let rust_name = scope.claim(&wanted);
            out.push(Param {
                rust_name,
                wire_name: data.name.clone(),
                location,
                ty,
                required,
                docs: docs(None, data.description.as_deref()),
                style,
                explode,
                allow_reserved,
            });
        }
        out
    }

    /// Whether the specification's style table defines `style` and
    /// `explode` for a value of type `ty`: `Some(explode)` to send it, `None`
    /// after an error. The table has no row for `deepObject` without
    /// `explode` (its default), for a `deepObject` array nor for exploded
    /// `spaceDelimited` and `pipeDelimited`: those are sent as what they can
    /// only mean (or, for the array, as its users read it), with a warning
    /// saying so when the wire is not obvious. A primitive in any query
    /// style is `name=value`.
    fn check_style(
        &mut self,
        at: &Pointer,
        name: &str,
        ty: &TypeRef,
        style: ParamStyle,
        explode: bool,
    ) -> Option<bool> {
        let kind = self.value_kind(ty, 0);
        let style_name = style.as_str();
        match (style, kind) {
            (_, ValueKind::Nested) => {
                self.diags.warning(
                    &at.push("schema"),
                    format!("parameter `{name}` can hold nested arrays or objects, which no `{style_name}` serialization defines; such a value is refused when the call is made (scalars, arrays of scalars and flat objects are sent)"),
                );
                Some(explode)
            }
            (ParamStyle::DeepObject, ValueKind::Object | ValueKind::Any) => Some(true),
            (ParamStyle::DeepObject, ValueKind::Array) => {
                self.diags.warning(
                    &at.push("style"),
                    format!("parameter `{name}`: OpenAPI's style table defines `deepObject` for objects only; this array is sent the way servers that use it for arrays read it, `{name}[]=a&{name}[]=b`"),
                );
                Some(true)
            }
            (ParamStyle::DeepObject, _) => Some(true),
            (
                ParamStyle::SpaceDelimited | ParamStyle::PipeDelimited,
                ValueKind::Array | ValueKind::Object | ValueKind::Any,
            ) if explode => {
                self.diags.warning(
                    &at.push("explode"),
                    format!("parameter `{name}`: `style: {style_name}` with `explode: true` is not in OpenAPI's style table; it is sent as `form` with `explode: true` (`{name}=a&{name}=b`)"),
                );
                Some(true)
            }
            _ => Some(explode),
        }
    }

    /// The path of the server URL that applies (the operation's `servers`,
    /// the path item's, or the document's; the first of the list), with
    /// variables at their defaults, and no trailing `/`: every request
    /// path starts with it. The host is always the configured org URL's.
    fn base_path(&mut self, item: &PathItem, op: &SpecOperation, ptr: &Pointer) -> String {
        let spec = self.spec;
        let (servers, at) = if !op.servers.is_empty() {
            (&op.servers, ptr.push("servers"))
        } else if !item.servers.is_empty() {
            (&item.servers, ptr_parent(ptr).push("servers"))
        } else {
            (&spec.servers, Pointer::root().push("servers"))
        };
        let Some(first) = servers.first() else {
            return String::new();
        };
        let path_of = |server: &openapiv3::Server| {
            let mut url = server.url.clone();
            for (name, var) in server.variables.iter().flatten() {
                url = url.replace(&format!("{{{name}}}"), &var.default);
            }
            let after_scheme = match url.find("://") {
                Some(i) => &url[i + 3..],
                None if url.starts_with("//") => &url[2..],
                // A relative URL: its path, from the root.
                None => {
                    let path = url.trim_end_matches('/');
                    return if path.is_empty() || path.starts_with('/') {
                        path.to_string()
                    } else {
                        format!("/{path}")
                    };
                }
            };
            match after_scheme.find('/') {
                Some(i) => after_scheme[i..].trim_end_matches('/').to_string(),
                None => String::new(),
            }
        };
        let base = path_of(first);
        if base.contains(['{', '}', '?', '#']) {
            self.diags.warning(
                &at.push("0").push("url"),
                format!("the server URL's path `{base}` holds an undefined variable, a query or a fragment; requests are sent without a path prefix"),
            );
            return String::new();
        }
        if let Some((i, other)) = servers
            .iter()
            .enumerate()
            .skip(1)
            .map(|(i, s)| (i, path_of(s)))
            .find(|(_, p)| *p != base)
        {
            self.diags.warning(
                &at.push(i.to_string()).push("url"),
                format!("servers differ in their path (`{other}` here, `{base}` in the first); every request path starts with the first's"),
            );
        }
        base
    }

    /// A form body is sent by OpenAPI's defaults for
    /// `application/x-www-form-urlencoded`: what they cannot express is
    /// said here, at generation, not at call time.
    fn check_form_body(&mut self, ty: &TypeRef, at: &Pointer, mt: &MediaType) {
        if !mt.encoding.is_empty() {
            self.diags.warning(
                &at.push("encoding"),
                "`encoding` is not applied: form properties are sent with OpenAPI's defaults (`style: form`, `explode: true`; objects as JSON text)",
            );
        }
        let mut target = ty.clone();
        for _ in 0..8 {
            match &target {
                TypeRef::Named(n) => match self.types.get(n).map(|t| &t.kind) {
                    Some(crate::ir::TypeKind::Alias(t)) => target = t.clone(),
                    _ => break,
                },
                _ => break,
            }
        }
        let nested: Vec<String> = match &target {
            TypeRef::Named(n) => match self.types.get(n).map(|t| &t.kind) {
                Some(crate::ir::TypeKind::Struct(s)) => s
                    .fields
                    .iter()
                    .filter(|f| {
                        !matches!(
                            self.value_kind(&f.ty, 1),
                            ValueKind::Scalar | ValueKind::Array
                        )
                    })
                    .map(|f| format!("`{}`", f.wire_name))
                    .collect(),
                Some(crate::ir::TypeKind::Enum(_)) => {
                    self.form_not_object(at);
                    return;
                }
                _ => Vec::new(),
            },
            TypeRef::Map(item)
                if matches!(
                    self.value_kind(item, 1),
                    ValueKind::Object | ValueKind::Nested
                ) =>
            {
                vec![String::from("(every one)")]
            }
            TypeRef::Map(_) | TypeRef::Json => Vec::new(),
            _ => {
                self.form_not_object(at);
                return;
            }
        };
        if !nested.is_empty() {
            self.diags.warning(
                &at.push("schema"),
                format!(
                    "form body properties {} can hold objects (or arrays of them); as OpenAPI's default `contentType` for those says, each such value is sent as JSON text",
                    nested.join(", ")
                ),
            );
        }
    }

    fn form_not_object(&mut self, at: &Pointer) {
        self.diags.error(
            &at.push("schema"),
            "an `application/x-www-form-urlencoded` body must be an object (its properties become the form's fields)",
        );
    }

    /// What kind of JSON a parameter's type holds, for its style.
    fn value_kind(&self, ty: &TypeRef, depth: usize) -> ValueKind {
        let scalar_or_nested = |k: ValueKind| match k {
            ValueKind::Scalar => ValueKind::Scalar,
            _ => ValueKind::Nested,
        };
        match ty {
            TypeRef::Json => ValueKind::Any,
            TypeRef::Vec(item) => match scalar_or_nested(self.value_kind(item, depth + 1)) {
                ValueKind::Scalar => ValueKind::Array,
                k => k,
            },
            TypeRef::Map(item) => match scalar_or_nested(self.value_kind(item, depth + 1)) {
                ValueKind::Scalar => ValueKind::Object,
                k => k,
            },
            TypeRef::Named(n) if depth < 8 => match self.types.get(n).map(|t| &t.kind) {
                Some(crate::ir::TypeKind::Alias(t)) => self.value_kind(t, depth + 1),
                Some(crate::ir::TypeKind::Struct(s)) => {
                    let flat = s
                        .fields
                        .iter()
                        .all(|f| self.value_kind(&f.ty, depth + 1) == ValueKind::Scalar)
                        && match &s.additional {
                            crate::ir::Additional::Forbidden => true,
                            crate::ir::Additional::Map(t) => {
                                matches!(
                                    self.value_kind(t, depth + 1),
                                    ValueKind::Scalar | ValueKind::Any
                                )
                            }
                        };
                    if flat {
                        ValueKind::Object
                    } else {
                        ValueKind::Nested
                    }
                }
                Some(crate::ir::TypeKind::Union(_)) => ValueKind::Any,
                _ => ValueKind::Scalar,
            },
            TypeRef::Named(_) => ValueKind::Any,
            _ => ValueKind::Scalar,
        }
    }

    /// The list in a response: the array itself, or the one array property
    /// of an object (Okta wraps some lists, e.g. `{"memberExternalIds": […]}`).
    fn pagination(&self, success: &Success) -> Option<Pagination> {
        match success {
            Success::Json(TypeRef::Vec(item)) => Some(Pagination {
                item: (**item).clone(),
                field: None,
            }),
            Success::Json(TypeRef::Named(name)) => {
                let Some(crate::ir::TypeKind::Struct(s)) = self.types.get(name).map(|t| &t.kind)
                else {
                    return None;
                };
                let mut lists = s.fields.iter().filter_map(|f| match &f.ty {
                    TypeRef::Vec(item) => Some((f, item)),
                    _ => None,
                });
                let (field, item) = lists.next()?;
                if lists.next().is_some() {
                    return None;
                }
                Some(Pagination {
                    item: (**item).clone(),
                    field: Some((field.rust_name.clone(), field.presence)),
                })
            }
            _ => None,
        }
    }

    fn lower_body(
        &mut self,
        type_base: &str,
        body: &ReferenceOr<RequestBody>,
        at: &Pointer,
    ) -> Option<Body> {
        let spec = self.spec;
        let components = spec.components.as_ref().map(|c| &c.request_bodies);
        let (body, at) = resolve_at(self, body, "requestBodies", components, at)?;
        let hint = format!("{type_base}Request");
        let content_ptr = at.push("content");
        let (media, mt) = pick_media(&body.content)?;
        let mptr = content_ptr.push(media);
        let kind = if is_json(media) {
            let ty = match &mt.schema {
                Some(s) => self.schema_type(s, &mptr.push("schema"), &hint),
                None => TypeRef::Json,
            };
            self.collect_examples(&format!("{type_base}Request"), mt, &mptr, &ty);
            BodyKind::Json(ty)
        } else if media == "application/x-www-form-urlencoded" {
            let ty = match &mt.schema {
                Some(s) => self.schema_type(s, &mptr.push("schema"), &hint),
                None => TypeRef::Map(Box::new(TypeRef::String)),
            };
            self.check_form_body(&ty, &mptr, mt);
            BodyKind::Form(ty)
        } else if media.starts_with("multipart/") {
            self.diags.warning(&mptr, format!("`{media}` bodies are sent as bytes the caller encodes, with the caller's content type (it carries the boundary)"));
            BodyKind::Bytes { content_type: None }
        } else {
            BodyKind::Bytes {
                content_type: Some(media.to_string()),
            }
        };
        if body.content.len() > 1 {
            // Other media types are alternatives; the chosen one is documented.
        }
        Some(Body {
            kind,
            required: body.required,
            docs: docs(None, body.description.as_deref()),
        })
    }

    fn lower_responses(&mut self, type_base: &str, op: &SpecOperation, at: &Pointer) -> Success {
        let spec = self.spec;
        let components = spec.components.as_ref().map(|c| &c.responses);
        let mut successes: Vec<Success> = Vec::new();
        let mut entries: Vec<(u16, String, &ReferenceOr<Response>)> = Vec::new();
        for (code, r) in &op.responses.responses {
            let (n, key) = match code {
                StatusCode::Code(n) => (*n, n.to_string()),
                StatusCode::Range(n) => (*n * 100, format!("{n}XX")),
            };
            entries.push((n, key, r));
        }
        entries.sort_by_key(|e| e.0);
        // Without any 2xx, `default` describes the success too (OpenAPI:
        // "the default MAY be used as a default response object for all
        // HTTP codes that are not covered individually").
        if !entries.iter().any(|e| (200..300).contains(&e.0))
            && let Some(default) = &op.responses.default
        {
            entries.push((200, String::from("default"), default));
        }
        if entries.is_empty() && op.responses.default.is_none() {
            self.diags.warning(
                at,
                "operation declares no responses; treated as returning no body",
            );
        }
        for (n, key, r) in entries {
            let Some((resp, rptr)) = resolve_at(self, r, "responses", components, &at.push(&key))
            else {
                continue;
            };
            let is_success = (200..300).contains(&n);
            let hint = if is_success || key == "default" {
                format!("{type_base}Response")
            } else {
                format!("{type_base}{key}Response")
            };
            let Some((media, mt)) = pick_media(&resp.content) else {
                if is_success {
                    successes.push(Success::Empty);
                }
                continue;
            };
            let mptr = rptr.push("content").push(media);
            let ty = match &mt.schema {
                // Error bodies are decoded by the runtime; only check their refs.
                Some(ReferenceOr::Reference { reference }) if !is_success => {
                    self.schema_ref(reference, &mptr.push("schema"))
                }
                Some(_) if !is_success => TypeRef::Json,
                Some(s) => self.schema_type(s, &mptr.push("schema"), &hint),
                None => TypeRef::Json,
            };
            if is_json(media) {
                let example_base = if is_success {
                    format!("{type_base}Response{key}")
                } else {
                    format!("{type_base}Error{key}")
                };
                if is_success || matches!(ty, TypeRef::Named(_)) {
                    self.collect_examples(&example_base, mt, &mptr, &ty);
                }
            }
            if !is_success {
                continue;
            }
            successes.push(if is_json(media) {
                Success::Json(ty)
            } else if media.starts_with("text/") || media.ends_with("xml") {
                Success::Text
            } else {
                Success::Binary
            });
        }
        // The first 2xx with a body decides; a different body elsewhere degrades.
        let with_body: Vec<&Success> = successes.iter().filter(|s| **s != Success::Empty).collect();
        match with_body.first() {
            None => Success::Empty,
            Some(first) => {
                if with_body.iter().any(|s| s != first) {
                    self.diags.warning(at, "2xx responses declare different bodies; the body is decoded as serde_json::Value");
                    return Success::Json(TypeRef::Json);
                }
                (*first).clone()
            }
        }
    }

    fn scopes(&mut self, op: &SpecOperation, ptr: &Pointer) -> Vec<String> {
        let spec = self.spec;
        let requirements = op.security.as_ref().or(spec.security.as_ref());
        let schemes = spec.components.as_ref().map(|c| &c.security_schemes);
        let mut scopes = BTreeSet::new();
        for (i, req) in requirements.into_iter().flatten().enumerate() {
            for (name, values) in req {
                match schemes.and_then(|s| s.get(name)) {
                    Some(ReferenceOr::Item(SecurityScheme::OAuth2 { .. })) => {
                        scopes.extend(values.iter().cloned());
                    }
                    Some(ReferenceOr::Item(scheme)) => {
                        if let Some(what) = unsupported_scheme(scheme) {
                            self.diags.warning(
                                &Pointer::root()
                                    .push("components")
                                    .push("securitySchemes")
                                    .push(name),
                                format!("security scheme `{name}` ({what}) is not implemented by the runtime: requests carry only the client's `Authorization` header (an SSWS API token, a bearer token or an OAuth 2.0 access token); add the credential with `Call::header` if the header is another"),
                            );
                        }
                    }
                    Some(ReferenceOr::Reference { .. }) => {}
                    None => self.diags.warning(
                        &ptr.push("security").push(i.to_string()),
                        format!(
                            "security scheme `{name}` is not defined in components.securitySchemes"
                        ),
                    ),
                }
            }
        }
        scopes.into_iter().collect()
    }
}

/// What the runtime cannot send of a security scheme: `None` for the
/// ones it implements (an API key in the `Authorization` header, sent as
/// `SSWS <token>`; `http` bearer; OAuth 2.0 and OpenID Connect access
/// tokens as bearer tokens).
fn unsupported_scheme(scheme: &SecurityScheme) -> Option<String> {
    match scheme {
        SecurityScheme::APIKey { location, name, .. } => {
            let at = match location {
                openapiv3::APIKeyLocation::Header => "header",
                openapiv3::APIKeyLocation::Query => "query",
                openapiv3::APIKeyLocation::Cookie => "cookie",
            };
            (at != "header" || !name.eq_ignore_ascii_case("authorization"))
                .then(|| format!("an API key in the {at} `{name}`"))
        }
        SecurityScheme::HTTP { scheme, .. } => (!scheme.eq_ignore_ascii_case("bearer"))
            .then(|| format!("HTTP `{scheme}` authentication")),
        SecurityScheme::OAuth2 { .. } | SecurityScheme::OpenIDConnect { .. } => None,
    }
}

fn ptr_parent(ptr: &Pointer) -> Pointer {
    let s = ptr.as_str();
    match s.rfind('/') {
        Some(i) => Pointer::from_ref(&s[..i]),
        None => Pointer::root(),
    }
}

pub(super) fn is_json(media: &str) -> bool {
    let m = media
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    m == "application/json"
        || m.ends_with("+json")
        || m == "*/*"
        || (m.starts_with("application/") && m.contains("json"))
}

/// The media type the client uses: JSON first, then the first declared.
fn pick_media(content: &indexmap::IndexMap<String, MediaType>) -> Option<(&str, &MediaType)> {
    content
        .iter()
        .find(|(k, _)| is_json(k))
        .or_else(|| content.iter().next())
        .map(|(k, v)| (k.as_str(), v))
}

#[cfg(test)]
mod tests {
    use super::{PathPart, parse_path};

    #[test]
    fn path_templates() {
        use PathPart::*;
        let l = |s: &str| Literal(s.to_string());
        let p = |s: &str| Parameter(s.to_string());
        let cases: Vec<(&str, Result<Vec<PathPart>, ()>)> = vec![
            ("/api/v1/users", Ok(vec![l("/api/v1/users")])),
            ("/a/{b}", Ok(vec![l("/a/"), p("b")])),
            (
                "/a/{b}/c/{d}/e",
                Ok(vec![l("/a/"), p("b"), l("/c/"), p("d"), l("/e")]),
            ),
            ("/a/{b}{c}", Ok(vec![l("/a/"), p("b"), p("c")])),
            ("/a/{b", Err(())),
            ("/a/b}", Err(())),
            ("/a/{}", Err(())),
            ("/a/{{b}}", Err(())),
            ("/a?b=1", Err(())),
            ("/a/{b}#c", Err(())),
        ];
        for (input, want) in cases {
            let got = parse_path(input).map_err(|_| ());
            assert_eq!(got, want, "parse_path({input:?})");
        }
    }
}

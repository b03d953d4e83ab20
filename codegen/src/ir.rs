//! The intermediate representation: plain data lowered from the spec, with
//! Rust names already chosen. `emit` turns it into tokens and never sees
//! openapiv3 types. Everything is sorted by Rust name at the end of lowering.

/// Documentation lines for an item (summary, blank line, description…).
pub type Docs = Vec<String>;

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Api {
    pub types: Vec<TypeDef>,
    pub operations: Vec<Operation>,
    /// Examples from the spec, checked by a generated test.
    pub examples: Vec<Example>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TypeDef {
    pub name: String,
    pub docs: Docs,
    pub kind: TypeKind,
    /// Where in the spec the type comes from (`#/components/schemas/X`, or
    /// the inline schema's pointer).
    pub pointer: String,
    /// Why the type is not named as in the spec (a reserved name), for the
    /// API change report.
    pub renamed: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TypeKind {
    Struct(Struct),
    Enum(StringEnum),
    /// `pub type Name = Target;`
    Alias(TypeRef),
    /// A `oneOf` / `anyOf`: one variant per member.
    Union(Union),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Struct {
    pub fields: Vec<Field>,
    /// Properties the schema does not declare.
    pub additional: Additional,
    /// Every required field has a value of its own (a single-value enum), so
    /// `new()` takes no argument and the struct implements `Default`.
    pub derive_default: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Additional {
    /// `additionalProperties: false`: undeclared properties are dropped.
    Forbidden,
    /// Kept in a flattened `BTreeMap<String, T>`.
    Map(TypeRef),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub rust_name: String,
    pub wire_name: String,
    pub ty: TypeRef,
    pub presence: Presence,
    /// Boxed to break a containment cycle.
    pub boxed: bool,
    pub docs: Docs,
    /// `readOnly` in the spec: sent by the server only. Required only where
    /// the type is never part of a request (settled when lowering finishes).
    pub read_only: bool,
    /// A required field whose type is a single-value string enum: the Rust
    /// name of that one variant, which `new` fills in (it is no argument).
    pub fixed: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// `T`
    Required,
    /// `Option<T>`, serialized as `null` when `None`.
    RequiredNullable,
    /// `Option<T>`, omitted when `None`.
    Optional,
    /// `Nullable<T>`: omitted, `null` or a value.
    OptionalNullable,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StringEnum {
    pub variants: Vec<Variant>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    pub rust_name: String,
    pub wire: String,
    pub docs: Docs,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Union {
    /// `Some(property)` when members are told apart by a discriminator.
    pub discriminator: Option<String>,
    pub variants: Vec<UnionVariant>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UnionVariant {
    pub rust_name: String,
    /// Discriminator values that select this variant (empty when untagged).
    pub tags: Vec<String>,
    pub ty: TypeRef,
    /// Boxed to break a containment cycle.
    pub boxed: bool,
    /// What a JSON value must look like to be this variant (untagged
    /// unions); filled in when lowering finishes.
    pub shape: Shape,
}

/// The JSON a variant of an untagged union accepts, for the decode rule of
/// `runtime::de::explains`: a variant matches only if the value has its
/// JSON type, its single-value enums (constants) match exactly and its
/// required properties are present; the score is how many of the value's
/// properties (or, for scalars, how specific a match) it explains.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Shape {
    /// Any value (`serde_json::Value`, or a type too deep to describe).
    #[default]
    Any,
    String,
    /// A string that parses as an RFC 3339 date-time.
    DateTime,
    /// A string that parses as a `YYYY-MM-DD` date.
    Date,
    /// One of these strings exactly (a string enum).
    StringEnum(Vec<String>),
    Integer,
    Number,
    Bool,
    /// An array whose items have this shape.
    Array(Box<Shape>),
    /// A JSON object with no declared properties.
    Map,
    Object {
        required: Vec<String>,
        /// Properties whose only allowed value is this string.
        consts: Vec<(String, String)>,
        /// Every declared property, with the shape of its value.
        properties: Vec<(String, Shape)>,
        /// `additionalProperties: false`: an undeclared property does not match.
        closed: bool,
    },
    /// A nested union: the best of its members.
    OneOf(Vec<Shape>),
}

/// A reference to a Rust type, as used in fields, parameters and bodies.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TypeRef {
    String,
    Bool,
    I8,
    I16,
    I32,
    I64,
    U8,
    U16,
    U32,
    U64,
    F64,
    DateTime,
    Date,
    /// Any JSON value (`serde_json::Value`).
    Json,
    /// Raw bytes (`format: binary`).
    Bytes,
    Named(String),
    Vec(Box<TypeRef>),
    Map(Box<TypeRef>),
}

impl TypeRef {
    /// The type as Rust text without crate paths (`Vec<i64>`,
    /// `DateTime<Utc>`), each named type behind `named_prefix` (`models::`
    /// in docs, nothing in the API change report).
    pub fn text(&self, named_prefix: &str) -> String {
        match self {
            TypeRef::String => "String".into(),
            TypeRef::Bool => "bool".into(),
            TypeRef::I8 => "i8".into(),
            TypeRef::I16 => "i16".into(),
            TypeRef::I32 => "i32".into(),
            TypeRef::I64 => "i64".into(),
            TypeRef::U8 => "u8".into(),
            TypeRef::U16 => "u16".into(),
            TypeRef::U32 => "u32".into(),
            TypeRef::U64 => "u64".into(),
            TypeRef::F64 => "f64".into(),
            TypeRef::DateTime => "DateTime<Utc>".into(),
            TypeRef::Date => "NaiveDate".into(),
            TypeRef::Json => "serde_json::Value".into(),
            TypeRef::Bytes => "Bytes".into(),
            TypeRef::Named(n) => format!("{named_prefix}{n}"),
            TypeRef::Vec(t) => format!("Vec<{}>", t.text(named_prefix)),
            TypeRef::Map(t) => format!("BTreeMap<String, {}>", t.text(named_prefix)),
        }
    }
}

impl TypeRef {
    /// The range of an integer type (`None` for other types).
    pub fn int_range(&self) -> Option<(i128, i128)> {
        Some(match self {
            TypeRef::I8 => (i8::MIN.into(), i8::MAX.into()),
            TypeRef::I16 => (i16::MIN.into(), i16::MAX.into()),
            TypeRef::I32 => (i32::MIN.into(), i32::MAX.into()),
            TypeRef::I64 => (i64::MIN.into(), i64::MAX.into()),
            TypeRef::U8 => (0, u8::MAX.into()),
            TypeRef::U16 => (0, u16::MAX.into()),
            TypeRef::U32 => (0, u32::MAX.into()),
            TypeRef::U64 => (0, u64::MAX.into()),
            _ => return None,
        })
    }

    /// The integer type of an OpenAPI `format` (`int32`, `uint64`, …);
    /// `int64` for none or one this does not know.
    pub fn integer(format: Option<&str>) -> TypeRef {
        match format {
            Some("int8") => TypeRef::I8,
            Some("int16") => TypeRef::I16,
            Some("int32") => TypeRef::I32,
            Some("uint8") => TypeRef::U8,
            Some("uint16") => TypeRef::U16,
            Some("uint32") => TypeRef::U32,
            Some("uint64") => TypeRef::U64,
            _ => TypeRef::I64,
        }
    }

    /// Whether `Default` exists for this type when it is required.
    pub fn has_default(&self, enums_and_unions: &dyn Fn(&str) -> bool) -> bool {
        match self {
            TypeRef::Named(name) => !enums_and_unions(name),
            TypeRef::DateTime | TypeRef::Date => false,
            _ => true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Method {
    Get,
    Put,
    Post,
    Delete,
    Options,
    Head,
    Patch,
    Trace,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Delete => "DELETE",
            Method::Options => "OPTIONS",
            Method::Head => "HEAD",
            Method::Patch => "PATCH",
            Method::Trace => "TRACE",
        }
    }

    /// Idempotent by HTTP semantics (RFC 9110 §9.2.2).
    pub fn is_idempotent(self) -> bool {
        !matches!(self, Method::Post | Method::Patch)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamLocation {
    Path,
    Query,
    Header,
}

/// OpenAPI 3.0 parameter `style`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamStyle {
    Simple,
    Label,
    Matrix,
    Form,
    SpaceDelimited,
    PipeDelimited,
    DeepObject,
}

impl ParamStyle {
    pub fn as_str(self) -> &'static str {
        match self {
            ParamStyle::Simple => "simple",
            ParamStyle::Label => "label",
            ParamStyle::Matrix => "matrix",
            ParamStyle::Form => "form",
            ParamStyle::SpaceDelimited => "spaceDelimited",
            ParamStyle::PipeDelimited => "pipeDelimited",
            ParamStyle::DeepObject => "deepObject",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub rust_name: String,
    pub wire_name: String,
    pub location: ParamLocation,
    pub ty: TypeRef,
    pub required: bool,
    pub docs: Docs,
    /// How the value is serialized (`style`, `explode`, `allowReserved`).
    pub style: ParamStyle,
    pub explode: bool,
    pub allow_reserved: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum BodyKind {
    Json(TypeRef),
    /// Raw bytes. `Some` content type is fixed by the spec (`application/octet-stream`,
    /// `text/plain`, …); `None` means the caller supplies it (`multipart/form-data`
    /// needs a boundary).
    Bytes {
        content_type: Option<String>,
    },
    /// `application/x-www-form-urlencoded` from a serializable type.
    Form(TypeRef),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    pub kind: BodyKind,
    pub required: bool,
    pub docs: Docs,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Success {
    /// No body (`204`, `202`, or a 2xx without content).
    Empty,
    Json(TypeRef),
    Text,
    Binary,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    /// `operationId` as in the spec.
    pub id: String,
    /// Method name: the `operationId` in snake_case.
    pub rust_name: String,
    pub method: Method,
    /// Path template as requests are sent: the spec's, after the server
    /// URL's path prefix.
    pub path: String,
    /// The spec node the operation comes from (`#/paths/~1users/get`),
    /// without that prefix.
    pub pointer: String,
    /// Path parameters, in the order they appear in the path.
    pub path_params: Vec<Param>,
    /// Required query and header parameters (positional arguments).
    pub required_params: Vec<Param>,
    /// Optional query and header parameters: setters of the operation's
    /// call, named `rust_name` (which avoids the methods of `Call`).
    pub optional_params: Vec<Param>,
    /// The operation's marker type in `crate::operations` (the `O` of its
    /// `Call<T, O>`), UpperCamelCase of the `operationId`.
    pub marker: String,
    pub body: Option<Body>,
    pub success: Success,
    pub idempotent: bool,
    pub scopes: Vec<String>,
    /// Takes an `after` cursor and returns a list: its call gets a
    /// `paginate` method.
    pub pagination: Option<Pagination>,
    pub docs: Docs,
}

/// How the items of one page are found.
#[derive(Debug, Clone, PartialEq)]
pub struct Pagination {
    pub item: TypeRef,
    /// `None`: the page is the array. `Some`: the page is an object and the
    /// items are in this field (Rust name, presence).
    pub field: Option<(String, Presence)>,
}

/// A JSON example from the spec and the type it illustrates.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// A unique, stable Rust-friendly name for the generated test.
    pub name: String,
    pub pointer: String,
    pub ty: TypeRef,
    /// The example, as compact JSON.
    pub json: String,
}

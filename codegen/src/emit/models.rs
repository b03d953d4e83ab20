//! Models: structs, forward-compatible string enums, unions and aliases.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{Scope, doc_attrs, ty};
use crate::ir::{
    Additional, Api, Field, Presence, Shape, StringEnum, Struct, TypeDef, TypeKind, Union,
};

pub fn emit(api: &Api) -> TokenStream {
    let types = api.types.iter().map(type_def);
    quote! {
        // What fields need, so a user needs no other crate to fill them:
        // tri-state nullable fields, the catch-all of string enums, and JSON
        // values (custom attributes, `additional_properties`).
        pub use crate::runtime::{Nullable, UnknownValue};
        pub use ::serde_json::{Map, Value};

        #(#types)*
    }
}

/// `#[non_exhaustive]` on every generated struct and enum, so that a field,
/// variant or optional parameter upstream adds is a minor change for users;
/// `apidiff` classifies changes by the same constant.
fn non_exhaustive() -> TokenStream {
    if crate::apidiff::NON_EXHAUSTIVE {
        quote!(#[non_exhaustive])
    } else {
        quote!()
    }
}

fn type_def(def: &TypeDef) -> TokenStream {
    let docs = doc_attrs(&def.docs);
    let name = format_ident!("{}", def.name);
    match &def.kind {
        TypeKind::Struct(s) => struct_def(&docs, &name, s, &def.pointer),
        TypeKind::Enum(e) => enum_def(&docs, &name, e),
        TypeKind::Union(u) => union_def(&docs, &name, u),
        TypeKind::Alias(t) => {
            let t = ty(t, Scope::Models);
            quote! {
                #docs
                pub type #name = #t;
            }
        }
    }
}

fn field_def(f: &Field) -> TokenStream {
    let docs = doc_attrs(&f.docs);
    let name = format_ident!("{}", f.rust_name);
    let mut inner = ty(&f.ty, Scope::Models);
    if f.boxed {
        inner = quote!(::std::boxed::Box<#inner>);
    }
    let field_ty = match f.presence {
        Presence::Required => inner,
        Presence::RequiredNullable | Presence::Optional => quote!(::std::option::Option<#inner>),
        Presence::OptionalNullable => quote!(crate::runtime::Nullable<#inner>),
    };
    quote! {
        #docs
        pub #name: #field_ty,
    }
}

/// How the shared `runtime::ser::Object` writes one field: always, or left
/// out when `None` / `Nullable::Undefined`.
fn field_write(f: &Field) -> TokenStream {
    let name = format_ident!("{}", f.rust_name);
    let wire = &f.wire_name;
    match f.presence {
        Presence::Required | Presence::RequiredNullable => quote!(o.required(#wire, &self.#name);),
        Presence::Optional => quote!(o.optional(#wire, &self.#name);),
        Presence::OptionalNullable => quote!(o.nullable(#wire, &self.#name);),
    }
}

/// How the shared `runtime::de::object` takes one field out of the object:
/// a required field must be present (a required nullable one may be `null`,
/// which is `None`); the others default when absent (`None`,
/// `Nullable::Undefined`).
fn field_init(f: &Field) -> TokenStream {
    let name = format_ident!("{}", f.rust_name);
    let wire = &f.wire_name;
    match f.presence {
        Presence::Required | Presence::RequiredNullable => quote!(#name: o.required(#wire)?,),
        Presence::Optional | Presence::OptionalNullable => {
            quote!(#name: o.field(#wire),)
        }
    }
}

fn struct_def(
    docs: &TokenStream,
    name: &proc_macro2::Ident,
    s: &Struct,
    pointer: &str,
) -> TokenStream {
    let fields = s.fields.iter().map(field_def);
    let inits = s.fields.iter().map(field_init);
    let writes = s.fields.iter().map(field_write);
    let (rest, write_rest) = match &s.additional {
        Additional::Forbidden => (quote!(), quote!()),
        Additional::Map(_) => (
            quote!(additional_properties: o.rest(),),
            quote!(o.rest(&self.additional_properties);),
        ),
    };
    // A struct with nothing to take still checks that it was given an object.
    let empty = s.fields.is_empty() && matches!(s.additional, Additional::Forbidden);
    let (o, mut_o) = if empty {
        (quote!(_), quote!(o))
    } else {
        (quote!(o), quote!(mut o))
    };
    let extra = match &s.additional {
        Additional::Forbidden => quote!(),
        Additional::Map(t) => {
            let t = ty(t, Scope::Models);
            quote! {
                /// Properties the spec does not declare (custom attributes, fields
                /// added to the API later), kept and sent as they are.
                pub additional_properties: ::std::collections::BTreeMap<::std::string::String, #t>,
            }
        }
    };
    let default = if s.derive_default {
        quote! {
            impl ::std::default::Default for #name {
                fn default() -> Self {
                    Self::new()
                }
            }
        }
    } else {
        quote!()
    };
    let setters = super::setters::for_struct(name, s);
    let ne = non_exhaustive();
    quote! {
        #docs
        #[derive(Clone, Debug, PartialEq)]
        #ne
        pub struct #name {
            #(#fields)*
            #extra
        }

        #setters
        #default

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                let #mut_o = crate::runtime::ser::Object::new(serializer);
                #(#writes)*
                #write_rest
                o.end()
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                crate::runtime::de::object(deserializer, #pointer, |#o| ::std::option::Option::Some(Self {
                    #(#inits)*
                    #rest
                }))
            }
        }
    }
}

fn enum_def(docs: &TokenStream, name: &proc_macro2::Ident, e: &StringEnum) -> TokenStream {
    let ne = non_exhaustive();
    let variants = e.variants.iter().map(|v| {
        let d = doc_attrs(&v.docs);
        let id = format_ident!("{}", v.rust_name);
        let wire_doc = format!(" {}", super::code_span(&v.wire));
        let sep = if v.docs.is_empty() {
            quote!()
        } else {
            quote!(#[doc = ""])
        };
        quote! { #[doc = #wire_doc] #sep #d #id, }
    });
    let to_str = e.variants.iter().map(|v| {
        let id = format_ident!("{}", v.rust_name);
        let wire = &v.wire;
        quote! { Self::#id => #wire, }
    });
    let from_str = e.variants.iter().map(|v| {
        let id = format_ident!("{}", v.rust_name);
        let wire = &v.wire;
        quote! { #wire => Self::#id, }
    });
    quote! {
        #docs
        ///
        /// Forward compatible: a value the server adds later is kept in
        /// `Unknown` and serialized back unchanged. Parsing a known value
        /// always gives its variant, so `Unknown` never holds one.
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #ne
        pub enum #name {
            #(#variants)*
            /// A value this version of the crate does not know, kept as sent.
            Unknown(crate::runtime::UnknownValue),
        }

        impl #name {
            /// The value as it appears on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #(#to_str)*
                    Self::Unknown(value) => value.as_str(),
                }
            }
        }

        impl ::std::convert::From<&str> for #name {
            fn from(value: &str) -> Self {
                match value {
                    #(#from_str)*
                    other => Self::Unknown(crate::runtime::UnknownValue::new(other)),
                }
            }
        }

        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let value = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(deserializer)?;
                ::std::result::Result::Ok(Self::from(value.as_ref()))
            }
        }
    }
}

fn union_def(docs: &TokenStream, name: &proc_macro2::Ident, u: &Union) -> TokenStream {
    let ne = non_exhaustive();
    let variant_ty = |v: &crate::ir::UnionVariant| {
        let t = ty(&v.ty, Scope::Models);
        if v.boxed {
            quote!(::std::boxed::Box<#t>)
        } else {
            t
        }
    };
    let variants = u.variants.iter().map(|v| {
        let id = format_ident!("{}", v.rust_name);
        let t = variant_ty(v);
        let doc = if v.tags.is_empty() {
            quote!()
        } else {
            let text = format!(
                " Selected by {}.",
                v.tags
                    .iter()
                    .map(|t| super::code_span(t))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            quote!(#[doc = #text])
        };
        quote! { #doc #id(#t), }
    });
    match &u.discriminator {
        None => {
            let offers = u.variants.iter().map(|v| {
                let id = format_ident!("{}", v.rust_name);
                let t = variant_ty(v);
                let shape = shape_tokens(&v.shape);
                quote! {
                    if let ::std::option::Option::Some(score) = crate::runtime::de::explains(&value, &#shape)
                        && let ::std::result::Result::Ok(v) = ::serde_json::from_value::<#t>(::std::clone::Clone::clone(&value))
                    {
                        pick.offer(score, Self::#id(v));
                    }
                }
            });
            quote! {
                #docs
                ///
                /// Decoded by the untagged-union rule: a variant matches when the value
                /// has its JSON type, holds its required properties and exactly the value
                /// of each single-value enum, and decodes; the variant explaining the most
                /// of the value's properties wins. No match, or a tie, is kept in `Unknown`.
                #[derive(Clone, Debug, PartialEq, ::serde::Serialize)]
                #[serde(untagged)]
                #[allow(clippy::large_enum_variant)]
                #ne
                pub enum #name {
                    #(#variants)*
                    /// A value that matches no variant, or several equally well, kept as sent.
                    Unknown(::serde_json::Value),
                }

                impl<'de> ::serde::Deserialize<'de> for #name {
                    fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                        let value = <::serde_json::Value as ::serde::Deserialize>::deserialize(deserializer)?;
                        let mut pick = crate::runtime::de::Pick::default();
                        #(#offers)*
                        ::std::result::Result::Ok(pick.finish().unwrap_or(Self::Unknown(value)))
                    }
                }
            }
        }
        Some(prop) => {
            let ser = u.variants.iter().map(|v| {
                let id = format_ident!("{}", v.rust_name);
                quote! { Self::#id(value) => ::serde::Serialize::serialize(value, serializer), }
            });
            let de = u.variants.iter().filter(|v| !v.tags.is_empty()).map(|v| {
                let id = format_ident!("{}", v.rust_name);
                let tags = &v.tags;
                let wrap = if v.boxed {
                    quote!(|v| Self::#id(::std::boxed::Box::new(v)))
                } else {
                    quote!(Self::#id)
                };
                quote! {
                    ::std::option::Option::Some(#(#tags)|*) => ::serde_json::from_value(value)
                        .map(#wrap)
                        .map_err(::serde::de::Error::custom),
                }
            });
            let text = format!(
                " The variant is chosen by the `{prop}` property; an unknown value is kept in `Unknown`."
            );
            quote! {
                #docs
                ///
                #[doc = #text]
                #[derive(Clone, Debug, PartialEq)]
                #[allow(clippy::large_enum_variant)]
                #ne
                pub enum #name {
                    #(#variants)*
                    /// A discriminator value this version of the crate does not know, kept as sent.
                    Unknown(::serde_json::Value),
                }

                impl ::serde::Serialize for #name {
                    fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                        match self {
                            #(#ser)*
                            Self::Unknown(value) => ::serde::Serialize::serialize(value, serializer),
                        }
                    }
                }

                impl<'de> ::serde::Deserialize<'de> for #name {
                    fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                        let value = <::serde_json::Value as ::serde::Deserialize>::deserialize(deserializer)?;
                        let tag = value.get(#prop).and_then(::serde_json::Value::as_str).map(::std::string::ToString::to_string);
                        match tag.as_deref() {
                            #(#de)*
                            _ => ::std::result::Result::Ok(Self::Unknown(value)),
                        }
                    }
                }
            }
        }
    }
}

/// A `runtime::de::Shape` as a constant expression.
fn shape_tokens(shape: &Shape) -> TokenStream {
    let base = quote!(crate::runtime::de::Shape);
    match shape {
        Shape::Any => quote!(#base::Any),
        Shape::String => quote!(#base::String),
        Shape::DateTime => quote!(#base::DateTime),
        Shape::Date => quote!(#base::Date),
        Shape::StringEnum(values) => quote!(#base::StringEnum(&[#(#values),*])),
        Shape::Integer => quote!(#base::Integer),
        Shape::Number => quote!(#base::Number),
        Shape::Bool => quote!(#base::Bool),
        Shape::Array(item) => {
            let item = shape_tokens(item);
            quote!(#base::Array(&#item))
        }
        Shape::Map => quote!(#base::Map),
        Shape::Object {
            required,
            consts,
            properties,
            closed,
        } => {
            let consts = consts.iter().map(|(k, v)| quote!((#k, #v)));
            let properties = properties.iter().map(|(k, v)| {
                let v = shape_tokens(v);
                quote!((#k, #v))
            });
            quote!(#base::Object {
                required: &[#(#required),*],
                consts: &[#(#consts),*],
                properties: &[#(#properties),*],
                closed: #closed,
            })
        }
        Shape::OneOf(members) => {
            let members = members.iter().map(shape_tokens);
            quote!(#base::OneOf(&[#(#members),*]))
        }
    }
}

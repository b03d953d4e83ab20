//! Construction of `#[non_exhaustive]` structs from outside the crate: one
//! chained setter per field, named after the field, and a `new` taking its
//! required fields (a required single-value enum is set to its one value).
//!
//! The rule for a setter `fn name(self, value: impl Into<T>) -> Self`:
//! - a required field `T` is set to the value;
//! - an `Option<T>` field (optional, or required but nullable) to `Some`;
//! - a `Nullable<T>` field (optional and nullable) to `Nullable::Value`; to
//!   send `null`, or to leave the field out again, assign the public field
//!   (`profile.mobile_phone = Nullable::Null`);
//! - a boxed field takes the unboxed value.
//!
//! Setters are the only inherent methods of a model struct besides `new`.
//! A setter whose name is a method every generated struct already has (from
//! `Default`, `Clone`, `PartialEq`, `Debug`, serde, or the constructor) is
//! named `set_NAME` instead, so `Type::default()` and `x.clone()` keep their
//! meaning; when that name is a field too, the field has no setter (it stays
//! a public field).

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{Scope, ty};
use crate::ir::{Field, Presence, Struct};

/// Method names a setter must not take.
const TAKEN: &[&str] = &[
    "new",
    "default",
    "clone",
    "clone_from",
    "eq",
    "ne",
    "fmt",
    "serialize",
    "deserialize",
    "to_owned",
    "into",
    "from",
    "try_into",
    "try_from",
    "borrow",
    "borrow_mut",
    "type_id",
    "to_string",
];

fn setter_names<'f>(fields: impl Iterator<Item = &'f str> + Clone) -> Vec<Option<String>> {
    let all: BTreeSet<&str> = fields.clone().collect();
    fields
        .map(|f| {
            if !TAKEN.contains(&f) {
                Some(f.to_string())
            } else {
                let alt = format!("set_{f}");
                (!all.contains(alt.as_str())).then_some(alt)
            }
        })
        .collect()
}

/// Setters (and `new` when there is no `Default`) for a model struct.
pub fn for_struct(name: &proc_macro2::Ident, s: &Struct) -> TokenStream {
    let names = setter_names(s.fields.iter().map(|f| f.rust_name.as_str()));
    let setters = s
        .fields
        .iter()
        .zip(names)
        .filter_map(|(f, n)| n.map(|n| field_setter(f, &n)));
    let new = constructor(s);
    quote! {
        // Setters are named after their fields, whatever the name (`is_…`,
        // `add`): the naming lints for methods do not apply.
        #[allow(clippy::wrong_self_convention, clippy::should_implement_trait)]
        impl #name {
            #new
            #(#setters)*
        }
    }
}

fn inner_ty(f: &Field) -> TokenStream {
    ty(&f.ty, Scope::Models)
}

fn field_setter(f: &Field, setter: &str) -> TokenStream {
    let field = format_ident!("{}", f.rust_name);
    let setter = format_ident!("{}", setter);
    let t = inner_ty(f);
    let value = if f.boxed {
        quote!(::std::boxed::Box::new(value.into()))
    } else {
        quote!(value.into())
    };
    let (stored, how) = match f.presence {
        Presence::Required => (value, "to `value`"),
        Presence::RequiredNullable | Presence::Optional => (
            quote!(::std::option::Option::Some(#value)),
            "to `Some(value)`",
        ),
        Presence::OptionalNullable => (
            quote!(crate::runtime::Nullable::Value(#value)),
            "to `Nullable::Value(value)` (assign the field for `Null`)",
        ),
    };
    let doc = format!(" Sets `{}` {how}.", f.rust_name);
    quote! {
        #[doc = #doc]
        #[must_use]
        pub fn #setter(mut self, value: impl ::std::convert::Into<#t>) -> Self {
            self.#field = #stored;
            self
        }
    }
}

/// `new`: its required fields, in order, but for a single-value enum, which
/// is set to its one value; every other field starts empty (`None`,
/// `Nullable::Undefined`, no additional properties).
fn constructor(s: &Struct) -> TokenStream {
    let required: Vec<&Field> = s
        .fields
        .iter()
        .filter(|f| f.presence == Presence::Required && f.fixed.is_none())
        .collect();
    let args = required.iter().map(|f| {
        let n = format_ident!("{}", f.rust_name);
        let t = inner_ty(f);
        quote!(#n: impl ::std::convert::Into<#t>)
    });
    let inits = s.fields.iter().map(|f| {
        let n = format_ident!("{}", f.rust_name);
        match (f.presence, &f.fixed) {
            (Presence::Required, Some(v)) => {
                let t = inner_ty(f);
                let v = format_ident!("{}", v);
                if f.boxed {
                    quote!(#n: ::std::boxed::Box::new(#t::#v),)
                } else {
                    quote!(#n: #t::#v,)
                }
            }
            (Presence::Required, None) if f.boxed => {
                quote!(#n: ::std::boxed::Box::new(#n.into()),)
            }
            (Presence::Required, None) => quote!(#n: #n.into(),),
            (Presence::RequiredNullable | Presence::Optional, _) => {
                quote!(#n: ::std::option::Option::None,)
            }
            (Presence::OptionalNullable, _) => quote!(#n: crate::runtime::Nullable::Undefined,),
        }
    });
    let rest = match &s.additional {
        crate::ir::Additional::Forbidden => quote!(),
        crate::ir::Additional::Map(_) => {
            quote!(additional_properties: ::std::collections::BTreeMap::new(),)
        }
    };
    let allow = if required.len() > 6 {
        quote!(#[allow(clippy::too_many_arguments)])
    } else {
        quote!()
    };
    let doc = if required.is_empty() {
        " A value with every field empty."
    } else {
        " A value with the required fields; the others are empty."
    };
    quote! {
        #[doc = #doc]
        #allow
        pub fn new(#(#args),*) -> Self {
            Self {
                #(#inits)*
                #rest
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::setter_names;

    #[test]
    fn setters_never_shadow_the_methods_every_struct_has() {
        let fields = ["user_name", "default", "clone", "set_clone", "new"];
        assert_eq!(
            setter_names(fields.iter().copied()),
            [
                Some("user_name".to_string()),
                Some("set_default".to_string()),
                None,
                Some("set_clone".to_string()),
                Some("set_new".to_string()),
            ]
        );
    }
}

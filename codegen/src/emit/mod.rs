//! Emit: [`crate::ir::Api`] → token streams, one per generated file. Never sees
//! openapiv3 types. Generated code names everything by absolute path
//! (`::std::option::Option`, `crate::runtime::…`), so a spec type called
//! `Option`, `Box` or `String` cannot collide.

mod examples;
mod models;
mod operations;
mod setters;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::ir::{Api, Docs, TypeRef};

/// The files of `src/generated/`, as (file name, tokens), in a fixed order.
pub fn emit(api: &Api) -> Vec<(&'static str, TokenStream)> {
    let examples_mod = if api.examples.is_empty() {
        quote! {}
    } else {
        quote! {
            #[cfg(test)]
            mod examples;
        }
    };
    let module = quote! {
        pub mod models;
        pub mod operations;
        #examples_mod
    };
    let mut files = vec![
        ("mod.rs", module),
        ("models.rs", models::emit(api)),
        ("operations.rs", operations::emit(api)),
    ];
    if !api.examples.is_empty() {
        files.push(("examples.rs", examples::emit(api)));
    }
    files
}

/// `#[doc = " line"]` attributes, one per line (prettyplease prints `///`).
pub(crate) fn doc_attrs(docs: &Docs) -> TokenStream {
    // One attribute per line, so prettyplease prints `///` and never a
    // `/** */` block (which a `*/` in the text would end early); tabs as
    // four spaces (clippy::tabs_in_doc_comments).
    let lines = docs
        .iter()
        .flat_map(|l| l.split(['\n', '\r']))
        .map(|l| l.replace('\t', "    "));
    let lines = lines.map(|l| {
        let l = if l.is_empty() {
            String::new()
        } else {
            format!(" {l}")
        };
        quote! { #[doc = #l] }
    });
    quote! { #(#lines)* }
}

/// `text` as a Markdown code span for a doc comment, whatever it holds:
/// control characters escaped (`\n`, `\t`), and a fence longer than any
/// run of backticks inside.
pub(crate) fn code_span(text: &str) -> String {
    let escaped: String = text
        .chars()
        .map(|c| {
            if c.is_control() {
                c.escape_debug().to_string()
            } else {
                c.to_string()
            }
        })
        .collect();
    let longest_run = escaped.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest_run + 1);
    let pad = if escaped.starts_with('`') || escaped.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{escaped}{pad}{fence}")
}

/// Where a named type lives, seen from the emitting module.
#[derive(Clone, Copy)]
pub(crate) enum Scope {
    /// Inside `models`: bare names.
    Models,
    /// Elsewhere: `crate::models::Name`.
    Crate,
}

pub(crate) fn ty(t: &TypeRef, scope: Scope) -> TokenStream {
    match t {
        TypeRef::String | TypeRef::Bytes => quote!(::std::string::String),
        TypeRef::Bool => quote!(bool),
        TypeRef::I8 => quote!(i8),
        TypeRef::I16 => quote!(i16),
        TypeRef::I32 => quote!(i32),
        TypeRef::I64 => quote!(i64),
        TypeRef::U8 => quote!(u8),
        TypeRef::U16 => quote!(u16),
        TypeRef::U32 => quote!(u32),
        TypeRef::U64 => quote!(u64),
        TypeRef::F64 => quote!(f64),
        TypeRef::DateTime => quote!(::chrono::DateTime<::chrono::Utc>),
        TypeRef::Date => quote!(::chrono::NaiveDate),
        TypeRef::Json => quote!(::serde_json::Value),
        TypeRef::Named(n) => {
            let id = format_ident!("{}", n);
            match scope {
                Scope::Models => quote!(#id),
                Scope::Crate => quote!(crate::models::#id),
            }
        }
        TypeRef::Vec(inner) => {
            let inner = ty(inner, scope);
            quote!(::std::vec::Vec<#inner>)
        }
        TypeRef::Map(inner) => {
            let inner = ty(inner, scope);
            quote!(::std::collections::BTreeMap<::std::string::String, #inner>)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::code_span;

    #[test]
    fn code_spans_hold_any_text() {
        let table = [
            ("ACTIVE", "`ACTIVE`"),
            ("", "``"),
            ("line\nbreak", "`line\\nbreak`"),
            ("tab\tx", "`tab\\tx`"),
            ("a`b", "``a`b``"),
            ("`quoted`", "`` `quoted` ``"),
            ("a``b", "```a``b```"),
            ("*/", "`*/`"),
        ];
        for (text, want) in table {
            assert_eq!(code_span(text), want, "code_span({text:?})");
        }
    }
}

//! Operations: one method on `crate::runtime::Client` per operation. Each
//! only describes the request; the runtime does the rest.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{Scope, doc_attrs, ty};
use crate::ir::{Api, BodyKind, Method, Operation, Param, ParamStyle, Presence, Success, TypeRef};

pub fn emit(api: &Api) -> TokenStream {
    let methods = api.operations.iter().map(operation);
    quote! {
        impl crate::runtime::Client {
            #(#methods)*
        }
    }
}

/// The argument type of a parameter: strings by reference, the rest by value.
fn param_ty(p: &Param) -> TokenStream {
    match &p.ty {
        TypeRef::String => quote!(&str),
        other => ty(other, Scope::Crate),
    }
}

fn method_tokens(m: Method) -> TokenStream {
    let id = format_ident!(
        "{}",
        match m {
            Method::Get => "Get",
            Method::Put => "Put",
            Method::Post => "Post",
            Method::Delete => "Delete",
            Method::Options => "Options",
            Method::Head => "Head",
            Method::Patch => "Patch",
            Method::Trace => "Trace",
        }
    );
    quote!(crate::runtime::Method::#id)
}

/// Arguments as (name, type) in signature order.
fn arguments(op: &Operation) -> Vec<(proc_macro2::Ident, TokenStream)> {
    let mut args = Vec::new();
    for p in op.path_params.iter().chain(op.required_params.iter()) {
        args.push((format_ident!("{}", p.rust_name), param_ty(p)));
    }
    if let Some(body) = &op.body {
        let t = match &body.kind {
            BodyKind::Json(TypeRef::Vec(item)) | BodyKind::Form(TypeRef::Vec(item)) => {
                let item = ty(item, Scope::Crate);
                quote!(&[#item])
            }
            BodyKind::Json(TypeRef::String) | BodyKind::Form(TypeRef::String) => quote!(&str),
            BodyKind::Json(t) | BodyKind::Form(t) => {
                let t = ty(t, Scope::Crate);
                quote!(&#t)
            }
            BodyKind::Bytes { .. } => quote!(::bytes::Bytes),
        };
        if let BodyKind::Bytes { content_type: None } = &body.kind {
            args.push((format_ident!("content_type"), quote!(&str)));
        }
        let t = if body.required || matches!(body.kind, BodyKind::Bytes { .. }) {
            t
        } else {
            quote!(::std::option::Option<#t>)
        };
        args.push((format_ident!("body"), t));
    }
    if let Some(name) = &op.params_struct {
        let name = format_ident!("{}", name);
        args.push((format_ident!("params"), quote!(crate::models::#name)));
    }
    args
}

fn decoder(success: &Success) -> TokenStream {
    match success {
        Success::Empty => quote!(crate::runtime::Empty),
        Success::Json(t) => {
            let t = ty(t, Scope::Crate);
            quote!(crate::runtime::Json<#t>)
        }
        Success::Text => quote!(crate::runtime::Text),
        Success::Binary => quote!(crate::runtime::Binary),
    }
}

fn operation(op: &Operation) -> TokenStream {
    let docs = doc_attrs(&op.docs);
    let name = format_ident!("{}", op.rust_name);
    let args = arguments(op);
    let sig = args.iter().map(|(n, t)| quote!(#n: #t));
    let decoder = decoder(&op.success);
    let id = &op.id;
    let method = method_tokens(op.method);
    let path = &op.path;
    let idempotent = op.idempotent;
    let scopes = &op.scopes;
    let mut chain = Vec::new();
    for p in &op.path_params {
        let wire = &p.wire_name;
        let arg = format_ident!("{}", p.rust_name);
        chain.push(match (&p.ty, p.style, p.explode) {
            (TypeRef::String, ParamStyle::Simple, false) => quote!(.path_param(#wire, #arg)),
            (t, ParamStyle::Simple, false) if is_scalar(t) => {
                quote!(.path_param_value(#wire, &#arg))
            }
            _ => {
                let style = style_tokens(p.style);
                let explode = p.explode;
                quote!(.path_param_with(#wire, #style, #explode, &#arg))
            }
        });
    }
    for p in &op.required_params {
        chain.push(param_call(p, quote!(&)));
    }
    for p in &op.optional_params {
        chain.push(param_call(p, quote!(&params.)));
    }
    if let Some(body) = &op.body {
        let optional = !body.required;
        chain.push(match &body.kind {
            BodyKind::Json(_) if optional => quote!(.json_body_opt(body)),
            BodyKind::Json(_) => quote!(.json_body(body)),
            BodyKind::Form(_) if optional => quote!(.form_body_opt(body)),
            BodyKind::Form(_) => quote!(.form_body(body)),
            BodyKind::Bytes {
                content_type: Some(ct),
            } => quote!(.bytes_body(#ct, body)),
            BodyKind::Bytes { content_type: None } => quote!(.bytes_body(content_type, body)),
        });
    }
    let allow = if args.len() > 6 {
        quote!(#[allow(clippy::too_many_arguments)])
    } else {
        quote!()
    };
    let main = quote! {
        #docs
        #allow
        pub fn #name(&self, #(#sig),*) -> crate::runtime::Call<#decoder> {
            const OPERATION: crate::runtime::Operation = crate::runtime::Operation {
                id: #id,
                method: #method,
                path: #path,
                idempotent: #idempotent,
                scopes: &[#(#scopes),*],
            };
            self.call(&OPERATION) #(#chain)*
        }
    };
    let Some(pagination) = &op.pagination else {
        return main;
    };
    let item = ty(&pagination.item, Scope::Crate);
    let stream = format_ident!("{}_stream", op.rust_name);
    let sig = args.iter().map(|(n, t)| quote!(#n: #t));
    let names = args.iter().map(|(n, _)| n);
    let doc = format!(
        " Every item of [`Self::{}`], following the `Link: <…>; rel=\"next\"` pages.",
        op.rust_name
    );
    let call = quote!(self.#name(#(#names),*));
    let body = match &pagination.field {
        None => quote!(crate::runtime::paginate(#call)),
        Some((field, presence)) => {
            let field = format_ident!("{}", field);
            let take = match presence {
                Presence::Required => quote!(page.#field),
                Presence::Optional | Presence::RequiredNullable => {
                    quote!(page.#field.unwrap_or_default())
                }
                Presence::OptionalNullable => quote!(page.#field.into_option().unwrap_or_default()),
            };
            quote!(crate::runtime::paginate_with(#call, |page| #take))
        }
    };
    quote! {
        #main

        #[doc = #doc]
        #allow
        pub fn #stream(&self, #(#sig),*) -> impl ::futures_util::Stream<Item = ::std::result::Result<#item, crate::runtime::Error>> + ::std::marker::Send + 'static {
            #body
        }
    }
}

fn param_call(p: &Param, access: TokenStream) -> TokenStream {
    let wire = &p.wire_name;
    let arg = format_ident!("{}", p.rust_name);
    let value = quote!(#access #arg);
    match p.location {
        crate::ir::ParamLocation::Header if !p.explode && is_scalar_or_list(&p.ty) => {
            quote!(.header_param(#wire, #value))
        }
        crate::ir::ParamLocation::Header => {
            let explode = p.explode;
            quote!(.header_param_with(#wire, #explode, #value))
        }
        _ if p.style == ParamStyle::Form && p.explode && !p.allow_reserved => {
            quote!(.query(#wire, #value))
        }
        _ => {
            let style = style_tokens(p.style);
            let explode = p.explode;
            let reserved = p.allow_reserved;
            quote!(.query_with(#wire, #style, #explode, #reserved, #value))
        }
    }
}

fn style_tokens(style: ParamStyle) -> TokenStream {
    let id = format_ident!(
        "{}",
        match style {
            ParamStyle::Simple => "Simple",
            ParamStyle::Label => "Label",
            ParamStyle::Matrix => "Matrix",
            ParamStyle::Form => "Form",
            ParamStyle::SpaceDelimited => "SpaceDelimited",
            ParamStyle::PipeDelimited => "PipeDelimited",
            ParamStyle::DeepObject => "DeepObject",
        }
    );
    quote!(crate::runtime::Style::#id)
}

/// A scalar, or an array of scalars (`header_param` joins it with commas).
fn is_scalar_or_list(t: &TypeRef) -> bool {
    match t {
        TypeRef::Vec(item) => is_scalar(item),
        other => is_scalar(other),
    }
}

/// A type whose JSON is a string, number or boolean.
fn is_scalar(t: &TypeRef) -> bool {
    !matches!(
        t,
        TypeRef::Vec(_) | TypeRef::Map(_) | TypeRef::Json | TypeRef::Named(_)
    )
}

//! Operations: one method on `crate::runtime::Client` per operation. Each
//! only describes the request; the runtime does the rest.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{Scope, doc_attrs, ty};
use crate::ir::{Api, BodyKind, Method, Operation, Param, ParamStyle, Presence, Success, TypeRef};

pub fn emit(api: &Api) -> TokenStream {
    let methods = api.operations.iter().map(operation);
    let calls = api.operations.iter().map(call_type);
    quote! {
        #![doc = " One marker type per operation: the `O` of the operation's [`Call<T, O>`](crate::Call),"]
        #![doc = " which carries the operation's optional parameters as methods. Because each"]
        #![doc = " operation has its own call type, an optional parameter added in a later release"]
        #![doc = " is one more method of it, and code that awaits, sends or names the call still"]
        #![doc = " compiles. The types have no values; they only name operations."]

        impl crate::runtime::Client {
            #(#methods)*
        }

        #(#calls)*
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
    args
}

/// What a successful call returns, and the runtime decoder that makes it.
fn output(success: &Success) -> (TokenStream, TokenStream) {
    match success {
        Success::Empty => (quote!(()), quote!(crate::runtime::decode::empty)),
        Success::Json(t) => {
            let t = ty(t, Scope::Crate);
            (t, quote!(crate::runtime::decode::json))
        }
        Success::Text => (
            quote!(::std::string::String),
            quote!(crate::runtime::decode::text),
        ),
        Success::Binary => (
            quote!(::bytes::Bytes),
            quote!(crate::runtime::decode::binary),
        ),
    }
}

/// A type as the docs show it (`String`, `Vec<i64>`, `models::Foo`).
fn rust_ty_text(t: &TypeRef) -> String {
    t.text("models::")
}

/// `crate::runtime::Call<Output, Marker>`.
fn call_ty(op: &Operation) -> TokenStream {
    let (out, _) = output(&op.success);
    let marker = format_ident!("{}", op.marker);
    quote!(crate::runtime::Call<#out, #marker>)
}

fn operation(op: &Operation) -> TokenStream {
    let mut docs = op.docs.clone();
    if !op.optional_params.is_empty() {
        docs.push(String::new());
        docs.push(String::from(
            "Optional parameters are methods of the returned call (`client.op(…).limit(10).await`):",
        ));
        docs.push(String::new());
        for p in &op.optional_params {
            let summary = p.docs.first().map(String::as_str).unwrap_or("");
            let summary = summary
                .split(". ")
                .next()
                .unwrap_or(summary)
                .trim_end_matches('.');
            docs.push(format!(
                "- `.{}(impl Into<{}>)` (`{}`){}{}",
                p.rust_name,
                rust_ty_text(&p.ty),
                p.wire_name,
                if summary.is_empty() { "" } else { ": " },
                summary
            ));
        }
    }
    if op.pagination.is_some() {
        docs.push(String::new());
        docs.push(String::from(
            "`.paginate()` on the returned call streams every item of every page.",
        ));
    }
    let docs = doc_attrs(&docs);
    let name = format_ident!("{}", op.rust_name);
    let args = arguments(op);
    let sig = args.iter().map(|(n, t)| quote!(#n: #t));
    let call_ty = call_ty(op);
    let (_, decode) = output(&op.success);
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
        let arg = format_ident!("{}", p.rust_name);
        chain.push(param_call(p, quote!(&#arg)));
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
    quote! {
        #docs
        #allow
        pub fn #name(&self, #(#sig),*) -> #call_ty {
            const OPERATION: crate::runtime::Operation = crate::runtime::Operation {
                id: #id,
                method: #method,
                path: #path,
                idempotent: #idempotent,
                scopes: &[#(#scopes),*],
            };
            let request = crate::runtime::Request::new(&OPERATION) #(#chain)*;
            self.call(request, #decode)
        }
    }
}

/// The marker type of an operation, and the methods of its call: one
/// setter per optional parameter, and `paginate` for a paginated one.
fn call_type(op: &Operation) -> TokenStream {
    let marker = format_ident!("{}", op.marker);
    let doc = format!(
        " The operation `{}` of [`Client::{}`](crate::Client::{}): the `O` of the [`Call<T, {}>`](crate::Call) it returns{}.",
        op.id,
        op.rust_name,
        op.rust_name,
        op.marker,
        match (op.optional_params.is_empty(), op.pagination.is_some()) {
            (true, false) => "",
            (false, false) => ", whose methods set its optional parameters",
            (true, true) => ", which has `paginate()`",
            (false, true) => ", whose methods set its optional parameters, and `paginate()`",
        }
    );
    let call_ty = call_ty(op);
    let setters = op.optional_params.iter().map(|p| {
        let mut docs = p.docs.clone();
        if !docs.is_empty() {
            docs.push(String::new());
        }
        let place = match p.location {
            crate::ir::ParamLocation::Header => "header",
            _ => "query parameter",
        };
        docs.push(format!(
            "Sets the {place} `{}` (left out unless set; setting it again replaces the value).",
            p.wire_name
        ));
        let docs = doc_attrs(&docs);
        let name = format_ident!("{}", p.rust_name);
        let t = ty(&p.ty, Scope::Crate);
        let set = param_call(p, quote!(&value));
        quote! {
            #docs
            pub fn #name(mut self, value: impl ::std::convert::Into<#t>) -> Self {
                let value: #t = value.into();
                self.request = self.request #set;
                self
            }
        }
    });
    let paginate = op.pagination.as_ref().map(|pagination| {
        let item = ty(&pagination.item, Scope::Crate);
        let doc = format!(
            " Every item of every page of [`Client::{}`](crate::Client::{}), following the `Link: <…>; rel=\"next\"` headers (only their path and query: the requests stay on the client's org). The stream is lazy, stops after the first error, and keeps this call's parameters, headers and timeout.",
            op.rust_name, op.rust_name
        );
        let body = match &pagination.field {
            None => quote!(crate::runtime::paginate(self)),
            Some((field, presence)) => {
                let field = format_ident!("{}", field);
                let take = match presence {
                    Presence::Required => quote!(page.#field),
                    Presence::Optional | Presence::RequiredNullable => {
                        quote!(page.#field.unwrap_or_default())
                    }
                    Presence::OptionalNullable => {
                        quote!(page.#field.into_option().unwrap_or_default())
                    }
                };
                quote!(crate::runtime::paginate_with(self, |page| #take))
            }
        };
        quote! {
            #[doc = #doc]
            pub fn paginate(self) -> impl ::futures_util::Stream<Item = ::std::result::Result<#item, crate::runtime::Error>> + ::std::marker::Send + 'static {
                #body
            }
        }
    });
    let methods: Vec<TokenStream> = setters.chain(paginate).collect();
    let imp = if methods.is_empty() {
        quote!()
    } else {
        quote! {
            // Setters are named after their parameters, whatever the name.
            #[allow(clippy::wrong_self_convention, clippy::should_implement_trait)]
            impl #call_ty {
                #(#methods)*
            }
        }
    };
    quote! {
        #[doc = #doc]
        #[derive(Debug)]
        pub enum #marker {}

        #imp
    }
}

/// The `Request` method that sets `p` to `value` (an expression of type `&T`).
fn param_call(p: &Param, value: TokenStream) -> TokenStream {
    let wire = &p.wire_name;
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

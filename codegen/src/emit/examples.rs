//! A round-trip test per spec example.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

use super::{Scope, ty};
use crate::ir::Api;

pub fn emit(api: &Api) -> TokenStream {
    let tests = api.examples.iter().map(|ex| {
        let name = format_ident!("{}", ex.name);
        let t = ty(&ex.ty, Scope::Crate);
        let pointer = &ex.pointer;
        let json = raw_string(&ex.json);
        quote! {
            #[test]
            fn #name() {
                crate::runtime::testing::assert_example_round_trips::<#t>(#pointer, #json);
            }
        }
    });
    quote! { #(#tests)* }
}

/// `r#"…"#` with enough hashes for `text`, so the JSON stays readable.
fn raw_string(text: &str) -> Literal {
    let mut hashes = String::from("#");
    while text.contains(&format!("\"{hashes}")) {
        hashes.push('#');
    }
    format!("r{hashes}\"{text}\"{hashes}")
        .parse()
        .unwrap_or_else(|_| Literal::string(text))
}

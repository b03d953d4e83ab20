//! The method names of the runtime's `Client` and `Call`, read from the
//! runtime's source. Shared by `build.rs` (which runs it over
//! `okta-identity-source/src/runtime/` and writes the lists the generator
//! reserves) and this crate's tests.
//!
//! A generated operation (an inherent method of `Client`) or optional
//! parameter (an inherent method of its `Call<T, O>`) named like a method
//! the runtime defines would either not compile (a second inherent method
//! of that name) or hide the runtime's method (a trait method, such as
//! `clone`); so every method of every `impl` block of these types, at any
//! visibility and in any file or inline module, and every method of the
//! traits they derive, is reserved.

use std::collections::BTreeSet;

/// Methods of each derivable trait, for `#[derive(..)]` on the types.
const DERIVED: &[(&str, &[&str])] = &[
    ("Clone", &["clone", "clone_from"]),
    ("Debug", &["fmt"]),
    ("Default", &["default"]),
    ("PartialEq", &["eq", "ne"]),
    ("Hash", &["hash"]),
];

/// The methods of `ty` (a type name such as `Client`) found in `source`.
pub fn methods(source: &str, ty: &str) -> Result<BTreeSet<String>, String> {
    let file = syn::parse_file(source).map_err(|e| e.to_string())?;
    let mut out = BTreeSet::new();
    collect(&file.items, ty, &mut out);
    Ok(out)
}

fn collect(items: &[syn::Item], ty: &str, out: &mut BTreeSet<String>) {
    for item in items {
        match item {
            syn::Item::Impl(imp) if names(&imp.self_ty, ty) => {
                for it in &imp.items {
                    if let syn::ImplItem::Fn(f) = it {
                        out.insert(f.sig.ident.to_string());
                    }
                }
            }
            syn::Item::Struct(s) if s.ident == ty => {
                for attr in &s.attrs {
                    if !attr.path().is_ident("derive") {
                        continue;
                    }
                    let _ = attr.parse_nested_meta(|meta| {
                        if let Some(name) = meta.path.segments.last() {
                            let name = name.ident.to_string();
                            for (trait_name, methods) in DERIVED {
                                if *trait_name == name {
                                    out.extend(methods.iter().map(|m| m.to_string()));
                                }
                            }
                        }
                        Ok(())
                    });
                }
            }
            syn::Item::Mod(m) => {
                if let Some((_, inner)) = &m.content {
                    collect(inner, ty, out);
                }
            }
            _ => {}
        }
    }
}

/// Whether the `impl` is for `ty` (any path ending in it, any generics).
fn names(self_ty: &syn::Type, ty: &str) -> bool {
    match self_ty {
        syn::Type::Path(p) => p.path.segments.last().is_some_and(|s| s.ident == ty),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::methods;

    #[test]
    fn every_visibility_impl_and_derive_is_found() {
        let source = r#"
            #[derive(Clone, Debug)]
            pub struct Call<T, O = ()> { x: T, o: O }
            impl<T, O> Call<T, O> {
                pub fn send(self) {}
                pub(crate) fn helper(&self) {}
                fn private(&self) {}
                async fn later(&self) {}
            }
            impl<T: Send, O> std::future::IntoFuture for crate::runtime::Call<T, O> {
                fn into_future(self) {}
            }
            impl Other { fn not_this(&self) {} }
            mod inner { impl<T, O> super::Call<T, O> { fn nested(&self) {} } }
        "#;
        let found: Vec<String> = methods(source, "Call").unwrap().into_iter().collect();
        assert_eq!(
            found,
            [
                "clone",
                "clone_from",
                "fmt",
                "helper",
                "into_future",
                "later",
                "nested",
                "private",
                "send"
            ]
        );
        assert!(methods("fn (", "Call").is_err());
    }
}

//! The check that the runtime stays a one-way graph: every module uses
//! only modules of lower layers, as the code map in `runtime/mod.rs` lists
//! them (`# Layers`). Test-only.
//!
//! It reads the runtime's sources (beside this file, so a standalone copy
//! checks itself), drops comments, strings and character literals, and
//! follows every `super::…` and `crate::runtime::…` path, `use` groups
//! (`super::{a::X, b}`) and nested modules (`mod tests { use super::*; }`
//! means the file's own module) included, to the runtime module it names.
//! A path that names a re-export of `runtime/mod.rs` (`super::Client`) or a
//! glob of it is refused, since it would hide which module is used.
//!
//! What it cannot see: a module that uses another without naming it (a
//! method called on a value whose type only a third module names), paths
//! built by macros (`$crate::…`), `#[path]` attributes, and aliases such as
//! `use super as rt;` followed by `rt::x` (none of which the runtime uses).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Ident(String),
    PathSep,
    Punct(char),
}

/// Tokens of Rust source with their line numbers; comments, string, byte
/// string, raw string and character literals dropped, lifetimes skipped.
fn tokens(text: &str) -> Vec<(Token, usize)> {
    let c: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    let newlines = |from: usize, to: usize| {
        c[from..to.min(c.len())]
            .iter()
            .filter(|&&x| x == '\n')
            .count()
    };
    while i < c.len() {
        let ch = c[i];
        let next = c.get(i + 1).copied();
        if ch == '\n' {
            line += 1;
            i += 1;
        } else if ch.is_whitespace() {
            i += 1;
        } else if ch == '/' && next == Some('/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if ch == '/' && next == Some('*') {
            let (start, mut depth) = (i, 0usize);
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            line += newlines(start, i);
        } else if let Some(end) = raw_string_end(&c, i) {
            line += newlines(i, end);
            i = end;
        } else if ch == '"' || (ch == 'b' && next == Some('"')) {
            let start = i;
            i += if ch == 'b' { 2 } else { 1 };
            while i < c.len() && c[i] != '"' {
                i += if c[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            line += newlines(start, i);
        } else if ch == '\'' || (ch == 'b' && next == Some('\'')) {
            let q = if ch == 'b' { i + 1 } else { i };
            if c.get(q + 1) == Some(&'\\') {
                // An escaped character literal: '\n', '\'', '\u{7f}'.
                i = q + 3;
                while i < c.len() && c[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if c.get(q + 2) == Some(&'\'') {
                i = q + 3;
            } else if ch == 'b' {
                // `b` followed by a lifetime cannot be; treat `b` as a name.
                out.push((Token::Ident("b".into()), line));
                i += 1;
            } else {
                // A lifetime or label: skip the quote, the name follows.
                i += 1;
                while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                    i += 1;
                }
            }
        } else if ch.is_alphanumeric() || ch == '_' {
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                i += 1;
            }
            let word: String = c[start..i].iter().collect();
            if !word.starts_with(|d: char| d.is_ascii_digit()) {
                out.push((Token::Ident(word), line));
            }
            if c.get(i) == Some(&'#') && c[start..i] == ['r'] {
                // `r#name`: the `#` is part of a raw identifier.
                i += 1;
                let s = i;
                while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_') {
                    i += 1;
                }
                out.pop();
                out.push((Token::Ident(c[s..i].iter().collect()), line));
            }
        } else if ch == ':' && next == Some(':') {
            out.push((Token::PathSep, line));
            i += 2;
        } else {
            out.push((Token::Punct(ch), line));
            i += 1;
        }
    }
    out
}

/// Where a raw (byte) string literal starting at `i` ends, if one does.
fn raw_string_end(c: &[char], i: usize) -> Option<usize> {
    let mut j = i;
    if c.get(j) == Some(&'b') {
        j += 1;
    }
    if c.get(j) != Some(&'r') || (i > 0 && (c[i - 1].is_alphanumeric() || c[i - 1] == '_')) {
        return None;
    }
    j += 1;
    let mut hashes = 0;
    while c.get(j) == Some(&'#') {
        hashes += 1;
        j += 1;
    }
    if c.get(j) != Some(&'"') {
        return None;
    }
    j += 1;
    while j < c.len() {
        if c[j] == '"' && (1..=hashes).all(|h| c.get(j + h) == Some(&'#')) {
            return Some(j + 1 + hashes);
        }
        j += 1;
    }
    Some(c.len())
}

/// A reference from one runtime module to another, or a problem found.
#[derive(Debug, PartialEq, Eq)]
enum Found {
    /// The top-level runtime module named, and the line.
    Uses(String, usize),
    /// A path the check refuses, explained, and the line.
    Refused(String, usize),
}

/// The runtime modules that the file of module `path` (`["config", "env"]`
/// for `runtime/config/env.rs`) names.
fn references(text: &str, path: &[String]) -> Vec<Found> {
    let toks = tokens(text);
    let mut found = Vec::new();
    // Inline modules open in this file: (name, brace depth inside it).
    let mut scope: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let ident = |k: usize| match toks.get(k) {
        Some((Token::Ident(s), _)) => Some(s.as_str()),
        _ => None,
    };
    let sep = |k: usize| matches!(toks.get(k), Some((Token::PathSep, _)));
    let mut k = 0;
    while k < toks.len() {
        let line = toks[k].1;
        match &toks[k].0 {
            Token::Punct('{') => depth += 1,
            Token::Punct('}') => {
                if scope.last().is_some_and(|(_, d)| *d == depth) {
                    scope.pop();
                }
                depth = depth.saturating_sub(1);
            }
            Token::Ident(w) if w == "mod" => {
                if let (Some(name), Some((Token::Punct('{'), _))) = (ident(k + 1), toks.get(k + 2))
                {
                    depth += 1;
                    scope.push((name.to_owned(), depth));
                    k += 3;
                    continue;
                }
            }
            Token::Ident(w) if (w == "super" || w == "crate") && !(k > 0 && sep(k - 1)) => {
                let mut at: Vec<String> = path.to_vec();
                at.extend(scope.iter().map(|(n, _)| n.clone()));
                let first;
                if w == "crate" {
                    if !(sep(k + 1) && ident(k + 2) == Some("runtime")) {
                        if sep(k + 1) {
                            found.push(Found::Refused(
                                "names the crate outside the runtime, which is copied verbatim into other crates".into(),
                                line,
                            ));
                        }
                        k += 1;
                        continue;
                    }
                    if !sep(k + 3) {
                        k += 3;
                        continue;
                    }
                    at.clear();
                    first = k + 4;
                } else {
                    let mut j = k;
                    while ident(j) == Some("super") && sep(j + 1) {
                        if at.pop().is_none() {
                            found.push(Found::Refused("`super` leaves the runtime".into(), line));
                        }
                        j += 2;
                    }
                    if j == k || ident(j) == Some("super") {
                        // A bare `super` (`pub(super)`) or `use super::super;`.
                        k = j + 1;
                        continue;
                    }
                    first = j;
                }
                if let Some(top) = at.first() {
                    // Inside a runtime module: its own items or children.
                    if top != &path[0] {
                        found.push(Found::Uses(top.clone(), line));
                    }
                    k = first;
                    continue;
                }
                match &toks.get(first).map(|t| &t.0) {
                    Some(Token::Ident(name)) => found.push(Found::Uses(name.clone(), line)),
                    Some(Token::Punct('*')) => found.push(Found::Refused(
                        "a glob of `runtime/mod.rs` hides which modules are used".into(),
                        line,
                    )),
                    Some(Token::Punct('{')) => {
                        // Each element of the group: its first segment.
                        let (mut m, mut d, mut expect) = (first + 1, 1usize, true);
                        while m < toks.len() && d > 0 {
                            match &toks[m].0 {
                                Token::Punct('{') => d += 1,
                                Token::Punct('}') => d -= 1,
                                Token::Punct(',') if d == 1 => {
                                    expect = true;
                                    m += 1;
                                    continue;
                                }
                                Token::Ident(name) if expect && d == 1 => {
                                    found.push(Found::Uses(name.clone(), toks[m].1));
                                }
                                Token::Punct('*') if expect && d == 1 => {
                                    found.push(Found::Refused(
                                        "a glob of `runtime/mod.rs` hides which modules are used"
                                            .into(),
                                        toks[m].1,
                                    ))
                                }
                                _ => {}
                            }
                            expect = false;
                            m += 1;
                        }
                        k = m;
                        continue;
                    }
                    _ => {}
                }
                k = first;
                continue;
            }
            _ => {}
        }
        k += 1;
    }
    found
}

/// `(module path, file)` of every runtime source under `dir`:
/// `x.rs` is `["x"]`, `x/mod.rs` is `["x"]`, `x/y.rs` is `["x", "y"]`.
fn sources(dir: &Path, prefix: &[String], out: &mut Vec<(Vec<String>, PathBuf)>) {
    let mut entries: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        let Some(name) = p.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
            continue;
        };
        let mut path = prefix.to_vec();
        if p.is_dir() {
            path.push(name);
            sources(&p, &path, out);
        } else if let Some(stem) = name.strip_suffix(".rs") {
            if stem != "mod" {
                path.push(stem.to_owned());
            }
            out.push((path, p));
        }
    }
}

/// The `# Layers` list of the code map: `N. `a`, `b`: …` lines, lowest
/// first, as module → layer number.
fn layers(mod_rs: &str) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    let mut on = false;
    for line in mod_rs.lines() {
        let Some(doc) = line.strip_prefix("//!") else {
            continue;
        };
        let doc = doc.trim();
        if doc.starts_with('#') {
            on = doc == "# Layers";
            continue;
        }
        if !on {
            continue;
        }
        let Some((number, rest)) = doc.split_once(". ") else {
            continue;
        };
        let Ok(number) = number.parse::<usize>() else {
            continue;
        };
        let names = rest.split_once(':').map_or(rest, |(names, _)| names);
        for name in names.split(',') {
            let name = name.trim().trim_matches('`');
            if !name.is_empty() {
                assert!(
                    out.insert(name.to_owned(), number).is_none(),
                    "`{name}` is listed in two layers"
                );
            }
        }
    }
    out
}

#[test]
fn every_module_uses_only_lower_layers() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/runtime");
    let mod_rs = fs::read_to_string(dir.join("mod.rs")).expect("runtime/mod.rs");
    let layer = layers(&mod_rs);
    let mut files = Vec::new();
    sources(&dir, &[], &mut files);
    let mut problems = Vec::new();
    let mut edges = 0;
    for (path, file) in &files {
        let Some(top) = path.first() else {
            continue; // runtime/mod.rs: the facade
        };
        let Some(&from) = layer.get(top) else {
            problems.push(format!(
                "{}: module `{top}` is in no layer of the code map in runtime/mod.rs",
                file.display()
            ));
            continue;
        };
        let text = fs::read_to_string(file).expect("runtime source");
        for f in references(&text, path) {
            match f {
                Found::Uses(to, _) if &to == top => {}
                Found::Uses(to, line) => match layer.get(&to) {
                    Some(&l) if l < from => edges += 1,
                    Some(&l) => problems.push(format!(
                        "{}:{line}: `{top}` (layer {from}) uses `{to}` (layer {l}); a module uses only lower layers",
                        file.display()
                    )),
                    None => problems.push(format!(
                        "{}:{line}: `{to}` is not a runtime module (a re-export of runtime/mod.rs?); name the module that defines it",
                        file.display()
                    )),
                },
                Found::Refused(why, line) => {
                    problems.push(format!("{}:{line}: {why}", file.display()))
                }
            }
        }
    }
    for name in layer.keys() {
        if !files.iter().any(|(p, _)| p.first() == Some(name)) {
            problems.push(format!(
                "the code map lists `{name}`, which has no source file"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(
        edges > 30,
        "only {edges} references found: is the parser still reading the sources?"
    );
}

#[test]
fn the_parser_sees_through_comments_strings_and_nesting() {
    let text = r####"
        // super::commented::Out
        /* super::block /* nested super::x */ still::comment */
        use super::error::{Error, Result};
        use super::{auth::AuthSpec, tls, config::{ClientBuilder, Resolved}};
        const S: &str = "super::in_string::X \" super::still_string";
        const R: &str = r#"super::raw "quoted" super::raw2"#;
        const C: char = '{';
        const Q: char = '\'';
        fn f<'a>(x: &'a str) -> &'a str { let _ = super::retry::backoff; x }
        pub(super) fn g() {}
        mod tests {
            use super::*;
            use super::super::http::read_body;
            fn h() { let b = b'}'; tracing::info!("{}", super::super::encode::x()); }
        }
        fn after() { crate::runtime::paginate::paginate(); crate::runtime::secret::S; }
    "####;
    let found = references(text, &["client".to_owned()]);
    let names: Vec<&str> = found
        .iter()
        .map(|f| match f {
            Found::Uses(n, _) => n.as_str(),
            Found::Refused(..) => "REFUSED",
        })
        .collect();
    assert_eq!(
        names,
        [
            "error", "auth", "tls", "config", "retry", "http", "encode", "paginate", "secret"
        ]
    );
    assert_eq!(found[0], Found::Uses("error".into(), 4));
    assert_eq!(found.last(), Some(&Found::Uses("secret".into(), 17)));
}

#[test]
fn facade_paths_and_paths_out_of_the_runtime_are_refused() {
    let refused = |text: &str, path: &[&str]| {
        let path: Vec<String> = path.iter().map(|s| s.to_string()).collect();
        references(text, &path)
    };
    assert_eq!(
        refused("use super::*;", &["call"]),
        [Found::Refused(
            "a glob of `runtime/mod.rs` hides which modules are used".into(),
            1
        )]
    );
    assert!(matches!(
        &refused("use crate::models::User;", &["call"])[..],
        [Found::Refused(..)]
    ));
    assert!(matches!(
        &refused("use super::super::x;", &["call"])[..],
        [Found::Refused(..), ..]
    ));
    // `super::Client` names a re-export: reported as a module that does not
    // exist, which the layer check turns into an error.
    assert_eq!(
        refused("use super::Client;", &["call"]),
        [Found::Uses("Client".into(), 1)]
    );
    // Inside a folder module, `super::` is the folder: not a runtime edge.
    assert_eq!(
        refused("use super::layer::Settings;", &["config", "env"]),
        []
    );
    assert_eq!(
        refused("use super::super::auth::AuthSpec;", &["config", "env"]),
        [Found::Uses("auth".into(), 1)]
    );
}

#[test]
fn the_code_map_lists_layers() {
    let map = "//! # Code map\n//!\n//! # Layers\n//!\n//! 1. `a`, `b`: leaves.\n//! 2. `c`: uses `a`.\n//!\n//! # Other\n//! 3. `z`: not a layer\n";
    let got = layers(map);
    assert_eq!(
        got.into_iter().collect::<Vec<_>>(),
        [
            ("a".to_owned(), 1),
            ("b".to_owned(), 1),
            ("c".to_owned(), 2)
        ]
    );
}

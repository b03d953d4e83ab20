//! Generation is a function of the spec's content, not of its layout: the
//! same text gives the same bytes, and so does the same spec with its maps
//! written in reverse order.

use serde_yaml::{Mapping, Value};

const SPEC: &str = include_str!("../../../spec/okta-identity-source.yaml");
const LABEL: &str = "spec/okta-identity-source.yaml";

fn generate(text: &str) -> codegen::Output {
    match codegen::generate(LABEL, text) {
        Ok(output) => output,
        Err(diagnostics) => panic!(
            "spec/ must generate:\n{}",
            diagnostics
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}

fn files(output: &codegen::Output) -> Vec<(String, String)> {
    output
        .files
        .iter()
        .map(|f| (f.path.clone(), f.contents.clone()))
        .collect()
}

/// Every mapping with its keys in reverse order, except the maps whose
/// order is meaning: `properties` (the order of a struct's fields) and
/// `content` (the first declared media type is the one used when none is
/// JSON). Their values are still reversed inside.
fn reversed(v: &Value, ordered: bool) -> Value {
    match v {
        Value::Mapping(m) => {
            let mut entries: Vec<(Value, Value)> = m
                .iter()
                .map(|(k, v)| {
                    let keep = matches!(k.as_str(), Some("properties" | "content"));
                    (k.clone(), reversed(v, keep))
                })
                .collect();
            if !ordered {
                entries.reverse();
            }
            entries.into_iter().collect::<Mapping>().into()
        }
        Value::Sequence(s) => Value::Sequence(s.iter().map(|v| reversed(v, false)).collect()),
        other => other.clone(),
    }
}

#[test]
fn generating_twice_gives_identical_bytes() {
    let first = generate(SPEC);
    let second = generate(SPEC);
    assert_eq!(files(&first), files(&second));
    assert_eq!(first.warnings, second.warnings);
}

#[test]
fn the_order_of_paths_and_components_does_not_matter() {
    let doc: Value = serde_yaml::from_str(SPEC).expect("spec/ is YAML");
    let text = serde_yaml::to_string(&reversed(&doc, false)).expect("YAML serializes");
    assert_ne!(text, serde_yaml::to_string(&doc).expect("YAML serializes"));
    let straight = generate(SPEC);
    let backwards = generate(&text);
    for ((path, a), (_, b)) in files(&straight).iter().zip(files(&backwards).iter()) {
        if a != b {
            let first = a
                .lines()
                .zip(b.lines())
                .position(|(x, y)| x != y)
                .unwrap_or(0);
            let show = |s: &str| {
                s.lines()
                    .skip(first.saturating_sub(3))
                    .take(8)
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            panic!(
                "{path} depends on the order of the spec's maps; first difference at line {}:\n--- in order\n{}\n--- reversed\n{}",
                first + 1,
                show(a),
                show(b)
            );
        }
    }
    assert_eq!(files(&straight), files(&backwards));
    assert_eq!(straight.warnings, backwards.warnings);
}

//! A bounded, deterministic fuzz test: structural mutations of
//! `spec/okta-identity-source.yaml` (keys deleted and inserted, values
//! swapped and retyped, operationIds duplicated and renamed, `$ref`s broken,
//! junk scalars, truncated text), each run through `codegen::generate`.
//!
//! Invariants, for every case: no panic; an `Err` carries at least one error
//! and every diagnostic names the file and a JSON pointer starting with `#`
//! that resolves in the mutated document (when it is still YAML); an `Ok`
//! carries only warnings and every generated file parses as Rust.
//!
//! The cases are a fixed sequence (seed `DEFAULT_SEED`): case `n` is the
//! same on every machine. The run stops after `DEFAULT_CASES` cases or
//! `DEFAULT_SECONDS`, whichever comes first, but always runs at least
//! `MIN_CASES` (a debug build on a busy machine generates the spec in about
//! 0.1 s; a release build runs all cases in seconds). `FUZZ_SEED`,
//! `FUZZ_CASES` and `FUZZ_SECONDS` override them; a failure prints the case
//! number and the mutated document to reproduce it.

use crate::common;

use common::{diagnostic_problems, generate_caught, unparsable_files};
use serde_yaml::{Mapping, Value};

const SPEC: &str = include_str!("../../../spec/okta-identity-source.yaml");
const LABEL: &str = "spec/okta-identity-source.yaml";
const DEFAULT_SEED: u64 = 0x0bad_5bec_2026_0603;
const DEFAULT_CASES: usize = 2000;
const DEFAULT_SECONDS: u64 = 10;
const MIN_CASES: usize = 50;

/// SplitMix64: tiny, fixed, and good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() {
            None
        } else {
            items.get(self.below(items.len()))
        }
    }
}

/// One step from a node to a child.
#[derive(Clone, Debug)]
enum Step {
    Key(Value),
    Index(usize),
}

type Path = Vec<Step>;

fn all_paths(v: &Value) -> Vec<Path> {
    fn walk(v: &Value, here: &mut Path, out: &mut Vec<Path>) {
        out.push(here.clone());
        match v {
            Value::Mapping(m) => {
                for (k, child) in m {
                    here.push(Step::Key(k.clone()));
                    walk(child, here, out);
                    here.pop();
                }
            }
            Value::Sequence(s) => {
                for (i, child) in s.iter().enumerate() {
                    here.push(Step::Index(i));
                    walk(child, here, out);
                    here.pop();
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(v, &mut Vec::new(), &mut out);
    out
}

fn get_mut<'v>(v: &'v mut Value, path: &[Step]) -> Option<&'v mut Value> {
    let mut node = v;
    for step in path {
        node = match (step, node) {
            (Step::Key(k), Value::Mapping(m)) => m.get_mut(k)?,
            (Step::Index(i), Value::Sequence(s)) => s.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(node)
}

fn get<'v>(v: &'v Value, path: &[Step]) -> Option<&'v Value> {
    let mut node = v;
    for step in path {
        node = match (step, node) {
            (Step::Key(k), Value::Mapping(m)) => m.get(k)?,
            (Step::Index(i), Value::Sequence(s)) => s.get(*i)?,
            _ => return None,
        };
    }
    Some(node)
}

fn junk(rng: &mut Rng) -> Value {
    let choices: Vec<Value> = vec![
        Value::Null,
        Value::Bool(true),
        Value::Bool(false),
        Value::from(0),
        Value::from(-1),
        Value::from(7),
        Value::from(u64::MAX),
        Value::from(1.5e300),
        Value::from(""),
        Value::from("junk"),
        Value::from("{"),
        Value::from("}{"),
        Value::from("type"),
        Value::from("self"),
        Value::from("(?i)^x$"),
        Value::from("3.1.0"),
        Value::from("#/components/schemas/Nope"),
        Value::from("other.yaml#/components/schemas/X"),
        Value::from("ünïcödé ✓"),
        Value::Sequence(Vec::new()),
        Value::Sequence(vec![Value::from(1), Value::Null, Value::from("a")]),
        Value::Mapping(Mapping::new()),
        {
            let mut m = Mapping::new();
            m.insert(Value::from("type"), Value::from("object"));
            m.insert(Value::from("properties"), Value::Sequence(Vec::new()));
            Value::Mapping(m)
        },
        {
            let mut m = Mapping::new();
            m.insert(
                Value::from("$ref"),
                Value::from("#/components/schemas/IdentitySourceSession"),
            );
            Value::Mapping(m)
        },
    ];
    choices[rng.below(choices.len())].clone()
}

const JUNK_KEYS: &[&str] = &[
    "type",
    "$ref",
    "items",
    "enum",
    "allOf",
    "oneOf",
    "anyOf",
    "not",
    "nullable",
    "required",
    "properties",
    "default",
    "additionalProperties",
    "discriminator",
    "operationId",
    "parameters",
    "responses",
    "content",
    "schema",
    "in",
    "name",
    "x-junk",
    "/api/{x}",
    "",
];

const JUNK_IDS: &[&str] = &[
    "", "new", "type", "self", "123", "a b", "über", "get_user", "builder", "_", "Self",
];

/// Apply one random mutation; returns what it did (for the failure report).
fn mutate(doc: &mut Value, rng: &mut Rng) -> String {
    let paths = all_paths(doc);
    let with = |pred: &dyn Fn(&Value) -> bool| -> Vec<Path> {
        paths
            .iter()
            .filter(|p| get(doc, p).is_some_and(pred))
            .cloned()
            .collect()
    };
    let key_is =
        |p: &Path, name: &str| matches!(p.last(), Some(Step::Key(Value::String(k))) if k == name);
    match rng.below(10) {
        0 => {
            let maps = with(&|v: &Value| v.as_mapping().is_some_and(|m| !m.is_empty()));
            let Some(p) = rng.pick(&maps).cloned() else {
                return String::from("nothing");
            };
            let Some(Value::Mapping(m)) = get_mut(doc, &p) else {
                return String::from("nothing");
            };
            let keys: Vec<Value> = m.keys().cloned().collect();
            let k = keys[rng.below(keys.len())].clone();
            m.remove(&k);
            format!("delete key {k:?} at {p:?}")
        }
        1 => {
            let seqs = with(&|v: &Value| v.as_sequence().is_some_and(|s| !s.is_empty()));
            let Some(p) = rng.pick(&seqs).cloned() else {
                return String::from("nothing");
            };
            if let Some(Value::Sequence(s)) = get_mut(doc, &p) {
                let i = rng.below(s.len());
                s.remove(i);
            }
            format!("delete item at {p:?}")
        }
        2 => {
            let Some(p) = rng.pick(&paths[1..]).cloned() else {
                return String::from("nothing");
            };
            let j = junk(rng);
            if let Some(node) = get_mut(doc, &p) {
                *node = j.clone();
            }
            format!("replace {p:?} with {j:?}")
        }
        3 => {
            // Copy one node over another (a one-sided swap keeps sizes bounded).
            let (Some(a), Some(b)) = (
                rng.pick(&paths[1..]).cloned(),
                rng.pick(&paths[1..]).cloned(),
            ) else {
                return String::from("nothing");
            };
            let Some(value) = get(doc, &a).cloned() else {
                return String::from("nothing");
            };
            if let Some(node) = get_mut(doc, &b) {
                *node = value;
            }
            format!("copy {a:?} over {b:?}")
        }
        4 => {
            // Change a node's type, keeping its contents where possible.
            let Some(p) = rng.pick(&paths[1..]).cloned() else {
                return String::from("nothing");
            };
            let Some(node) = get_mut(doc, &p) else {
                return String::from("nothing");
            };
            *node = match std::mem::take(node) {
                Value::Mapping(m) => Value::Sequence(m.into_iter().map(|(_, v)| v).collect()),
                Value::Sequence(s) => Value::Mapping(
                    s.into_iter()
                        .enumerate()
                        .map(|(i, v)| (Value::from(i as u64), v))
                        .collect(),
                ),
                Value::String(s) => match s.parse::<i64>() {
                    Ok(n) => Value::from(n),
                    Err(_) => Value::from(s.len() as u64),
                },
                Value::Number(n) => Value::from(n.to_string()),
                Value::Bool(b) => Value::from(b.to_string()),
                Value::Null => Value::from("null"),
                Value::Tagged(t) => t.value,
            };
            format!("retype {p:?}")
        }
        5 => {
            let ids = with(&|v: &Value| v.is_string());
            let ids: Vec<Path> = ids
                .into_iter()
                .filter(|p| key_is(p, "operationId"))
                .collect();
            let (Some(a), Some(b)) = (rng.pick(&ids).cloned(), rng.pick(&ids).cloned()) else {
                return String::from("nothing");
            };
            let new = if rng.below(2) == 0 {
                get(doc, &a).cloned().unwrap_or(Value::Null)
            } else {
                Value::from(JUNK_IDS[rng.below(JUNK_IDS.len())])
            };
            if let Some(node) = get_mut(doc, &b) {
                *node = new.clone();
            }
            format!("operationId at {b:?} := {new:?}")
        }
        6 => {
            let refs: Vec<Path> = with(&|v: &Value| v.is_string())
                .into_iter()
                .filter(|p| key_is(p, "$ref"))
                .collect();
            let Some(p) = rng.pick(&refs).cloned() else {
                return String::from("nothing");
            };
            let Some(Value::String(old)) = get(doc, &p).cloned() else {
                return String::from("nothing");
            };
            let kinds = [
                "schemas",
                "parameters",
                "responses",
                "requestBodies",
                "examples",
            ];
            let kind = kinds[rng.below(kinds.len())];
            let target = old.rsplit('/').next().unwrap_or("").to_string();
            let new = match rng.below(7) {
                0 => format!("{old}x"),
                1 => format!("other.yaml{old}"),
                2 => format!("#/components/{kind}/{target}"),
                3 => format!("#/components/{kind}/"),
                4 => String::from("#"),
                5 => String::new(),
                _ => format!("#/components/schemas/{target}/properties/id"),
            };
            if let Some(node) = get_mut(doc, &p) {
                *node = Value::from(new.clone());
            }
            format!("$ref at {p:?} := {new:?}")
        }
        7 => {
            let maps = with(&|v: &Value| v.is_mapping());
            let Some(p) = rng.pick(&maps).cloned() else {
                return String::from("nothing");
            };
            let key = JUNK_KEYS[rng.below(JUNK_KEYS.len())];
            let value = junk(rng);
            if let Some(Value::Mapping(m)) = get_mut(doc, &p) {
                m.insert(Value::from(key), value.clone());
            }
            format!("insert {key:?}: {value:?} at {p:?}")
        }
        8 => {
            // Rename a key (path templates, property names, status codes, …).
            let maps = with(&|v: &Value| v.as_mapping().is_some_and(|m| !m.is_empty()));
            let Some(p) = rng.pick(&maps).cloned() else {
                return String::from("nothing");
            };
            let Some(Value::Mapping(m)) = get_mut(doc, &p) else {
                return String::from("nothing");
            };
            let keys: Vec<Value> = m.keys().cloned().collect();
            let k = keys[rng.below(keys.len())].clone();
            let old = k.as_str().unwrap_or("k").to_string();
            let new = match rng.below(6) {
                0 => old.replacen('}', "", 1),
                1 => format!("{old}/{{extra}}"),
                2 => old.to_uppercase(),
                3 => format!("{old}{{"),
                4 => String::from("2X0"),
                _ => old.chars().rev().collect(),
            };
            if let Some(v) = m.remove(&k) {
                m.insert(Value::from(new.clone()), v);
            }
            format!("rename key {k:?} to {new:?} at {p:?}")
        }
        _ => {
            // Duplicate a sequence item (parameters, enum values, allOf members, …).
            let seqs = with(&|v: &Value| v.as_sequence().is_some_and(|s| !s.is_empty()));
            let Some(p) = rng.pick(&seqs).cloned() else {
                return String::from("nothing");
            };
            if let Some(Value::Sequence(s)) = get_mut(doc, &p) {
                let item = s[rng.below(s.len())].clone();
                s.push(item);
            }
            format!("duplicate an item at {p:?}")
        }
    }
}

/// Check one input; `Ok(true)` when it generated, `Ok(false)` when it was
/// rejected, `Err` describing every broken invariant.
/// `doc` is `text` parsed, when the caller already has it.
fn check(text: &str, doc: Option<Value>) -> Result<bool, Vec<String>> {
    let doc: Option<Value> = doc.or_else(|| serde_yaml::from_str(text).ok());
    let result = match generate_caught(LABEL, text) {
        Ok(r) => r,
        Err(panic) => return Err(vec![format!("PANIC: {panic}")]),
    };
    let mut problems = Vec::new();
    let generated = result.is_ok();
    match result {
        Ok(output) => {
            for d in &output.warnings {
                if d.is_error() {
                    problems.push(format!("Ok with an error diagnostic: {d}"));
                }
                problems.extend(diagnostic_problems(LABEL, doc.as_ref(), d));
            }
            problems.extend(unparsable_files(&output));
        }
        Err(diagnostics) => {
            if !diagnostics.iter().any(|d| d.is_error()) {
                problems.push(format!("Err without an error diagnostic: {diagnostics:?}"));
            }
            for d in &diagnostics {
                problems.extend(diagnostic_problems(LABEL, doc.as_ref(), d));
            }
        }
    }
    if problems.is_empty() {
        Ok(generated)
    } else {
        Err(problems)
    }
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn mutated_specs_never_panic_and_always_locate_their_diagnostics() {
    let seed: u64 = env_or("FUZZ_SEED", DEFAULT_SEED);
    let cases: usize = env_or("FUZZ_CASES", DEFAULT_CASES);
    let budget = std::time::Duration::from_secs(env_or("FUZZ_SECONDS", DEFAULT_SECONDS));
    let started = std::time::Instant::now();
    let base: Value = serde_yaml::from_str(SPEC).expect("spec/ parses as YAML");
    assert_eq!(
        check(SPEC, None),
        Ok(true),
        "the unmutated spec must generate"
    );

    // Keep panics of the generator from flooding the output: they are
    // caught and reported below with the input that caused them.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));

    let mut rng = Rng(seed);
    let mut failures: Vec<String> = Vec::new();
    let (mut ok, mut err) = (0usize, 0usize);
    let mut ran = 0;
    for case in 0..cases {
        if case >= MIN_CASES && started.elapsed() > budget {
            break;
        }
        ran += 1;
        let mut doc = base.clone();
        let mut log = Vec::new();
        for _ in 0..=rng.below(3) {
            log.push(mutate(&mut doc, &mut rng));
        }
        let mut text = serde_yaml::to_string(&doc).expect("a YAML value serializes");
        let mut parsed = Some(doc);
        if rng.below(20) == 0 {
            parsed = None;
            // Truncate the text at a random character boundary.
            let mut cut = rng.below(text.len());
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text.truncate(cut);
            log.push(format!("truncate at byte {cut}"));
        }
        match check(&text, parsed) {
            Ok(true) => ok += 1,
            Ok(false) => err += 1,
            Err(problems) => {
                if failures.len() < 5 {
                    failures.push(format!(
                        "case {case} (FUZZ_SEED={seed}), mutations {log:#?}:\n  {}\n--- input\n{}\n---",
                        problems.join("\n  "),
                        text.chars().take(4000).collect::<String>(),
                    ));
                } else {
                    failures.push(format!("case {case}: {}", problems.join("; ")));
                }
            }
        }
    }
    std::panic::set_hook(hook);
    eprintln!(
        "fuzz: seed {seed:#x}, {ran} of {cases} cases in {:.1?}: {ok} generated, {err} rejected",
        started.elapsed()
    );
    assert!(
        failures.is_empty(),
        "{} of {ran} cases broke an invariant:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

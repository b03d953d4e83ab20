//! The corpus of malformed specs: every `tests/bad_specs/NAME.yaml` holds one
//! defect, and `NAME.expected` the exact diagnostics `codegen::generate`
//! must answer with, one `Display` line each (`error: FILE#/pointer: msg`).
//!
//! - An expectation with an `error:` line means generation must fail with
//!   exactly those diagnostics (warnings included).
//! - Otherwise generation must succeed with exactly those warnings (an empty
//!   file: no warnings at all), and every generated file must parse as Rust.
//! - An optional `NAME.contains` lists lines (trimmed) that must occur in the
//!   generated code, for fixtures whose point is that something works.
//!
//! Whatever the outcome, every diagnostic must name the fixture's file and a
//! JSON pointer that resolves in the fixture, and nothing may panic.
//!
//! To add a case, drop a YAML file in `tests/bad_specs/` and run the test: it
//! fails and prints the actual diagnostics to paste into `NAME.expected`
//! after checking them (`BLESS=1 cargo test -p codegen --test it bad_specs::`
//! writes missing and changed expectations instead).

use crate::common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use common::{diagnostic_problems, generate_caught, unparsable_files};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_specs")
}

fn fixtures() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("tests/bad_specs exists")
        .map(|e| e.expect("readable directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    v.sort();
    v
}

/// Run one fixture; `Err` describes every way it differs from its expectation.
fn check_fixture(path: &Path, bless: bool) -> Result<(), String> {
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .ok_or("fixture name is not UTF-8")?
        .to_string();
    let label = format!("bad_specs/{name}.yaml");
    let text = std::fs::read_to_string(path).map_err(|e| format!("read {label}: {e}"))?;
    let doc: Option<serde_yaml::Value> = serde_yaml::from_str(&text).ok();

    let result = generate_caught(&label, &text).map_err(|msg| format!("{label}: PANIC: {msg}"))?;
    let mut problems = Vec::new();
    let (diagnostics, output) = match result {
        Ok(output) => (output.warnings.clone(), Some(output)),
        Err(diagnostics) => {
            if diagnostics.is_empty() {
                problems.push(String::from("generation failed without any diagnostic"));
            }
            if !diagnostics.iter().any(|d| d.is_error()) {
                problems.push(String::from(
                    "generation failed, but no diagnostic is an error",
                ));
            }
            (diagnostics, None)
        }
    };
    for d in &diagnostics {
        problems.extend(diagnostic_problems(&label, doc.as_ref(), d));
    }
    if let Some(output) = &output {
        if let Some(e) = output.warnings.iter().find(|d| d.is_error()) {
            problems.push(format!(
                "generation succeeded with an error diagnostic: {e}"
            ));
        }
        problems.extend(unparsable_files(output));
    }

    let actual: String = diagnostics.iter().fold(String::new(), |mut s, d| {
        let _ = writeln!(s, "{d}");
        s
    });
    let expected_path = path.with_extension("expected");
    match std::fs::read_to_string(&expected_path) {
        Ok(expected) if expected == actual => {}
        Ok(expected) if bless => {
            let _ = expected;
            std::fs::write(&expected_path, &actual).map_err(|e| e.to_string())?;
        }
        Ok(expected) => {
            let expects_error = expected.lines().any(|l| l.starts_with("error:"));
            let outcome = match (&output, expects_error) {
                (Some(_), true) => "\n  (expected generation to FAIL; it succeeded)",
                (None, false) => "\n  (expected generation to SUCCEED; it failed)",
                _ => "",
            };
            problems.push(format!(
                "diagnostics differ from {name}.expected{outcome}\n--- expected\n{expected}--- actual\n{actual}---"
            ));
        }
        Err(_) if bless => {
            std::fs::write(&expected_path, &actual).map_err(|e| e.to_string())?;
        }
        Err(_) => problems.push(format!(
            "no {name}.expected; if this output is right, paste it there:\n{actual}---"
        )),
    }

    let contains_path = path.with_extension("contains");
    if let Ok(wanted) = std::fs::read_to_string(&contains_path) {
        match &output {
            None => problems.push(format!("{name}.contains exists, but generation failed")),
            Some(output) => {
                let lines: Vec<&str> = output
                    .files
                    .iter()
                    .flat_map(|f| f.contents.lines())
                    .map(str::trim)
                    .collect();
                for want in wanted.lines().map(str::trim).filter(|l| !l.is_empty()) {
                    if !lines.contains(&want) {
                        problems.push(format!("generated code lacks the line `{want}`"));
                    }
                }
            }
        }
    }

    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("{label}:\n  {}", problems.join("\n  ")))
    }
}

#[test]
fn bad_specs_give_exact_diagnostics() {
    let bless = std::env::var_os("BLESS").is_some();
    let fixtures = fixtures();
    assert!(
        fixtures.len() >= 30,
        "the corpus shrank to {} fixtures",
        fixtures.len()
    );
    let failures: Vec<String> = fixtures
        .iter()
        .filter_map(|p| check_fixture(p, bless).err())
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} fixtures failed:\n\n{}",
        failures.len(),
        fixtures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn every_expectation_has_its_fixture() {
    let orphans: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("tests/bad_specs exists")
        .map(|e| e.expect("readable directory entry").path())
        .filter(|p| {
            p.extension()
                .is_some_and(|e| e == "expected" || e == "contains")
                && !p.with_extension("yaml").exists()
        })
        .collect();
    assert!(
        orphans.is_empty(),
        "expectations without a fixture: {orphans:?}"
    );
}

//! Tests that change process-wide state run in a process of their own.
//!
//! All the integration tests share one process, so a test that installs a
//! process-default crypto provider or the global tracing subscriber would
//! change what every other test sees. Such a test re-executes this test
//! binary, filtered to exactly itself, with [`VAR`] naming it; in that
//! child the test body runs, and the parent checks that it passed.

use std::process::Command;

/// Set in the child to the name of the one test it runs.
const VAR: &str = "OKTA_IT_OWN_PROCESS";

/// Runs `body` alone in a child process of this test binary.
///
/// `module` is the caller's `module_path!()` and `test` the name of the
/// `#[test]` function calling this, so that `module::test` (without the
/// crate) is the name libtest gives the test.
pub fn run(module: &str, test: &str, body: impl FnOnce()) {
    let module = module.split_once("::").map_or("", |(_, rest)| rest);
    let name = format!("{module}::{test}");
    if std::env::var(VAR).is_ok_and(|v| v == name) {
        body();
        return;
    }
    let exe = std::env::current_exe().expect("the path of this test binary");
    let out = Command::new(exe)
        .args([name.as_str(), "--exact", "--test-threads=1"])
        .env(VAR, &name)
        .output()
        .expect("re-executing this test binary");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("test result: ok. 1 passed"),
        "{name} in a process of its own: {}\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        out.status
    );
}

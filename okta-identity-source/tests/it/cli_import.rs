#![cfg(feature = "cli")]
//! The `okta-identity-source` binary end to end: `--fake` demos, real-mode
//! runs against a fake started here (so its state can be inspected), and
//! malformed files that must upload nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use okta_identity_source::fake::{FakeConfig, FakeOkta, SessionStatus, UserStatus};

const BIN: &str = env!("CARGO_BIN_EXE_okta-identity-source");

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("write {name}: {e}"));
    path
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"))
}

/// Runs the binary with a clean configuration (no okta.yaml, no OKTA_ env)
/// plus `env`, off the async runtime so an in-test fake keeps serving.
async fn run(dir: &Path, args: &[&str], env: &[(&str, String)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .current_dir(dir)
        .env("HOME", dir)
        .env_remove("OKTA_CLIENT_ORGURL")
        .env_remove("OKTA_CLIENT_TOKEN")
        .env_remove("OKTA_IDENTITY_SOURCE_ID");
    for (k, v) in env {
        cmd.env(k, v);
    }
    tokio::task::spawn_blocking(move || cmd.output())
        .await
        .unwrap_or_else(|e| panic!("join: {e}"))
        .unwrap_or_else(|e| panic!("run {BIN}: {e}"))
}

/// The (label, count) rows of the summary table, in order.
fn summary_rows(stdout: &str) -> Vec<(String, String)> {
    stdout
        .lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            (cells.len() == 4 && !cells[2].is_empty() && cells[2] != "count")
                .then(|| (cells[1].to_owned(), cells[2].to_owned()))
        })
        .collect()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn fake() -> FakeOkta {
    FakeOkta::start(
        FakeConfig::default()
            .processing_delay(Duration::from_millis(40))
            .cooldown(Duration::from_millis(100)),
    )
    .unwrap_or_else(|e| panic!("fake: {e}"))
}

fn env_for(fake: &FakeOkta) -> Vec<(&'static str, String)> {
    vec![
        ("OKTA_CLIENT_ORGURL", fake.base_url().to_owned()),
        ("OKTA_CLIENT_TOKEN", fake.api_token().to_owned()),
        ("OKTA_TESTING_DISABLE_HTTPS_CHECK", "true".to_owned()),
    ]
}

const GOOD_CSV: &str = "externalId,userName,firstName,costCenter,mobilePhone\n\
e1,e1@example.com,Ann,R&D,+1 555 0001\n\
e2,e2@example.com,\"Bob, Jr.\",Sales,\n\
e3,e3@example.com,Cy,,\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fake_mode_imports_a_csv_and_prints_the_summary() {
    let dir = tempdir();
    let mut csv = String::from("externalId,userName,department\n");
    for i in 0..450 {
        csv.push_str(&format!("u{i},u{i}@example.com,dept{}\n", i % 4));
    }
    let users = write(dir.path(), "users.csv", &csv);
    let ids = write(dir.path(), "gone.txt", "u1\n\n  u2  \n");
    let out = run(
        dir.path(),
        &[
            "import",
            "--fake",
            users.to_str().unwrap_or_default(),
            "--deactivate",
            ids.to_str().unwrap_or_default(),
        ],
        &[],
    )
    .await;
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        text(&out.stderr)
    );
    let rows = summary_rows(&stdout);
    let expected = [
        ("users in the input", "450"),
        ("read", "450"),
        ("imported", "450"),
        ("not imported", "0"),
        ("outcome unknown", "0"),
        ("not read", "0"),
        ("deactivations in the input", "2"),
        ("read", "2"),
        ("sent, effect unknown", "2"),
    ];
    for (i, (label, value)) in expected.iter().enumerate() {
        assert_eq!(
            rows.get(i).map(|(l, v)| (l.as_str(), v.as_str())),
            Some((*label, *value)),
            "{stdout}"
        );
    }
    assert!(stdout.contains("COMPLETED"), "{stdout}");
    assert!(
        stdout.contains("The fake org now holds 450 users (448 active)."),
        "{stdout}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn real_mode_imports_csv_and_jsonl_exactly_as_written() {
    let fake = fake();
    let dir = tempdir();
    let users = write(dir.path(), "users.csv", GOOD_CSV);
    let isid = fake.identity_source_id().to_owned();
    let out = run(
        dir.path(),
        &[
            "import",
            "--source-id",
            &isid,
            users.to_str().unwrap_or_default(),
            "-q",
        ],
        &env_for(&fake),
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let e2 = fake
        .user(&isid, "e2")
        .unwrap_or_else(|| panic!("e2 imported"));
    assert_eq!(e2.status, UserStatus::Active);
    assert_eq!(e2.profile["firstName"], "Bob, Jr.");
    assert_eq!(e2.profile["costCenter"], "Sales");
    assert!(
        !e2.profile.contains_key("mobilePhone"),
        "empty cell = omitted"
    );
    let e3 = fake
        .user(&isid, "e3")
        .unwrap_or_else(|| panic!("e3 imported"));
    assert!(!e3.profile.contains_key("costCenter"));

    // JSON Lines: null clears an attribute set by the CSV import.
    let jsonl = write(
        dir.path(),
        "update.jsonl",
        "{\"externalId\":\"e1\",\"profile\":{\"mobilePhone\":null,\"costCenter\":\"Ops\"}}\n",
    );
    let out = run(
        dir.path(),
        &[
            "import",
            "--source-id",
            &isid,
            jsonl.to_str().unwrap_or_default(),
            "-q",
        ],
        &env_for(&fake),
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let e1 = fake.user(&isid, "e1").unwrap_or_else(|| panic!("e1"));
    assert_eq!(e1.profile["costCenter"], "Ops");
    assert_eq!(e1.profile["firstName"], "Ann");
    assert!(!e1.profile.contains_key("mobilePhone"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_files_name_the_line_and_upload_nothing() {
    let fake = fake();
    let dir = tempdir();
    let isid = fake.identity_source_id().to_owned();
    let long = "x".repeat(513);
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        (
            "fields.csv",
            "externalId,userName\na,a@example.com\nb\n".into(),
            vec!["line 3", "1 fields, but the header row has 2"],
        ),
        (
            "noid.csv",
            "id,userName\na,a@example.com\n".into(),
            vec!["line 1", "no `externalId` column"],
        ),
        (
            "dup.csv",
            "externalId,userName,userName\na,b,c\n".into(),
            vec!["line 1, column 3", "appears twice"],
        ),
        (
            "long.csv",
            format!("userName,externalId\na@example.com,ok\nb@example.com,{long}\n"),
            vec!["line 3, column 2", "513 characters"],
        ),
        (
            "syntax.jsonl",
            "{\"externalId\":\"a\",\"profile\":{\"userName\":\"a\"}}\n{\"externalId\":\"b\",\"profile\":{\"userName\":\"b\"}\n".into(),
            vec!["line 2, column", "invalid JSON"],
        ),
        (
            "number.jsonl",
            "{\"externalId\":\"a\",\"profile\":{\"userName\":\"a\"}}\n\n{\"externalId\":\"b\",\"profile\":{\"age\":42}}\n".into(),
            vec!["line 3", "`age` is a number"],
        ),
        (
            "users.txt",
            "externalId\n".into(),
            vec!["unknown format"],
        ),
    ];
    for (name, content, expected) in cases {
        let path = write(dir.path(), name, &content);
        let out = run(
            dir.path(),
            &[
                "import",
                "--source-id",
                &isid,
                path.to_str().unwrap_or_default(),
            ],
            &env_for(&fake),
        )
        .await;
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        for e in expected {
            assert!(stderr.contains(e), "{name}: {e:?} not in {stderr}");
        }
        assert!(stderr.contains("Nothing was uploaded"), "{name}: {stderr}");
    }
    // A bad deactivation file stops a good users file too.
    let users = write(dir.path(), "users.csv", GOOD_CSV);
    let ids = write(dir.path(), "ids.txt", &format!("e1\n{long}\n"));
    let out = run(
        dir.path(),
        &[
            "import",
            "--source-id",
            &isid,
            users.to_str().unwrap_or_default(),
            "--deactivate",
            ids.to_str().unwrap_or_default(),
        ],
        &env_for(&fake),
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("ids.txt, line 2"));
    assert_eq!(fake.request_count(), 0, "a malformed input sent requests");
    assert!(fake.sessions(&isid).is_empty());

    // In --fake mode the embedded fake is not even started.
    let bad = write(
        dir.path(),
        "bad.csv",
        "externalId,userName\n,a@example.com\n",
    );
    let out = run(
        dir.path(),
        &["import", "--fake", bad.to_str().unwrap_or_default()],
        &[],
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("line 2, column 1: externalId is empty"),
        "{stderr}"
    );
    assert!(!stderr.contains("embedded fake Okta at"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_import_exits_non_zero() {
    let fake = fake();
    fake.fail_next_imports(1);
    let dir = tempdir();
    let users = write(dir.path(), "users.csv", GOOD_CSV);
    let isid = fake.identity_source_id().to_owned();
    let out = run(
        dir.path(),
        &[
            "import",
            "--source-id",
            &isid,
            users.to_str().unwrap_or_default(),
            "-q",
        ],
        &env_for(&fake),
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains("ERROR"));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("3 users not imported (`e1`, `e2`, `e3`): session aps"),
        "{stderr}"
    );
    assert!(fake.users(&isid).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_list_get_and_cancel() {
    let fake = fake();
    let isid = fake.identity_source_id().to_owned();
    let client = fake.client();
    let sid = client
        .create_identity_source_session(&isid)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
        .id;
    let dir = tempdir();
    let env = env_for(&fake);

    let out = run(
        dir.path(),
        &["sessions", "list", "--source-id", &isid],
        &env,
    )
    .await;
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains(&sid) && text(&out.stdout).contains("CREATED"));

    let out = run(
        dir.path(),
        &["sessions", "get", "--source-id", &isid, &sid],
        &env,
    )
    .await;
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains(&sid));

    let out = run(
        dir.path(),
        &["sessions", "cancel", "--source-id", &isid, &sid],
        &env,
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        fake.session(&isid, &sid).map(|s| s.status),
        Some(SessionStatus::Closed)
    );

    // Cancelling it again is refused by the service: exit 4 with Okta's cause.
    let out = run(
        dir.path(),
        &["sessions", "cancel", "--source-id", &isid, &sid],
        &env,
    )
    .await;
    assert_eq!(out.status.code(), Some(4));
    assert!(
        text(&out.stderr).contains("E0000001"),
        "{}",
        text(&out.stderr)
    );

    let out = run(
        dir.path(),
        &[
            "sessions",
            "get",
            "--source-id",
            &isid,
            "apsUnknown0000000000",
        ],
        &env,
    )
    .await;
    assert_eq!(out.status.code(), Some(4));
    assert!(text(&out.stderr).contains("404"), "{}", text(&out.stderr));
}

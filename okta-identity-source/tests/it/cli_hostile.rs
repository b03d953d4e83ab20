#![cfg(feature = "cli")]
//! The CLI with the files people really have, a user's mistakes, an
//! unreachable org, a hostile server and a closed standard output: nothing
//! lost, every number said, every message precise, no panic.

use crate::hostile;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use hostile::{RawServer, json, session};
use okta_identity_source::fake::{FakeConfig, FakeOkta, UserStatus};
use okta_identity_source::import::{JobReport, ReportEntityKind, ReportOutcome};

const BIN: &str = env!("CARGO_BIN_EXE_okta-identity-source");

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("write {name}: {e}"));
    path
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"))
}

fn command(dir: &Path, args: &[&str], env: &[(&str, String)]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .current_dir(dir)
        .env("HOME", dir)
        .env_remove("OKTA_CLIENT_ORGURL")
        .env_remove("OKTA_CLIENT_TOKEN")
        .env_remove("OKTA_IDENTITY_SOURCE_ID")
        .env_remove("RUST_LOG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// Runs the binary off the async runtime so an in-test fake keeps serving.
async fn run_cmd(mut cmd: Command) -> Output {
    tokio::task::spawn_blocking(move || cmd.output())
        .await
        .unwrap_or_else(|e| panic!("join: {e}"))
        .unwrap_or_else(|e| panic!("run {BIN}: {e}"))
}

async fn run(dir: &Path, args: &[&str], env: &[(&str, String)]) -> Output {
    run_cmd(command(dir, args, env)).await
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

fn env_for(base_url: &str, token: &str) -> Vec<(&'static str, String)> {
    vec![
        ("OKTA_CLIENT_ORGURL", base_url.to_owned()),
        ("OKTA_CLIENT_TOKEN", token.to_owned()),
        ("OKTA_TESTING_DISABLE_HTTPS_CHECK", "true".to_owned()),
    ]
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

fn read_report(path: &Path) -> JobReport {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("report: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("report JSON: {e}\n{text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leavers_file_saved_by_notepad_deactivates_its_first_leaver() {
    let fake = fake();
    let isid = fake.identity_source_id().to_owned();
    let dir = tempdir();
    let env = env_for(fake.base_url(), fake.api_token());
    let users = write(
        dir.path(),
        "users.csv",
        "externalId,userName\r\nemp-00001,a@x\r\nemp-00002,b@x\r\nemp-00003,c@x\r\n",
    );
    let out = run(
        dir.path(),
        &["import", "--source-id", &isid, "users.csv", "-q"],
        &env,
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let _ = users;
    // UTF-8 BOM and CRLF, as Notepad and Excel save it.
    write(
        dir.path(),
        "leavers.txt",
        b"\xEF\xBB\xBFemp-00001\r\nemp-00002\r\n",
    );
    write(
        dir.path(),
        "more.csv",
        "externalId,userName\r\nemp-00004,d@x\r\n",
    );
    let out = run(
        dir.path(),
        &[
            "import",
            "--source-id",
            &isid,
            "more.csv",
            "--deactivate",
            "leavers.txt",
            "-q",
            "--report",
            "r.json",
        ],
        &env,
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    for id in ["emp-00001", "emp-00002"] {
        let u = fake
            .user(&isid, id)
            .unwrap_or_else(|| panic!("{id} missing"));
        assert_eq!(u.status, UserStatus::Deactivated, "{id} keeps access");
    }
    assert!(fake.user(&isid, "\u{feff}emp-00001").is_none());
    // Deactivations are "sent", never "imported": Okta does not confirm them.
    let stdout = text(&out.stdout);
    let rows = summary_rows(&stdout);
    assert!(
        rows.contains(&("sent, effect unknown".to_owned(), "2".to_owned())),
        "{stdout}"
    );
    assert!(!stdout.contains("deactivations imported"), "{stdout}");
    let rate = rows
        .iter()
        .find(|(l, _)| l == "rate")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let digits = rate.strip_suffix(" users/s").unwrap_or("x");
    assert!(
        !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()),
        "rate {rate:?}"
    );
    let report = read_report(&dir.path().join("r.json"));
    assert!(report.is_consistent(), "{:?}", report.summary);
    assert_eq!(report.summary.deactivated_sent, 2);
    assert_eq!(report.summary.imported, 1);
    let sent: Vec<&str> = report
        .entities
        .iter()
        .filter(|e| e.outcome == ReportOutcome::DeactivatedSent)
        .map(|e| e.external_id.as_str())
        .collect();
    assert_eq!(sent, ["emp-00001", "emp-00002"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jsonl_with_a_bom_imports_and_a_repeated_key_is_refused() {
    let dir = tempdir();
    write(
        dir.path(),
        "u.jsonl",
        b"\xEF\xBB\xBF{\"externalId\":\"j1\",\"profile\":{\"userName\":\"j1@x\"}}\r\n{\"externalId\":\"j2\",\"profile\":{\"userName\":\"j2@x\"}}\r\n",
    );
    let out = run(dir.path(), &["--fake", "import", "u.jsonl", "-q"], &[]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("The fake org now holds 2 users"));

    write(
        dir.path(),
        "dup.jsonl",
        "{\"externalId\":\"j1\",\"profile\":{\"userName\":\"first@x\",\"userName\":\"second@x\"}}\n",
    );
    let out = run(dir.path(), &["--fake", "import", "dup.jsonl", "-q"], &[]).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("dup.jsonl, line 1"), "{stderr}");
    assert!(stderr.contains("key `userName` appears twice"), "{stderr}");
    assert!(stderr.contains("Nothing was uploaded"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_external_id_is_refused_before_anything_is_sent() {
    let fake = fake();
    let isid = fake.identity_source_id().to_owned();
    let dir = tempdir();
    write(
        dir.path(),
        "u.csv",
        "externalId,userName\ne1,a@x\ne2,b@x\ne1,c@x\n",
    );
    write(dir.path(), "gone.txt", "x1\nx2\nx1\n");
    let env = env_for(fake.base_url(), fake.api_token());
    let out = run(
        dir.path(),
        &[
            "import",
            "--source-id",
            &isid,
            "u.csv",
            "--deactivate",
            "gone.txt",
        ],
        &env,
    )
    .await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("u.csv, line 4, column 1: externalId `e1` appears again (first on line 2)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("gone.txt, line 3: externalId `x1` appears again (first on line 1)"),
        "{stderr}"
    );
    assert_eq!(fake.request_count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_header_problem_gets_its_own_message() {
    let dir = tempdir();
    let cases: [(&str, &[u8], &str); 5] = [
        ("empty.csv", b"", "the file is empty"),
        (
            "semicolon.csv",
            b"externalId;userName\ne1;a@x\n",
            "the separator looks like `;`",
        ),
        (
            "tabs.csv",
            b"externalId\tuserName\ne1\ta@x\n",
            "the separator looks like a tab",
        ),
        (
            "typo.csv",
            b"ExternalID,userName\ne1,a@x\n",
            "column 1 is `ExternalID`: rename it to `externalId`",
        ),
        (
            "other.csv",
            b"id,userName\ne1,a@x\n",
            "no `externalId` column (it has `id`, `userName`)",
        ),
    ];
    let mut messages = Vec::new();
    for (name, bytes, needle) in cases {
        write(dir.path(), name, bytes);
        let out = run(dir.path(), &["--fake", "import", name, "-q"], &[]).await;
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(
            stderr.contains(needle),
            "{name}: {needle:?} not in {stderr}"
        );
        messages.push(stderr);
    }
    messages.dedup();
    assert_eq!(messages.len(), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn standard_input_and_a_fifo_are_read_once() {
    let dir = tempdir();
    let mut cmd = command(
        dir.path(),
        &["--fake", "import", "-", "--format", "csv", "-q"],
        &[],
    );
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("spawn: {e}"));
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(b"externalId,userName\ns1,a@x\ns2,b@x\n")
            .unwrap_or_else(|e| panic!("stdin: {e}"));
    }
    let out = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap_or_else(|e| panic!("join: {e}"))
        .unwrap_or_else(|e| panic!("wait: {e}"));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("The fake org now holds 2 users"));

    let out = run(dir.path(), &["--fake", "import", "-", "-q"], &[]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("give --format csv"),
        "{}",
        text(&out.stderr)
    );

    let fifo = dir.path().join("users.csv");
    let made = Command::new("mkfifo").arg(&fifo).status();
    assert!(made.is_ok_and(|s| s.success()), "mkfifo failed");
    let writer_path = fifo.clone();
    let writer = std::thread::spawn(move || {
        // Opening blocks until the CLI opens the FIFO for reading.
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .open(&writer_path)
            .unwrap_or_else(|e| panic!("open fifo: {e}"));
        let _ = f.write_all(b"externalId,userName\nf1,a@x\nf2,b@x\nf3,c@x\n");
    });
    let mut child = command(dir.path(), &["--fake", "import", "users.csv", "-q"], &[])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn: {e}"));
    let pid = child.id();
    let waited = tokio::task::spawn_blocking(move || {
        for _ in 0..600 {
            if let Ok(Some(_)) = child.try_wait() {
                return child.wait_with_output().ok();
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = child.kill();
        None
    })
    .await
    .unwrap_or_else(|e| panic!("join: {e}"));
    let _ = writer.join();
    let out = waited.unwrap_or_else(|| panic!("the CLI (pid {pid}) hung on a FIFO"));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("The fake org now holds 3 users"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_csv_cell_can_clear_an_attribute() {
    let fake = fake();
    let isid = fake.identity_source_id().to_owned();
    let dir = tempdir();
    let env = env_for(fake.base_url(), fake.api_token());
    write(
        dir.path(),
        "a.csv",
        "externalId,userName,mobilePhone\ne1,a@x,+1 555 0100\n",
    );
    let out = run(
        dir.path(),
        &["import", "--source-id", &isid, "a.csv", "-q"],
        &env,
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let held = fake
        .user(&isid, "e1")
        .map(|u| u.profile)
        .unwrap_or_default();
    assert_eq!(
        held.get("mobilePhone").map(String::as_str),
        Some("+1 555 0100")
    );
    write(
        dir.path(),
        "b.csv",
        "externalId,userName,mobilePhone\ne1,a@x,NULL\n",
    );
    let out = run(
        dir.path(),
        &[
            "import",
            "--source-id",
            &isid,
            "b.csv",
            "--csv-null",
            "NULL",
            "-q",
        ],
        &env,
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let held = fake
        .user(&isid, "e1")
        .map(|u| u.profile)
        .unwrap_or_default();
    assert_eq!(held.get("mobilePhone"), None, "{held:?}");
    assert_eq!(held.get("userName").map(String::as_str), Some("a@x"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_org_is_one_error_and_every_user_is_accounted_for() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("port: {e}"));
    let dir = tempdir();
    let mut csv = String::from("externalId,userName\n");
    for i in 0..5000 {
        csv.push_str(&format!("u{i},u{i}@x\n"));
    }
    write(dir.path(), "users.csv", csv);
    let env = env_for(&format!("http://127.0.0.1:{port}"), "00TOKEN");
    let out = run(
        dir.path(),
        &[
            "import",
            "--source-id",
            "0oa1",
            "users.csv",
            "-q",
            "--report",
            "r.json",
        ],
        &env,
    )
    .await;
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    let rows = summary_rows(&stdout);
    for (label, value) in [
        ("users in the input", "5000"),
        ("read", "201"),
        ("imported", "0"),
        ("not imported", "201"),
        ("outcome unknown", "0"),
        ("not read", "4799"),
    ] {
        assert!(
            rows.contains(&(label.to_owned(), value.to_owned())),
            "{label} {value}: {stdout}"
        );
    }
    // One line for the 201 users, one for the stop; each cause once.
    let lines_with_cause = stderr
        .lines()
        .filter(|l| l.contains("onnection refused"))
        .count();
    assert_eq!(lines_with_cause, 2, "{stderr}");
    for line in stderr.lines().filter(|l| l.contains("onnection refused")) {
        assert_eq!(line.matches("onnection refused").count(), 1, "{line}");
    }
    assert!(!stderr.contains("more not imported"), "{stderr}");
    let report = read_report(&dir.path().join("r.json"));
    assert!(report.is_consistent(), "{:?}", report.summary);
    assert_eq!(report.summary.read, 201);
    assert_eq!(report.summary.not_imported, 201);
    assert_eq!(report.summary.not_read, 4799);
    assert_eq!(report.entities.len(), 5000);
    let not_read = report
        .entities
        .iter()
        .filter(|e| e.outcome == ReportOutcome::NotRead);
    assert_eq!(
        not_read.clone().next().map(|e| e.external_id.as_str()),
        Some("u201")
    );
    assert!(not_read.clone().all(|e| e.kind == ReportEntityKind::User));
    assert!(report.stopped.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_source_id_is_a_usage_error() {
    let dir = tempdir();
    write(dir.path(), "u.csv", "externalId,userName\ne1,a@x\n");
    for args in [&["import", "u.csv"][..], &["sessions", "list"][..]] {
        let out = run(dir.path(), args, &[]).await;
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(text(&out.stderr).contains("--source-id"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_or_full_standard_output_is_an_exit_code_not_a_panic() {
    let dir = tempdir();
    write(dir.path(), "u.csv", "externalId,userName\ne1,a@x\n");
    // A full device.
    if let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") {
        let mut cmd = command(dir.path(), &["--fake", "import", "u.csv", "-q"], &[]);
        cmd.stdout(Stdio::from(full));
        let out = run_cmd(cmd).await;
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(4), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(
            stderr.contains("standard output could not be written"),
            "{stderr}"
        );
    }
    // Help to a full device is an error too, not a silent 0.
    if let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") {
        let mut cmd = command(dir.path(), &["--help"], &[]);
        cmd.stdout(Stdio::from(full));
        let out = run_cmd(cmd).await;
        assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    }
    let help = run(dir.path(), &["--help"], &[]).await;
    assert_eq!(help.status.code(), Some(0));
    assert!(text(&help.stdout).contains("Exit codes"));
    let usage = run(dir.path(), &["import", "--bogus"], &[]).await;
    assert_eq!(usage.status.code(), Some(2));
    assert!(text(&usage.stderr).contains("--bogus"));
    // A pipe whose reader is gone.
    let mut child = command(dir.path(), &["--fake", "import", "u.csv", "-q"], &[])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("spawn: {e}"));
    drop(child.stdout.take());
    let out = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap_or_else(|e| panic!("join: {e}"))
        .unwrap_or_else(|e| panic!("wait: {e}"));
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_escape_sequences_never_reach_the_terminal() {
    let server = RawServer::start(|r, _| {
        if r.line().starts_with("GET") && r.line().ends_with("/sessions HTTP/1.1") {
            json(
                "200 OK",
                &serde_json::json!([session("aps\u{1b}]0;owned\u{7}\u{1b}[2J", "CREATED")]),
            )
        } else {
            json(
                "400 Bad Request",
                &serde_json::json!({
                    "errorCode": "E0000001",
                    "errorSummary": format!("bad\u{1b}[2J\u{1b}]0;title\u{7} {}", "z".repeat(20_000)),
                }),
            )
        }
    });
    let dir = tempdir();
    let env = env_for(&server.base_url, "00TOKEN");
    let out = run(
        dir.path(),
        &["sessions", "list", "--source-id", "0oa1"],
        &env,
    )
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!out.stdout.contains(&0x1b) && !out.stdout.contains(&0x07));
    assert!(
        text(&out.stdout).contains("aps\\u{1b}]0;owned"),
        "{}",
        text(&out.stdout)
    );
    let out = run(
        dir.path(),
        &["sessions", "get", "--source-id", "0oa1", "aps1"],
        &env,
    )
    .await;
    assert_eq!(out.status.code(), Some(4));
    assert!(!out.stderr.contains(&0x1b) && !out.stderr.contains(&0x07));
    assert!(
        out.stderr.len() < 3_000,
        "{} bytes of server text",
        out.stderr.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_log_is_honoured_and_off_by_default() {
    let dir = tempdir();
    write(dir.path(), "u.csv", "externalId,userName\ne1,a@x\n");
    let quiet = run(dir.path(), &["--fake", "import", "u.csv", "-q"], &[]).await;
    assert_eq!(quiet.status.code(), Some(0));
    assert!(!text(&quiet.stderr).contains("sending request"));
    let logged = run(
        dir.path(),
        &["--fake", "import", "u.csv", "-q"],
        &[("RUST_LOG", "okta_identity_source=debug".to_owned())],
    )
    .await;
    assert_eq!(logged.status.code(), Some(0));
    let stderr = text(&logged.stderr);
    assert!(stderr.contains("sending request"), "{stderr}");
    assert!(!stderr.contains(" SSWS "), "the token reached the log");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_record_or_an_invisible_character_is_refused_with_its_line() {
    let dir = tempdir();
    let huge = "h".repeat(2 << 20);
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "big.csv",
            format!("externalId,userName\ne1,a@x\ne2,{huge}\ne3,c@x\n").into_bytes(),
            "longer than 1 MiB",
        ),
        (
            "open-quote.csv",
            format!("externalId,userName\ne1,\"{huge}\n").into_bytes(),
            "longer than 1 MiB",
        ),
        (
            "big.jsonl",
            format!("{{\"externalId\":\"e1\",\"profile\":{{\"userName\":\"{huge}\"}}}}\n")
                .into_bytes(),
            "big.jsonl, line 1: the line is longer than 1 MiB",
        ),
    ];
    for (name, bytes, needle) in cases {
        write(dir.path(), name, bytes);
        let out = run(dir.path(), &["--fake", "import", name, "-q"], &[]).await;
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains(needle), "{name}: {stderr}");
    }
    write(dir.path(), "u.csv", "externalId,userName\ne1,a@x\n");
    write(
        dir.path(),
        "ids.txt",
        b"x1\n\xEF\xBB\xBFx2\nx3\xE2\x80\x8B\n",
    );
    let out = run(
        dir.path(),
        &["--fake", "import", "u.csv", "--deactivate", "ids.txt"],
        &[],
    )
    .await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("ids.txt, line 2: externalId `\\u{feff}x2` contains the invisible character U+FEFF (a byte order mark)"), "{stderr}");
    assert!(stderr.contains("ids.txt, line 3"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_rate_limit_wait_is_announced_and_bounded() {
    use okta_identity_source::fake::{Fault, FaultKind};
    let fake = fake();
    let isid = fake.identity_source_id().to_owned();
    let dir = tempdir();
    write(dir.path(), "u.csv", "externalId,userName\ne1,a@x\n");
    let env = env_for(fake.base_url(), fake.api_token());
    fake.inject(Fault::on_operation(
        "createIdentitySourceSession",
        FaultKind::TooManyRequests {
            reset_after: Duration::from_secs(6),
        },
    ));
    let out = run(
        dir.path(),
        &["import", "--source-id", &isid, "u.csv", "-q"],
        &env,
    )
    .await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("for the rate limit to reset"), "{stderr}");
    assert!(stderr.contains("(until "), "{stderr}");

    fake.inject(
        Fault::on_operation(
            "createIdentitySourceSession",
            FaultKind::TooManyRequests {
                reset_after: Duration::from_secs(600),
            },
        )
        .always(),
    );
    let started = std::time::Instant::now();
    let out = run(
        dir.path(),
        &[
            "import",
            "--source-id",
            &isid,
            "u.csv",
            "-q",
            "--max-rate-limit-wait",
            "30s",
        ],
        &env,
    )
    .await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert!(
        stderr.contains("later than the longest wait allowed (30 s)"),
        "{stderr}"
    );
    assert!(stderr.contains("the rate limit resets at"), "{stderr}");
}

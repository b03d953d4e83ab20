//! Benchmark (prints figures, asserts nothing): import N users (default
//! 100,000; `OKTA_BENCH_USERS` to change) from a CSV file into the fake,
//! through the CLI's streaming reader and the import workflow.
//!
//! The fake runs in a child process (this binary, re-executed), so the
//! peak resident memory read from `/proc/self/status` (VmHWM) is the
//! client's alone: the fake keeps every imported user in memory.
//!
//! ```text
//! cargo bench --features cli --bench import_csv
//! OKTA_BENCH_USERS=300000 cargo bench --features cli --bench import_csv
//! ```

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::stream;
use okta_identity_source::Client;
use okta_identity_source::cli::input;
use okta_identity_source::fake::{FakeConfig, FakeOkta};
use okta_identity_source::import::{ImportJob, ImportOptions};

const ROLE: &str = "OKTA_BENCH_ROLE";

fn main() {
    if std::env::var(ROLE).as_deref() == Ok("fake-server") {
        serve_fake();
        return;
    }
    if let Err(e) = bench() {
        eprintln!("benchmark failed: {e}");
        std::process::exit(1);
    }
}

/// Child: runs the fake until stdin closes; answers `stats` with
/// `<requests> <users> <completed sessions>`.
fn serve_fake() {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => panic!("runtime: {e}"),
    };
    let config = FakeConfig::default()
        .processing_delay(Duration::from_millis(200))
        .cooldown(Duration::from_millis(100))
        .rate_limit(1_000_000, Duration::from_secs(60))
        .record_bodies(false)
        .request_log_capacity(0);
    let fake = match runtime.block_on(async { FakeOkta::start(config) }) {
        Ok(f) => f,
        Err(e) => panic!("fake: {e}"),
    };
    println!(
        "{} {} {}",
        fake.base_url(),
        fake.api_token(),
        fake.identity_source_id()
    );
    let _ = std::io::stdout().flush();
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        if line.trim() == "stats" {
            let isid = fake.identity_source_id();
            let completed = fake
                .sessions(isid)
                .iter()
                .filter(|s| s.status == okta_identity_source::fake::SessionStatus::Completed)
                .count();
            println!(
                "{} {} {completed}",
                fake.request_count(),
                fake.users(isid).len()
            );
            let _ = std::io::stdout().flush();
        }
    }
}

fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn bench() -> Result<(), Box<dyn std::error::Error>> {
    let users: u64 = std::env::var("OKTA_BENCH_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("users.csv");
    {
        let mut w = BufWriter::new(std::fs::File::create(&path)?);
        writeln!(
            w,
            "externalId,userName,email,firstName,lastName,department,costCenter,mobilePhone"
        )?;
        for i in 0..users {
            writeln!(
                w,
                "emp-{i:07},user{i}@example.com,user{i}@example.com,First{i},\"Last, {i}\",dept-{},cc-{},+1 555 {i:07}",
                i % 40,
                i % 13
            )?;
        }
    }
    let file_bytes = std::fs::metadata(&path)?.len();

    let mut child = Command::new(std::env::current_exe()?)
        .env(ROLE, "fake-server")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let mut child_out = BufReader::new(child.stdout.take().ok_or("no child stdout")?);
    let mut child_in = child.stdin.take().ok_or("no child stdin")?;
    let mut line = String::new();
    child_out.read_line(&mut line)?;
    let parts: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
    let [base_url, token, isid] = parts.as_slice() else {
        return Err(format!("unexpected fake banner {line:?}").into());
    };

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let hwm_before = vm_hwm_kib();
    let options = ImportOptions {
        expected_cooldown: Duration::from_millis(100),
        cooldown_retry_interval: Duration::from_millis(50),
        poll_interval: Duration::from_millis(50),
        max_poll_interval: Duration::from_millis(200),
        ..ImportOptions::default()
    };
    let started = Instant::now();
    let report = runtime.block_on(async {
        let client = Client::builder()
            .org_url(base_url.as_str())
            .api_token(token.as_str())
            .disable_https_check(true)
            .build()?;
        // First pass (validation), as the CLI does.
        let checked = input::check_all(input::read_users(&path, &options)?, 1);
        if checked.error_count > 0 {
            return Err::<_, Box<dyn std::error::Error>>(format!("{:?}", checked.errors).into());
        }
        let checked_at = started.elapsed();
        let records = input::read_users(&path, &options)?;
        let report = ImportJob::new(client, isid.as_str())
            .options(options.clone())
            .run(
                stream::iter(records),
                stream::empty::<Result<String, input::InputError>>(),
            )
            .await?;
        Ok((report, checked_at))
    });
    let wall = started.elapsed();
    let (report, checked_at) = report?;
    let hwm = vm_hwm_kib();

    writeln!(child_in, "stats")?;
    child_in.flush()?;
    line.clear();
    child_out.read_line(&mut line)?;
    drop(child_in);
    let _ = child.wait();
    let stats: Vec<u64> = line
        .split_whitespace()
        .filter_map(|v| v.parse().ok())
        .collect();

    println!(
        "import_csv: {users} users from a {:.1} MB CSV file into the fake (separate process)",
        file_bytes as f64 / 1e6
    );
    println!(
        "  wall time                 {:.2} s (validation pass {:.2} s)",
        wall.as_secs_f64(),
        checked_at.as_secs_f64()
    );
    println!(
        "  users imported            {} in {} sessions ({} uploads)",
        report.counts.upserted,
        report.sessions.len(),
        report.counts.uploads
    );
    println!(
        "  requests received by fake {}",
        stats.first().map_or("?".to_owned(), u64::to_string)
    );
    println!(
        "  users held by fake        {}  (completed sessions: {})",
        stats.get(1).map_or("?".to_owned(), u64::to_string),
        stats.get(2).map_or("?".to_owned(), u64::to_string)
    );
    println!(
        "  users/s                   {:.0}",
        report.counts.upserted as f64 / wall.as_secs_f64()
    );
    println!(
        "  peak resident memory      {:.1} MiB (VmHWM; {:.1} MiB before the import)",
        hwm as f64 / 1024.0,
        hwm_before as f64 / 1024.0
    );
    println!("  all imported              {}", report.all_imported());
    Ok(())
}

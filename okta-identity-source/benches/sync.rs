//! Benchmark (prints figures, asserts nothing): the sync engine against the
//! fake in its own process.
//!
//! 1. A first sync of N users (default 100,000; `OKTA_BENCH_USERS`), 2,000
//!    groups and N memberships.
//! 2. A second sync where 1 % of the users changed, 0.1 % left and 0.1 %
//!    joined (with their memberships).
//! 3. For comparison, a full import of the same N users (a users-only
//!    first sync into a second identity source).
//!
//! For each: requests received by the fake, sessions, wall time, the time
//! to compute the plan (reading the files included), and the peak resident
//! memory of this process (VmHWM; the fake's memory is its own).
//!
//! ```text
//! cargo bench -p okta-identity-source --features cli --bench sync
//! OKTA_BENCH_USERS=300000 cargo bench -p okta-identity-source --features cli --bench sync
//! ```

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use okta_identity_source::Client;
use okta_identity_source::fake::{FakeConfig, FakeOkta, SessionStatus};
use okta_identity_source::import::ImportOptions;
use okta_identity_source::sync::{SyncJob, SyncOptions, input};

const ROLE: &str = "OKTA_BENCH_ROLE";
const GROUPS: u64 = 2_000;

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

/// Child: runs the fake until stdin closes. `stats ISID` answers
/// `<requests> <completed sessions of ISID>`; `register` answers a new
/// identity source id.
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
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["stats", isid] => {
                let completed = fake
                    .sessions(isid)
                    .iter()
                    .filter(|s| s.status == SessionStatus::Completed)
                    .count();
                println!("{} {completed}", fake.request_count());
            }
            ["register"] => println!("{}", fake.register_identity_source()),
            _ => println!("?"),
        }
        let _ = std::io::stdout().flush();
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

/// Writes version `v` (0: first, 1: second) of the source.
fn write_source(dir: &Path, users: u64, v: u32) -> std::io::Result<()> {
    let left = |i: u64| v == 1 && i < users && i % 1000 == 1;
    let joined = users / 1000;
    let last = if v == 1 { users + joined } else { users };
    let mut u = BufWriter::new(std::fs::File::create(dir.join(format!("users{v}.csv")))?);
    let mut m = BufWriter::new(std::fs::File::create(dir.join(format!("members{v}.csv")))?);
    writeln!(
        u,
        "externalId,userName,email,firstName,lastName,department,costCenter,mobilePhone"
    )?;
    writeln!(m, "groupExternalId,memberExternalId")?;
    for i in 0..last {
        if left(i) {
            continue;
        }
        let dept = if v == 1 && i % 100 == 0 {
            format!("dept-{}-moved", i % 40)
        } else {
            format!("dept-{}", i % 40)
        };
        writeln!(
            u,
            "emp-{i:07},user{i}@example.com,user{i}@example.com,First{i},\"Last, {i}\",{dept},cc-{},+1 555 {i:07}",
            i % 13
        )?;
        writeln!(m, "grp-{:05},emp-{i:07}", i % GROUPS)?;
    }
    let mut g = BufWriter::new(std::fs::File::create(dir.join(format!("groups{v}.csv")))?);
    writeln!(g, "externalId,displayName,description")?;
    for i in 0..GROUPS {
        writeln!(g, "grp-{i:05},Group {i},The group number {i}")?;
    }
    u.flush()?;
    m.flush()?;
    g.flush()
}

struct Figures {
    requests: u64,
    sessions: usize,
    wall: Duration,
    plan: Duration,
    lines: Vec<String>,
    hwm_kib: u64,
    complete: bool,
}

async fn run_sync(
    (client, uploads): (&Client, &Client),
    isid: &str,
    state: &Path,
    dir: &Path,
    v: u32,
    with_groups: bool,
    stats: &mut dyn FnMut(&str) -> u64,
) -> Result<Figures, Box<dyn std::error::Error>> {
    let before = stats(isid);
    let started = Instant::now();
    let options = SyncOptions {
        import: ImportOptions {
            expected_cooldown: Duration::from_millis(100),
            cooldown_retry_interval: Duration::from_millis(50),
            poll_interval: Duration::from_millis(50),
            max_poll_interval: Duration::from_millis(200),
            ..ImportOptions::default()
        },
        ..SyncOptions::default()
    };
    let mut job = SyncJob::open(state, isid, options)?
        .with_client(client.clone())
        .with_upload_client(uploads.clone());
    job.load_users(input::users(&dir.join(format!("users{v}.csv")))?)?;
    if with_groups {
        job.load_groups(input::groups(&dir.join(format!("groups{v}.csv")))?)?;
        job.load_memberships(input::memberships(&dir.join(format!("members{v}.csv")))?)?;
    }
    job.settle(true).await?;
    let plan = job.plan()?;
    let plan_time = started.elapsed();
    let report = job.apply().await?;
    let wall = started.elapsed();
    Ok(Figures {
        requests: stats(isid) - before,
        sessions: report.sessions.len(),
        wall,
        plan: plan_time,
        lines: plan
            .lines()
            .into_iter()
            .filter(|l| !l.starts_with(' '))
            .collect(),
        hwm_kib: vm_hwm_kib(),
        complete: report.complete(),
    })
}

fn print(name: &str, f: &Figures) {
    println!("{name}");
    println!("  plan                      {}", f.lines.join(" | "));
    println!("  requests                  {}", f.requests);
    println!("  sessions                  {}", f.sessions);
    println!("  wall time                 {:.2} s", f.wall.as_secs_f64());
    println!("  plan time                 {:.2} s", f.plan.as_secs_f64());
    println!(
        "  peak resident memory      {:.1} MiB (VmHWM so far)",
        f.hwm_kib as f64 / 1024.0
    );
    println!("  complete                  {}", f.complete);
}

fn bench() -> Result<(), Box<dyn std::error::Error>> {
    let users: u64 = std::env::var("OKTA_BENCH_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir()?;
    write_source(dir.path(), users, 0)?;
    write_source(dir.path(), users, 1)?;

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
    let mut ask = move |command: &str| -> String {
        let _ = writeln!(child_in, "{command}");
        let _ = child_in.flush();
        let mut answer = String::new();
        let _ = child_out.read_line(&mut answer);
        answer.trim().to_owned()
    };
    let other_isid = ask("register");
    let mut stats = move |isid: &str| -> u64 {
        ask(&format!("stats {isid}"))
            .split_whitespace()
            .next()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let hwm_before = vm_hwm_kib();
    let (first, second, full) = runtime.block_on(async {
        let build = |retries: u32| {
            Client::builder()
                .org_url(base_url.as_str())
                .api_token(token.as_str())
                .disable_https_check(true)
                .max_retries(retries)
                .build()
        };
        let client = build(2)?;
        let uploads = build(0)?;
        let state = dir.path().join("state.db");
        let first = run_sync(
            (&client, &uploads),
            isid,
            &state,
            dir.path(),
            0,
            true,
            &mut stats,
        )
        .await?;
        let second = run_sync(
            (&client, &uploads),
            isid,
            &state,
            dir.path(),
            1,
            true,
            &mut stats,
        )
        .await?;
        let full_state = dir.path().join("full.db");
        let full = run_sync(
            (&client, &uploads),
            &other_isid,
            &full_state,
            dir.path(),
            0,
            false,
            &mut stats,
        )
        .await?;
        Ok::<_, Box<dyn std::error::Error>>((first, second, full))
    })?;
    // Closes the child's stdin: it stops.
    drop(stats);
    let _ = child.wait();

    println!(
        "sync: {users} users, {GROUPS} groups, {users} memberships; the fake in a separate process"
    );
    println!(
        "  resident memory before    {:.1} MiB",
        hwm_before as f64 / 1024.0
    );
    print("first sync (users, groups, memberships)", &first);
    print(
        "second sync (1% changed, 0.1% left, 0.1% joined, with their memberships)",
        &second,
    );
    print(
        "full import of the same users (users only, new state)",
        &full,
    );
    println!(
        "requests of the second sync / requests of a full import: 1/{:.0}",
        full.requests as f64 / second.requests.max(1) as f64
    );
    Ok(())
}

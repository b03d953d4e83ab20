//! The command-line tool `okta-identity-source` (feature `cli`). The
//! binary only calls `cli::main`; the input readers are public so benchmarks
//! and tests can use them.

mod fake_server;
pub mod input;
mod sync;

pub use sync::{EXIT_REFUSED, EXIT_STATE};

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use futures_util::stream;
use indicatif::{ProgressBar, ProgressStyle};

use crate::fake::{FakeConfig, FakeOkta, UserStatus};
use crate::import::{ImportEvent, ImportJob, ImportOptions, ImportReport, LeftoverPolicy};
use crate::models::IdentitySourceSession;
use crate::{Client, ClientBuilder};

/// Exit code: everything was imported.
pub const EXIT_OK: u8 = 0;
/// Exit code: the import ran, but some entities were not imported.
pub const EXIT_NOT_ALL_IMPORTED: u8 = 1;
/// Exit code: bad arguments or a malformed input file (nothing was sent).
pub const EXIT_USAGE: u8 = 2;
/// Exit code: the import stopped early (see the message).
pub const EXIT_STOPPED: u8 = 3;
/// Exit code: configuration or request error.
pub const EXIT_ERROR: u8 = 4;

#[derive(Debug, Parser)]
#[command(
    name = "okta-identity-source",
    version,
    about = "Import users into an Okta custom identity source (Anything-as-a-Source)",
    long_about = "Import users into an Okta custom identity source (Anything-as-a-Source).\n\n\
Configuration comes from the same places as the library: OKTA_CLIENT_ORGURL, \
OKTA_CLIENT_TOKEN (or OAuth settings) and okta.yaml files. With --fake everything \
runs against an embedded fake Okta instead.\n\n\
Exit codes: 0 all imported, 1 some entities not imported, 2 bad arguments or \
malformed input (nothing sent), 3 import stopped early, 4 configuration or request error."
)]
struct Cli {
    /// Run against an embedded fake Okta (no org needed).
    #[arg(long, global = true)]
    fake: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Import users from a CSV or JSON Lines file.
    Import(ImportArgs),
    /// Inspect or cancel import sessions.
    #[command(subcommand)]
    Sessions(SessionsCommand),
    /// Make the identity source hold exactly the users (and optionally
    /// groups and memberships) of the files: only the difference with the
    /// state of the last sync is sent.
    ///
    /// Exit codes: 0 in sync (or plan printed), 1 some entities not
    /// confirmed (sent again next run), 2 bad arguments or input (nothing
    /// sent), 3 stopped by a request error, 4 configuration error, 5
    /// refused by the safeguard (nothing sent), 6 unusable state file (not
    /// a state file, locked by another running sync, newer version, other
    /// identity source).
    Sync(Box<sync::SyncArgs>),
    /// Run a fake Okta on 127.0.0.1 until interrupted (try the tool
    /// without an org).
    Fake(fake_server::FakeArgs),
}

#[derive(Debug, Args)]
struct SourceArg {
    /// The identity source id (0oa…).
    #[arg(long, env = "OKTA_IDENTITY_SOURCE_ID")]
    source_id: Option<String>,
}

#[derive(Debug, Args)]
struct ImportArgs {
    #[command(flatten)]
    source: SourceArg,
    /// Users: a .csv file (header row with `externalId` and one column per
    /// attribute; an empty cell leaves the attribute out) or a .jsonl file
    /// (one {"externalId":…,"profile":{…}} per line; null clears an attribute).
    users: PathBuf,
    /// ExternalIds to deactivate, one per line.
    #[arg(long, value_name = "IDS.txt")]
    deactivate: Option<PathBuf>,
    /// What to do with a session left open by an earlier run.
    #[arg(long, value_enum, default_value_t = Leftover::Reuse)]
    leftover: Leftover,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Leftover {
    Reuse,
    Cancel,
    Fail,
}

#[derive(Debug, Subcommand)]
enum SessionsCommand {
    /// List the active sessions of an identity source.
    List {
        #[command(flatten)]
        source: SourceArg,
    },
    /// Show one session.
    Get {
        #[command(flatten)]
        source: SourceArg,
        /// The session id (aps…).
        session_id: String,
    },
    /// Cancel a CREATED or IN_PROGRESS session.
    Cancel {
        #[command(flatten)]
        source: SourceArg,
        /// The session id (aps…).
        session_id: String,
    },
}

/// Runs the tool with the process arguments.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// Where the commands send their requests.
struct Target {
    client: Client,
    source_id: String,
    options: ImportOptions,
    /// Kept alive for the duration of the command.
    fake: Option<FakeOkta>,
}

fn connect(fake: bool, source: &SourceArg) -> Result<Target> {
    if fake {
        // Short cool-down and processing delay so a demo of a few tens of
        // thousands of users finishes in seconds.
        let config = FakeConfig::default()
            .processing_delay(Duration::from_millis(300))
            .cooldown(Duration::from_millis(200))
            .rate_limit(100_000, Duration::from_secs(60))
            .record_bodies(false)
            .request_log_capacity(0);
        let fake = FakeOkta::start(config).context("starting the embedded fake Okta")?;
        let client = ClientBuilder::new()
            .org_url(fake.base_url())
            .api_token(fake.api_token())
            .disable_https_check(true)
            .build()
            .context("building a client for the embedded fake")?;
        let source_id = fake.identity_source_id().to_owned();
        let options = ImportOptions {
            expected_cooldown: Duration::from_millis(200),
            cooldown_retry_interval: Duration::from_millis(100),
            poll_interval: Duration::from_millis(100),
            max_poll_interval: Duration::from_millis(500),
            ..ImportOptions::default()
        };
        eprintln!(
            "Using an embedded fake Okta at {} (identity source {source_id}).",
            fake.base_url()
        );
        return Ok(Target {
            client,
            source_id,
            options,
            fake: Some(fake),
        });
    }
    let Some(source_id) = source.source_id.clone() else {
        bail!("--source-id (or OKTA_IDENTITY_SOURCE_ID) is required without --fake");
    };
    let client = Client::from_env().context(
        "loading the Okta configuration (OKTA_CLIENT_ORGURL, OKTA_CLIENT_TOKEN, okta.yaml)",
    )?;
    Ok(Target {
        client,
        source_id,
        options: ImportOptions::default(),
        fake: None,
    })
}

async fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Import(args) => import(cli.fake, args).await,
        Command::Sessions(cmd) => sessions(cli.fake, cmd).await,
        Command::Sync(args) => sync::run(cli.fake, *args).await,
        Command::Fake(args) => fake_server::run(args).await,
    }
}

async fn import(fake: bool, args: ImportArgs) -> Result<u8> {
    // Validate every input file completely before anything is sent; the
    // checks do not need the service, so they run before connecting.
    let check_options = ImportOptions::default();
    let started = Instant::now();
    let users = match input::read_users(&args.users, &check_options) {
        Ok(u) => input::check_all(u, 20),
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!("Nothing was uploaded.");
            return Ok(EXIT_USAGE);
        }
    };
    let deactivations = match &args.deactivate {
        Some(path) => match input::IdLines::open(path, &check_options) {
            Ok(ids) => input::check_all(ids, 20),
            Err(e) => {
                eprintln!("error: {e}");
                eprintln!("Nothing was uploaded.");
                return Ok(EXIT_USAGE);
            }
        },
        None => input::Checked::default(),
    };
    let problems = users.error_count + deactivations.error_count;
    if problems > 0 {
        for e in users.errors.iter().chain(&deactivations.errors) {
            eprintln!("error: {e}");
        }
        let shown = (users.errors.len() + deactivations.errors.len()) as u64;
        if problems > shown {
            eprintln!("… and {} more problems", problems - shown);
        }
        eprintln!("{problems} problem(s) in the input. Nothing was uploaded.");
        return Ok(EXIT_USAGE);
    }
    let total = users.valid + deactivations.valid;
    if total == 0 {
        eprintln!("The input holds no user and no externalId. Nothing to do.");
        return Ok(EXIT_OK);
    }
    eprintln!(
        "Checked {} users and {} deactivations in {:.1?}.",
        users.valid,
        deactivations.valid,
        started.elapsed()
    );

    let target = connect(fake, &args.source)?;
    let mut options = target.options.clone();
    options.leftover = match args.leftover {
        Leftover::Reuse => LeftoverPolicy::Reuse,
        Leftover::Cancel => LeftoverPolicy::Cancel,
        Leftover::Fail => LeftoverPolicy::Fail,
    };
    let user_records = input::read_users(&args.users, &options)?;
    let id_records: Box<dyn Iterator<Item = Result<String, input::InputError>> + Send> =
        match &args.deactivate {
            Some(path) => Box::new(input::IdLines::open(path, &options)?),
            None => Box::new(std::iter::empty()),
        };

    let bar = if args.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(total)
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:40.cyan/blue} {pos}/{len} ({per_sec}) {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    let callback_bar = bar.clone();
    let started = Instant::now();
    let result = ImportJob::new(target.client.clone(), target.source_id.clone())
        .options(options)
        .on_progress(move |p| match &p.event {
            ImportEvent::SessionOpened { session_id, reused } => {
                let how = if *reused { "reusing" } else { "session" };
                callback_bar.set_message(format!("{how} {session_id}: uploading"));
            }
            ImportEvent::Uploaded { entities, .. } => callback_bar.inc(*entities as u64),
            ImportEvent::Triggered { session_id } => {
                callback_bar.set_message(format!("session {session_id}: importing"));
            }
            ImportEvent::WaitingForCooldown { wait } => {
                callback_bar.set_message(format!("waiting {wait:.1?} for the cool-down"));
            }
            ImportEvent::Retrying { step, error, .. } => {
                callback_bar.set_message(format!("retrying {step}: {error}"));
            }
            ImportEvent::SessionFinished(s) => {
                let status = s
                    .status
                    .as_ref()
                    .map_or_else(|| "UNKNOWN".to_owned(), ToString::to_string);
                callback_bar.println(format!(
                    "session {} {status}: {} users, {} deactivations",
                    s.id, s.upserts, s.deactivations
                ));
            }
            _ => {}
        })
        .run(stream::iter(user_records), stream::iter(id_records))
        .await;
    bar.finish_and_clear();
    let elapsed = started.elapsed();

    let (report, stopped) = match result {
        Ok(report) => (report, None),
        Err(e) => {
            let message = e.to_string();
            (e.into_report(), Some(message))
        }
    };
    print_summary(&report, elapsed);
    if let Some(fake) = &target.fake {
        let held = fake.users(fake.identity_source_id());
        let active = held
            .iter()
            .filter(|u| u.status == UserStatus::Active)
            .count();
        println!(
            "The fake org now holds {} users ({active} active).",
            held.len()
        );
    }
    if let Some(message) = stopped {
        eprintln!("error: {message}");
        return Ok(EXIT_STOPPED);
    }
    Ok(if report.all_imported() {
        EXIT_OK
    } else {
        EXIT_NOT_ALL_IMPORTED
    })
}

/// A plain text table with aligned columns.
fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        format!("| {} |\n", padded.join(" | "))
    };
    let rule = format!(
        "+{}+\n",
        widths
            .iter()
            .map(|w| "-".repeat(w + 2))
            .collect::<Vec<_>>()
            .join("+")
    );
    let mut out = rule.clone();
    out.push_str(&line(header.iter().map(|h| (*h).to_owned()).collect()));
    out.push_str(&rule);
    for row in rows {
        out.push_str(&line(row.clone()));
    }
    out.push_str(&rule);
    out
}

fn print_summary(report: &ImportReport, elapsed: Duration) {
    let c = &report.counts;
    let totals = vec![
        vec!["users read".to_owned(), c.upserts_read.to_string()],
        vec!["users sent".to_owned(), c.upserts_uploaded.to_string()],
        vec!["users imported".to_owned(), c.upserted.to_string()],
        vec![
            "deactivations sent".to_owned(),
            c.deactivations_uploaded.to_string(),
        ],
        vec![
            "deactivations imported".to_owned(),
            c.deactivated.to_string(),
        ],
        vec![
            "deactivations without effect".to_owned(),
            c.without_effect.to_string(),
        ],
        vec!["rejected before sending".to_owned(), c.rejected.to_string()],
        vec!["failed".to_owned(), c.failed.to_string()],
        vec!["uploads".to_owned(), c.uploads.to_string()],
        vec!["sessions".to_owned(), report.sessions.len().to_string()],
        vec!["time".to_owned(), format!("{elapsed:.1?}")],
    ];
    print!("{}", table(&["", "count"], &totals));
    if !report.sessions.is_empty() {
        let rows: Vec<Vec<String>> = report
            .sessions
            .iter()
            .map(|s| {
                vec![
                    s.id.clone(),
                    s.status
                        .as_ref()
                        .map_or_else(|| "UNKNOWN".to_owned(), ToString::to_string),
                    s.upserts.to_string(),
                    s.deactivations.to_string(),
                    s.uploads.to_string(),
                    format!(
                        "{}{}",
                        if s.reused { "reused leftover. " } else { "" },
                        s.note.as_deref().unwrap_or("")
                    ),
                ]
            })
            .collect();
        print!(
            "{}",
            table(
                &[
                    "session",
                    "status",
                    "users",
                    "deactivations",
                    "uploads",
                    "note"
                ],
                &rows
            )
        );
    }
    for id in &report.cancelled_leftovers {
        println!("cancelled leftover session {id}");
    }
    let failures: Vec<_> = report.failures().collect();
    for f in failures.iter().take(20) {
        eprintln!(
            "not imported: {} #{} `{}`: {}",
            f.kind,
            f.index + 1,
            f.external_id,
            f.reason
        );
    }
    if failures.len() > 20 {
        eprintln!("… and {} more not imported", failures.len() - 20);
    }
}

fn session_rows(sessions: &[IdentitySourceSession]) -> Vec<Vec<String>> {
    sessions
        .iter()
        .map(|s| {
            vec![
                s.id.clone().unwrap_or_default(),
                s.status
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                s.created.map(|t| t.to_rfc3339()).unwrap_or_default(),
                s.last_updated.map(|t| t.to_rfc3339()).unwrap_or_default(),
            ]
        })
        .collect()
}

const SESSION_HEADER: [&str; 4] = ["session", "status", "created", "lastUpdated"];

async fn sessions(fake: bool, cmd: SessionsCommand) -> Result<u8> {
    let (source, session_id) = match &cmd {
        SessionsCommand::List { source } => (source, None),
        SessionsCommand::Get { source, session_id }
        | SessionsCommand::Cancel { source, session_id } => (source, Some(session_id.as_str())),
    };
    let target = connect(fake, source)?;
    let (client, isid) = (&target.client, target.source_id.as_str());
    match (&cmd, session_id) {
        (SessionsCommand::List { .. }, _) => {
            let list = client
                .list_identity_source_sessions(isid)
                .await
                .context("listing sessions")?;
            if list.is_empty() {
                println!("No active session.");
            } else {
                print!("{}", table(&SESSION_HEADER, &session_rows(&list)));
            }
        }
        (SessionsCommand::Get { .. }, Some(sid)) => {
            let s = client
                .get_identity_source_session(isid, sid)
                .await
                .with_context(|| format!("getting session {sid}"))?;
            print!("{}", table(&SESSION_HEADER, &session_rows(&[s])));
        }
        (SessionsCommand::Cancel { .. }, Some(sid)) => {
            client
                .delete_identity_source_session(isid, sid)
                .await
                .with_context(|| format!("cancelling session {sid}"))?;
            println!("Session {sid} cancelled.");
        }
        _ => bail!("internal: missing session id"),
    }
    Ok(EXIT_OK)
}

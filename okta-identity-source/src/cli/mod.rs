//! The command-line tool `okta-identity-source` (feature `cli`). The
//! binary only calls `cli::main`; the input readers are public so benchmarks
//! and tests can use them.

mod fake_server;
pub mod input;
mod sync;

pub use sync::{EXIT_REFUSED, EXIT_STATE};

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use futures_util::stream;
use indicatif::{ProgressBar, ProgressStyle};

use crate::fake::{FakeConfig, FakeOkta, UserStatus};
use crate::import::{
    ImportEvent, ImportJob, ImportOptions, ImportReport, JobReport, LeftoverPolicy,
    ReportEntityKind, ReportOutcome,
};
use crate::models::IdentitySourceSession;
use crate::runtime::human_duration;
use crate::runtime::sanitize::escape_text;
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
Diagnostics: RUST_LOG (for example RUST_LOG=okta_identity_source=debug) writes the \
library's log to standard error; by default nothing is logged.\n\n\
Exit codes: 0 all imported, 1 some entities not imported (or their outcome unknown), \
2 bad arguments or malformed input (nothing sent), 3 import stopped early, \
4 configuration or request error. When standard output or the report file cannot be \
written, the code is the run's own if it is not 0, else 4."
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
    /// (one {"externalId":…,"profile":{…}} per line; null clears an
    /// attribute). `-` reads standard input (give --format).
    users: PathBuf,
    /// The format of the users file, when its extension does not say.
    #[arg(long, value_enum)]
    format: Option<InputFormat>,
    /// CSV: a cell exactly equal to this text clears the attribute (sent as
    /// null), for example --csv-null NULL.
    #[arg(long, value_name = "TEXT")]
    csv_null: Option<String>,
    /// ExternalIds to deactivate, one per line.
    #[arg(long, value_name = "IDS.txt")]
    deactivate: Option<PathBuf>,
    /// What to do with a session left open by an earlier run.
    #[arg(long, value_enum, default_value_t = Leftover::Reuse)]
    leftover: Leftover,
    /// Write a JSON report listing every entity not confirmed imported.
    #[arg(long, value_name = "FILE.json")]
    report: Option<PathBuf>,
    /// Longest wait for a rate limit to reset (s, m or h); a later reset
    /// stops the import and says when it is.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration)]
    max_rate_limit_wait: Duration,
    /// Longest wait for one session's import to finish before its outcome
    /// is reported as unknown.
    #[arg(long, value_name = "DURATION", default_value = "2h", value_parser = parse_duration)]
    max_import_wait: Duration,
    /// Longest wait for the cool-down Okta imposes between two sessions.
    #[arg(long, value_name = "DURATION", default_value = "6m", value_parser = parse_duration)]
    max_cooldown_wait: Duration,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum InputFormat {
    Csv,
    Jsonl,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Leftover {
    Reuse,
    Cancel,
    Fail,
}

/// `90`, `90s`, `5m`, `2h`.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let (number, unit) = match t.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => (&t[..i], t[i..].trim()),
        None => (t, "s"),
    };
    let n: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration such as 90s, 5m or 2h"))?;
    let secs = match unit {
        "s" => n,
        "m" | "min" => n.saturating_mul(60),
        "h" => n.saturating_mul(3600),
        _ => return Err(format!("`{text}`: the unit must be s, m or h")),
    };
    Ok(Duration::from_secs(secs))
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

/// Set once a write to standard output failed (the first error is kept).
static STDOUT_ERROR: Mutex<Option<String>> = Mutex::new(None);

/// Text that came from a server or a file, made safe for a terminal: each
/// line's control characters escaped.
fn safe(text: &str) -> String {
    text.split('\n')
        .map(|line| escape_text(line, 100_000))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Writes to standard output; a failure (closed pipe, full disk) is
/// remembered for the exit code instead of panicking.
fn out(text: &str) {
    let mut failed = STDOUT_ERROR.lock().unwrap_or_else(|p| p.into_inner());
    if failed.is_some() {
        return;
    }
    let mut stdout = io::stdout().lock();
    if let Err(e) = stdout
        .write_all(safe(text).as_bytes())
        .and_then(|()| stdout.flush())
    {
        *failed = Some(e.to_string());
    }
}

macro_rules! outln {
    ($($arg:tt)*) => { out(&format!("{}\n", format_args!($($arg)*))) };
}

/// Writes a line to standard error; a failure is ignored (there is nowhere
/// left to say it), never a panic.
fn errln(text: &str) {
    let mut stderr = io::stderr().lock();
    let _ = writeln!(stderr, "{}", safe(text));
}

macro_rules! errln {
    ($($arg:tt)*) => { errln(&format!($($arg)*)) };
}

/// An error and its causes, each once: a cause whose text the message
/// already holds is not repeated.
fn chain_once(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let cause = s.to_string();
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
        source = s.source();
    }
    text
}

/// `RUST_LOG`, when set, sends the library's `tracing` events to standard
/// error (nothing is logged by default).
fn init_logging() {
    let Some(directives) = std::env::var_os("RUST_LOG") else {
        return;
    };
    if directives.is_empty() {
        return;
    }
    let filter = match tracing_subscriber::EnvFilter::try_from_default_env() {
        Ok(f) => f,
        Err(e) => {
            errln!("warning: RUST_LOG is not a valid filter ({e}); logging stays off");
            return;
        }
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr)
        .with_ansi(false)
        .log_internal_errors(false)
        .try_init();
}

/// Runs the tool with the process arguments.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to standard output (0), usage errors to
            // standard error (2); a failed write is said, never a panic.
            let text = e.render().to_string();
            let code = if e.use_stderr() {
                let _ = io::stderr().lock().write_all(text.as_bytes());
                EXIT_USAGE
            } else {
                out(&text);
                EXIT_OK
            };
            return finish(code);
        }
    };
    init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            errln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let code = match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            errln!("error: {}", chain_once(e.as_ref()));
            EXIT_ERROR
        }
    };
    finish(code)
}

/// The exit code, after a failed write to standard output was said.
fn finish(code: u8) -> ExitCode {
    let failed = STDOUT_ERROR
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .take();
    match failed {
        Some(e) => {
            errln!("error: standard output could not be written: {e}");
            ExitCode::from(if code == EXIT_OK { EXIT_ERROR } else { code })
        }
        None => ExitCode::from(code),
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

/// Says what is missing when a command needs `--source-id`.
fn missing_source_id(fake: bool, source: &SourceArg) -> bool {
    if fake
        || source
            .source_id
            .as_deref()
            .is_some_and(|s| !s.trim().is_empty())
    {
        return false;
    }
    errln!(
        "error: --source-id (or OKTA_IDENTITY_SOURCE_ID) is required without --fake: the id (0oa…) of your custom identity source"
    );
    true
}

fn connect(fake: bool, source: &SourceArg) -> Result<Target> {
    if fake {
        // The fake's test-speed timings, so a demo of a few tens of
        // thousands of users finishes in seconds.
        let config = FakeConfig::for_tests()
            .record_bodies(false)
            .request_log_capacity(0);
        let fake = FakeOkta::start(config).context("starting the embedded fake Okta")?;
        let client = fake
            .client_builder()
            .build()
            .context("building a client for the embedded fake")?;
        let source_id = fake.identity_source_id().to_owned();
        let options = fake.import_options();
        errln!(
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
    let context =
        "loading the Okta configuration (OKTA_CLIENT_ORGURL, OKTA_CLIENT_TOKEN, okta.yaml)";
    let configured = Client::from_env().context(context)?;
    // The runtime waits without a word; the workflow says what it waits
    // for and until when. So the runtime's own waits stay short (at most
    // the configured cap), and longer rate-limit waits are the workflow's.
    let silent_cap = configured.settings().max_backoff.min(ANNOUNCED_WAIT);
    let client = if silent_cap < configured.settings().max_backoff {
        ClientBuilder::from_env()
            .max_backoff(silent_cap)
            .build()
            .context(context)?
    } else {
        configured
    };
    Ok(Target {
        client,
        source_id: source_id.trim().to_owned(),
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

/// Prints the problems of a validating pass; true when there were any.
fn print_problems(checks: &[&input::Checked]) -> bool {
    let problems: u64 = checks.iter().map(|c| c.error_count).sum();
    if problems == 0 {
        return false;
    }
    let mut shown = 0u64;
    for c in checks {
        for e in &c.errors {
            errln!("error: {e}");
            shown += 1;
        }
    }
    if problems > shown {
        errln!("… and {} more problems", problems - shown);
    }
    errln!("{problems} problem(s) in the input. Nothing was uploaded.");
    true
}

/// A wait the user should hear about: longer than this is announced.
const ANNOUNCED_WAIT: Duration = Duration::from_secs(5);

fn until(wait: Duration) -> String {
    let at = chrono::Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default();
    at.format("%H:%M:%S UTC").to_string()
}

async fn import(fake: bool, args: ImportArgs) -> Result<u8> {
    // Validate every input file completely before anything is sent; the
    // checks do not need the service, so they run before connecting.
    let check_options = ImportOptions::default();
    let started = Instant::now();
    let read = input::ReadOptions {
        format: args.format.map(|f| match f {
            InputFormat::Csv => input::Format::Csv,
            InputFormat::Jsonl => input::Format::JsonLines,
        }),
        csv_null: args.csv_null.clone(),
        unique_ids: true,
    };
    let opened = input::InputFile::open(&args.users).and_then(|users| {
        let ids = args
            .deactivate
            .as_deref()
            .map(input::InputFile::open)
            .transpose()?;
        Ok((users, ids))
    });
    let (users_file, ids_file) = match opened {
        Ok(files) => files,
        Err(e) => {
            errln!("error: {e}");
            errln!("Nothing was uploaded.");
            return Ok(EXIT_USAGE);
        }
    };
    let users = match input::read_users_from(&users_file, &read, &check_options) {
        Ok(u) => input::check_all(u, 20),
        Err(e) => {
            errln!("error: {e}");
            errln!("Nothing was uploaded.");
            return Ok(EXIT_USAGE);
        }
    };
    let deactivations = match &ids_file {
        Some(f) => match input::IdLines::from_input(f, &check_options, true) {
            Ok(ids) => input::check_all(ids, 20),
            Err(e) => {
                errln!("error: {e}");
                errln!("Nothing was uploaded.");
                return Ok(EXIT_USAGE);
            }
        },
        None => input::Checked::default(),
    };
    if print_problems(&[&users, &deactivations]) {
        return Ok(EXIT_USAGE);
    }
    let total = users.valid + deactivations.valid;
    if total == 0 {
        errln!("The input holds no user and no externalId. Nothing to do.");
        return Ok(EXIT_OK);
    }
    errln!(
        "Checked {} users and {} deactivations in {:.1?}.",
        users.valid,
        deactivations.valid,
        started.elapsed()
    );
    if missing_source_id(fake, &args.source) {
        return Ok(EXIT_USAGE);
    }

    let target = connect(fake, &args.source)?;
    let mut options = target.options.clone();
    options.leftover = match args.leftover {
        Leftover::Reuse => LeftoverPolicy::Reuse,
        Leftover::Cancel => LeftoverPolicy::Cancel,
        Leftover::Fail => LeftoverPolicy::Fail,
    };
    options.max_rate_limit_wait = args.max_rate_limit_wait;
    options.max_poll_duration = args.max_import_wait;
    options.max_cooldown_wait = args.max_cooldown_wait;
    let feed = input::ReadOptions {
        unique_ids: false,
        ..read.clone()
    };
    let user_records = input::read_users_from(&users_file, &feed, &options)?;
    let id_records: Box<dyn Iterator<Item = Result<String, input::InputError>> + Send> =
        match &ids_file {
            Some(f) => Box::new(input::IdLines::from_input(f, &options, false)?),
            None => Box::new(std::iter::empty()),
        };

    let bar = if args.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(total)
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:40.cyan/blue} {pos}/{len} ({rate}, ETA {eta}) {msg}",
        )
        .map(|style| {
            style.with_key(
                "rate",
                |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{:.0}/s", state.per_sec());
                },
            )
        })
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    let callback_bar = bar.clone();
    let started = Instant::now();
    let result = ImportJob::new(target.client.clone(), target.source_id.clone())
        .options(options)
        .on_progress(move |p| {
            // Waits longer than a few seconds are said on their own line,
            // with what they wait for and until when.
            let announce = |what: String| {
                if callback_bar.is_hidden() {
                    errln(&what);
                } else {
                    callback_bar.println(safe(&what));
                }
            };
            match &p.event {
                ImportEvent::SessionOpened { session_id, reused } => {
                    let how = if *reused { "reusing" } else { "session" };
                    callback_bar.set_message(safe(&format!("{how} {session_id}: uploading")));
                }
                ImportEvent::Uploaded { entities, .. } => callback_bar.inc(*entities as u64),
                ImportEvent::Triggered { session_id } => {
                    callback_bar.set_message(safe(&format!("session {session_id}: importing")));
                }
                ImportEvent::Polled {
                    session_id,
                    status,
                    next_poll_in,
                    ..
                } => {
                    let text = format!(
                        "session {session_id}: {status}; next check in {} (at {})",
                        human_duration(*next_poll_in),
                        until(*next_poll_in)
                    );
                    if *next_poll_in >= ANNOUNCED_WAIT {
                        announce(text.clone());
                    }
                    callback_bar.set_message(safe(&text));
                }
                ImportEvent::WaitingForCooldown { wait } => {
                    let text = format!(
                        "waiting {} (until {}) for Okta's cool-down between sessions",
                        human_duration(*wait),
                        until(*wait)
                    );
                    if *wait >= ANNOUNCED_WAIT {
                        announce(text.clone());
                    }
                    callback_bar.set_message(text);
                }
                ImportEvent::Retrying {
                    step, error, wait, ..
                } => {
                    let what = if error.status() == Some(reqwest::StatusCode::TOO_MANY_REQUESTS) {
                        "for the rate limit to reset"
                    } else {
                        "before trying again"
                    };
                    let text = format!(
                        "{step}: {error}; waiting {} (until {}) {what}",
                        human_duration(*wait),
                        until(*wait)
                    );
                    if *wait >= ANNOUNCED_WAIT {
                        announce(text.clone());
                    }
                    callback_bar.set_message(safe(&text));
                }
                ImportEvent::SessionFinished(s) => {
                    let status = s
                        .status
                        .as_ref()
                        .map_or_else(|| "UNKNOWN".to_owned(), ToString::to_string);
                    let text = format!(
                        "session {} {status}: {} users, {} deactivations",
                        s.id, s.upserts, s.deactivations
                    );
                    if callback_bar.is_hidden() {
                        errln(&text);
                    } else {
                        callback_bar.println(safe(&text));
                    }
                }
                _ => {}
            }
        })
        .run(stream::iter(user_records), stream::iter(id_records))
        .await;
    bar.finish_and_clear();
    let elapsed = started.elapsed();

    let (report, stopped) = match result {
        Ok(report) => (report, None),
        Err(e) => {
            let message = chain_once(&e);
            (e.into_report(), Some(message))
        }
    };
    let mut file_report = JobReport::from_import(&report, stopped.clone());
    if stopped.is_some() {
        // What the job never read is listed too, so nothing is silently left out.
        let counts = &report.counts;
        let rest = input::read_users_from(&users_file, &feed, &check_options)?;
        for (i, user) in rest.enumerate().skip(counts.upserts_read as usize) {
            if let Ok(user) = user {
                file_report.not_read(ReportEntityKind::User, user.external_id, i as u64 + 1);
            }
        }
        if let Some(f) = &ids_file {
            let rest = input::IdLines::from_input(f, &check_options, false)?;
            for (i, id) in rest.enumerate().skip(counts.deactivations_read as usize) {
                if let Ok(id) = id {
                    file_report.not_read(ReportEntityKind::Deactivation, id, i as u64 + 1);
                }
            }
        }
    }
    print_summary(
        &report,
        &file_report,
        &users,
        &deactivations,
        elapsed,
        args.report.is_none(),
    );
    if let Some(fake) = &target.fake {
        let held = fake.users(fake.identity_source_id());
        let active = held
            .iter()
            .filter(|u| u.status == UserStatus::Active)
            .count();
        outln!(
            "The fake org now holds {} users ({active} active).",
            held.len()
        );
    }
    let mut code = if stopped.is_some() {
        EXIT_STOPPED
    } else if report.all_imported() {
        EXIT_OK
    } else {
        EXIT_NOT_ALL_IMPORTED
    };
    if let Some(path) = &args.report {
        match write_report(path, &file_report) {
            Ok(()) => errln!("Report written to {}.", path.display()),
            Err(e) => {
                errln!(
                    "error: the report {} could not be written: {e}",
                    path.display()
                );
                if code == EXIT_OK {
                    code = EXIT_ERROR;
                }
            }
        }
    }
    if let Some(message) = stopped {
        errln!("error: {message}");
    }
    Ok(code)
}

/// Writes the report next to its final name, then renames it into place,
/// so a reader never sees half a report.
fn write_report(path: &std::path::Path, report: &JobReport) -> io::Result<()> {
    let text = serde_json::to_vec_pretty(report).map_err(io::Error::other)?;
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    std::fs::write(&partial, &text)?;
    std::fs::rename(&partial, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&partial);
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

fn print_summary(
    report: &ImportReport,
    file: &JobReport,
    users: &input::Checked,
    deactivations: &input::Checked,
    elapsed: Duration,
    suggest_report: bool,
) {
    let c = &report.counts;
    let by = |kind: ReportEntityKind, outcome: ReportOutcome| {
        file.entities
            .iter()
            .filter(|e| e.kind == kind && e.outcome == outcome)
            .count()
            .to_string()
    };
    let user = ReportEntityKind::User;
    let deact = ReportEntityKind::Deactivation;
    let mut totals = vec![
        vec!["users in the input".to_owned(), users.valid.to_string()],
        vec!["  read".to_owned(), c.upserts_read.to_string()],
        vec!["  imported".to_owned(), c.upserted.to_string()],
        vec![
            "  not imported".to_owned(),
            by(user, ReportOutcome::NotImported),
        ],
        vec![
            "  outcome unknown".to_owned(),
            by(user, ReportOutcome::Unknown),
        ],
        vec!["  not read".to_owned(), by(user, ReportOutcome::NotRead)],
    ];
    if deactivations.valid > 0 {
        totals.extend([
            vec![
                "deactivations in the input".to_owned(),
                deactivations.valid.to_string(),
            ],
            vec!["  read".to_owned(), c.deactivations_read.to_string()],
            vec![
                "  sent, effect unknown".to_owned(),
                by(deact, ReportOutcome::DeactivatedSent),
            ],
            vec![
                "  ignored (no such user)".to_owned(),
                by(deact, ReportOutcome::WithoutEffect),
            ],
            vec![
                "  not sent or not imported".to_owned(),
                by(deact, ReportOutcome::NotImported),
            ],
            vec![
                "  outcome unknown".to_owned(),
                by(deact, ReportOutcome::Unknown),
            ],
            vec!["  not read".to_owned(), by(deact, ReportOutcome::NotRead)],
        ]);
    }
    let secs = elapsed.as_secs_f64();
    totals.extend([
        vec!["uploads".to_owned(), c.uploads.to_string()],
        vec!["sessions".to_owned(), report.sessions.len().to_string()],
        vec!["time".to_owned(), format!("{secs:.1} s")],
        vec![
            "rate".to_owned(),
            if secs > 0.0 {
                format!("{:.0} users/s", c.upserted as f64 / secs)
            } else {
                "-".to_owned()
            },
        ],
    ]);
    out(&table(&["", "count"], &totals));
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
                        escape_text(s.note.as_deref().unwrap_or(""), 300)
                    ),
                ]
            })
            .collect();
        out(&table(
            &[
                "session",
                "status",
                "users",
                "deactivations",
                "uploads",
                "note",
            ],
            &rows,
        ));
    }
    for id in &report.cancelled_leftovers {
        outln!("cancelled leftover session {id}");
    }
    // Entities not confirmed, grouped by what happened to them: one line
    // per distinct reason, with a few of their externalIds.
    let mut groups: Vec<(ReportEntityKind, ReportOutcome, String, Vec<&str>, u64)> = Vec::new();
    for e in &file.entities {
        if matches!(
            e.outcome,
            ReportOutcome::NotRead | ReportOutcome::DeactivatedSent | ReportOutcome::WithoutEffect
        ) {
            continue;
        }
        let reason = e.reason.clone().unwrap_or_default();
        match groups
            .iter_mut()
            .find(|g| g.0 == e.kind && g.1 == e.outcome && g.2 == reason)
        {
            Some(g) => {
                g.4 += 1;
                if g.3.len() < 3 {
                    g.3.push(&e.external_id);
                }
            }
            None => groups.push((e.kind, e.outcome, reason, vec![&e.external_id], 1)),
        }
    }
    const GROUPS_SHOWN: usize = 20;
    for (kind, outcome, reason, ids, n) in groups.iter().take(GROUPS_SHOWN) {
        let what = match kind {
            ReportEntityKind::Deactivation => "deactivation",
            _ => "user",
        };
        let plural = if *n == 1 { "" } else { "s" };
        let state = match outcome {
            ReportOutcome::Unknown => "outcome unknown",
            _ => "not imported",
        };
        let examples = ids
            .iter()
            .map(|i| format!("`{}`", escape_text(i, 80)))
            .collect::<Vec<_>>()
            .join(", ");
        let more = if *n > ids.len() as u64 { ", …" } else { "" };
        errln!("{n} {what}{plural} {state} ({examples}{more}): {reason}");
    }
    if groups.len() > GROUPS_SHOWN {
        errln!("… and {} more reasons", groups.len() - GROUPS_SHOWN);
    }
    if !groups.is_empty() && suggest_report {
        errln!("--report FILE.json lists every entity that was not confirmed, with its reason.");
    }
}

fn session_rows(sessions: &[IdentitySourceSession]) -> Vec<Vec<String>> {
    sessions
        .iter()
        .map(|s| {
            vec![
                s.id.clone(),
                s.status.to_string(),
                s.created.to_rfc3339(),
                s.last_updated.to_rfc3339(),
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
    if missing_source_id(fake, source) {
        return Ok(EXIT_USAGE);
    }
    let target = connect(fake, source)?;
    let (client, isid) = (&target.client, target.source_id.as_str());
    match (&cmd, session_id) {
        (SessionsCommand::List { .. }, _) => {
            let list = client
                .list_identity_source_sessions(isid)
                .await
                .context("listing sessions")?;
            if list.is_empty() {
                outln!("No active session.");
            } else {
                out(&table(&SESSION_HEADER, &session_rows(&list)));
            }
        }
        (SessionsCommand::Get { .. }, Some(sid)) => {
            let s = client
                .get_identity_source_session(isid, sid)
                .await
                .with_context(|| format!("getting session {sid}"))?;
            out(&table(&SESSION_HEADER, &session_rows(&[s])));
        }
        (SessionsCommand::Cancel { .. }, Some(sid)) => {
            client
                .delete_identity_source_session(isid, sid)
                .await
                .with_context(|| format!("cancelling session {sid}"))?;
            outln!("Session {sid} cancelled.");
        }
        _ => bail!("internal: missing session id"),
    }
    Ok(EXIT_OK)
}

//! `okta-identity-source sync`: keep an identity source equal to a source
//! of truth (the library's `sync` module does the work).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use super::{EXIT_ERROR, EXIT_NOT_ALL_IMPORTED, EXIT_OK, EXIT_STOPPED, EXIT_USAGE, SourceArg};
use crate::import::ImportOptions;
use crate::sync::{
    RosterProblems, Safeguard, SyncError, SyncEvent, SyncJob, SyncOptions, SyncReport, input,
};
use crate::{Client, ClientBuilder};

/// Exit code of `sync`: the safeguard refused the sync (nothing was sent).
pub const EXIT_REFUSED: u8 = 5;
/// Exit code of `sync`: the state file cannot be used (not a state file,
/// locked by another running sync, written by a newer version, or the
/// state of another identity source).
pub const EXIT_STATE: u8 = 6;

#[derive(Debug, Args)]
pub(super) struct SyncArgs {
    #[command(flatten)]
    source: SourceArg,
    /// The state file (SQLite), created on first use. Keep one per
    /// identity source.
    #[arg(long, value_name = "FILE")]
    state: PathBuf,
    /// All users of the source: .csv (header row with `externalId` and one
    /// column per attribute; an empty cell clears the attribute) or .jsonl
    /// (one {"externalId":…,"profile":{…}} per line).
    users: PathBuf,
    /// All groups: CSV with `externalId`, `displayName` and other profile
    /// columns. Without it, groups are left alone.
    #[arg(long, value_name = "GROUPS.csv")]
    groups: Option<PathBuf>,
    /// All memberships: CSV with `groupExternalId,memberExternalId` rows.
    /// Without it, memberships are left alone.
    #[arg(long, value_name = "MEMBERSHIPS.csv")]
    memberships: Option<PathBuf>,
    /// Print what would be sent and send nothing.
    #[arg(long)]
    plan: bool,
    /// Start a new state from these files, marked as already imported, and
    /// send nothing (for an identity source filled by other means).
    #[arg(long, conflicts_with = "plan")]
    adopt: bool,
    /// Write every entity with its outcome to this JSON file.
    #[arg(long, value_name = "REPORT.json")]
    report: Option<PathBuf>,
    /// Most deactivations allowed: a number, or a percentage of the users
    /// in the state (default 10%, and always at least 10).
    #[arg(long, value_name = "N|P%")]
    max_deactivations: Option<String>,
    /// Most the source may have shrunk since the last sync: a number of
    /// users, or a percentage (default 10%, and always at least 10).
    #[arg(long, value_name = "N|P%")]
    max_shrink: Option<String>,
    /// Allow a users file with no rows (it deactivates everyone).
    #[arg(long)]
    allow_empty_source: bool,
    /// First wait between two polls of a triggered session, in ms.
    #[arg(long, default_value_t = 2000)]
    poll_interval_ms: u64,
    /// Wait after a trigger before creating the next session, in ms
    /// (Okta's cool-down: 60 s observed, 5 min documented).
    #[arg(long, default_value_t = 60_000)]
    cooldown_ms: u64,
    /// Entities per upload (Okta: at most 200).
    #[arg(long, default_value_t = 200)]
    max_entities_per_upload: usize,
    /// Uploads per session (Okta: at most 50).
    #[arg(long, default_value_t = 50)]
    max_uploads_per_session: usize,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
}

/// `N` or `P%`.
enum Threshold {
    Count(u64),
    Ratio(f64),
}

fn threshold(flag: &str, text: &str) -> Result<Threshold> {
    let t = text.trim();
    if let Some(p) = t.strip_suffix('%') {
        match p.trim().parse::<f64>() {
            Ok(v) if (0.0..=100.0).contains(&v) => Ok(Threshold::Ratio(v / 100.0)),
            _ => bail!("{flag}: expected a number or a percentage from 0% to 100%, got {text:?}"),
        }
    } else {
        match t.parse::<u64>() {
            Ok(n) => Ok(Threshold::Count(n)),
            Err(_) => bail!("{flag}: expected a number or a percentage, got {text:?}"),
        }
    }
}

fn print_problems(p: &RosterProblems, args: &SyncArgs) {
    for e in &p.problems {
        let mut e = e.clone();
        if e.file.is_none() {
            let path = match e.input {
                crate::sync::InputKind::Users => Some(&args.users),
                crate::sync::InputKind::Groups => args.groups.as_ref(),
                crate::sync::InputKind::Memberships => args.memberships.as_ref(),
            };
            e.file = path.map(|p| p.display().to_string());
        }
        eprintln!("error: {e}");
    }
    if p.count > p.problems.len() as u64 {
        eprintln!("… and {} more problems", p.count - p.problems.len() as u64);
    }
    eprintln!("{} problem(s) in the input. Nothing was sent.", p.count);
}

pub(super) async fn run(fake: bool, args: SyncArgs) -> Result<u8> {
    if fake {
        eprintln!(
            "error: sync keeps a state across runs, which an embedded fake forgets; \
             run `okta-identity-source fake --token T` in another terminal and point OKTA_CLIENT_ORGURL at it"
        );
        return Ok(EXIT_USAGE);
    }
    let Some(source_id) = args.source.source_id.clone() else {
        eprintln!("error: --source-id (or OKTA_IDENTITY_SOURCE_ID) is required");
        return Ok(EXIT_USAGE);
    };
    let mut safeguard = Safeguard {
        allow_empty_source: args.allow_empty_source,
        ..Safeguard::default()
    };
    match args
        .max_deactivations
        .as_deref()
        .map(|t| threshold("--max-deactivations", t))
        .transpose()
    {
        Ok(Some(Threshold::Count(n))) => safeguard.max_deactivations = Some(n),
        Ok(Some(Threshold::Ratio(r))) => {
            safeguard.max_deactivation_ratio = r;
        }
        Ok(None) => {}
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(EXIT_USAGE);
        }
    }
    match args
        .max_shrink
        .as_deref()
        .map(|t| threshold("--max-shrink", t))
        .transpose()
    {
        Ok(Some(Threshold::Count(n))) => {
            safeguard.max_shrink_ratio = 0.0;
            safeguard.min_shrink_allowed = n;
        }
        Ok(Some(Threshold::Ratio(r))) => safeguard.max_shrink_ratio = r,
        Ok(None) => {}
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(EXIT_USAGE);
        }
    }
    if args.max_entities_per_upload == 0 || args.max_uploads_per_session == 0 {
        eprintln!("error: the upload limits must be at least 1");
        return Ok(EXIT_USAGE);
    }
    let defaults = ImportOptions::default();
    let options = SyncOptions {
        import: ImportOptions {
            poll_interval: Duration::from_millis(args.poll_interval_ms),
            max_poll_interval: Duration::from_millis(args.poll_interval_ms.max(1) * 15)
                .min(defaults.max_poll_interval),
            expected_cooldown: Duration::from_millis(args.cooldown_ms),
            cooldown_retry_interval: Duration::from_millis((args.cooldown_ms / 10).max(50))
                .min(defaults.cooldown_retry_interval),
            retry_interval: Duration::from_millis((args.poll_interval_ms / 2).max(50))
                .min(defaults.retry_interval),
            max_entities_per_upload: args.max_entities_per_upload.min(200),
            max_uploads_per_session: args.max_uploads_per_session.min(50),
            ..defaults
        },
        max_members_per_upload: args.max_entities_per_upload.min(200),
        safeguard: safeguard.clone(),
    };

    let started = Instant::now();
    let mut job = match SyncJob::open(&args.state, &source_id, options) {
        Ok(j) => j,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(EXIT_STATE);
        }
    };
    // The roster, validated completely before anything is sent.
    // A file that cannot be opened (or has a bad header) is a usage error;
    // a database error while loading is a state error.
    enum LoadError {
        File(crate::sync::RosterProblem),
        State(SyncError),
    }
    let loaded = (|| -> Result<(), LoadError> {
        let users = input::users(&args.users).map_err(LoadError::File)?;
        job.load_users(users).map_err(LoadError::State)?;
        if let Some(path) = &args.groups {
            let groups = input::groups(path).map_err(LoadError::File)?;
            job.load_groups(groups).map_err(LoadError::State)?;
        }
        if let Some(path) = &args.memberships {
            let memberships = input::memberships(path).map_err(LoadError::File)?;
            job.load_memberships(memberships)
                .map_err(LoadError::State)?;
        }
        Ok(())
    })();
    match loaded {
        Ok(()) => {}
        Err(LoadError::File(p)) => {
            eprintln!("error: {p}");
            eprintln!("Nothing was sent.");
            return Ok(EXIT_USAGE);
        }
        Err(LoadError::State(e)) => {
            eprintln!("error: {e}");
            eprintln!("Nothing was sent.");
            return Ok(EXIT_STATE);
        }
    }
    match job.check() {
        Ok(p) if !p.is_empty() => {
            print_problems(&p.clone(), &args);
            return Ok(EXIT_USAGE);
        }
        Ok(_) => {}
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(EXIT_STATE);
        }
    }
    if args.adopt {
        return match job.adopt() {
            Ok(n) => {
                println!(
                    "Adopted: the state {} now records {n} users{}{} as already imported. Nothing was sent.",
                    args.state.display(),
                    if args.groups.is_some() {
                        ", the groups"
                    } else {
                        ""
                    },
                    if args.memberships.is_some() {
                        ", the memberships"
                    } else {
                        ""
                    },
                );
                Ok(EXIT_OK)
            }
            Err(e) => {
                eprintln!("error: {e}");
                Ok(EXIT_STATE)
            }
        };
    }

    let pending = job.pending_sessions()?;
    let needs_client = !args.plan || !pending.is_empty();
    let client = if needs_client {
        let uploads = ClientBuilder::from_env().max_retries(0).build();
        match Client::from_env().and_then(|c| uploads.map(|u| (c, u))) {
            Ok(c) => Some(c),
            Err(e) => {
                eprintln!(
                    "error: loading the Okta configuration (OKTA_CLIENT_ORGURL, OKTA_CLIENT_TOKEN, okta.yaml): {e}"
                );
                return Ok(EXIT_ERROR);
            }
        }
    } else {
        None
    };
    let bar = if args.quiet || args.plan {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(0)
    };
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:40.cyan/blue} {pos}/{len} ({per_sec}) {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    if let Some((client, uploads)) = client {
        let cb = bar.clone();
        job = job
            .with_client(client)
            .with_upload_client(uploads)
            .on_progress(move |e| match e {
                SyncEvent::PendingSettled {
                    session_id,
                    outcome,
                } => cb.suspend(|| eprintln!("earlier session {session_id}: {outcome}")),
                SyncEvent::SessionOpened {
                    session_id, reused, ..
                } => {
                    let how = if *reused {
                        "reusing empty session"
                    } else {
                        "session"
                    };
                    cb.set_message(format!("{how} {session_id}: uploading"));
                }
                SyncEvent::Uploaded { entities, .. } => cb.inc(*entities as u64),
                SyncEvent::Triggered { session_id } => {
                    cb.set_message(format!("session {session_id}: importing"));
                }
                SyncEvent::Waiting { what, wait } => {
                    // As the import command does: what it waits for and
                    // until when, on a line of its own when it is long.
                    let text = format!(
                        "waiting {} (until {}) for {what}",
                        super::human_duration(*wait),
                        super::until(*wait)
                    );
                    if *wait >= super::ANNOUNCED_WAIT {
                        if cb.is_hidden() {
                            super::errln(&text);
                        } else {
                            cb.println(super::safe(&text));
                        }
                    }
                    cb.set_message(text);
                }
                SyncEvent::SessionFinished(s) => {
                    let status = s
                        .status
                        .as_ref()
                        .map_or_else(|| "UNKNOWN".to_owned(), ToString::to_string);
                    cb.println(format!(
                        "session {} {status}: {} entities",
                        s.id, s.entities
                    ));
                }
            });
    }
    if let Err(e) = job.settle(!args.plan).await {
        bar.finish_and_clear();
        eprintln!("error: settling the sessions of an earlier run: {e}");
        eprintln!("Nothing new was sent; run the sync again.");
        return Ok(EXIT_STOPPED);
    }
    let plan = match job.plan() {
        Ok(p) => p,
        Err(SyncError::Roster(p)) => {
            print_problems(&p, &args);
            return Ok(EXIT_USAGE);
        }
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(EXIT_STATE);
        }
    };
    let plan_time = started.elapsed();
    for line in plan.lines() {
        println!("{line}");
    }
    let refusals = safeguard.check(&plan);
    if !refusals.is_empty() {
        for r in &refusals {
            eprintln!("refused: {r}");
        }
        eprintln!("Nothing was sent.");
        if let Some(path) = &args.report {
            write_report(&job, path, None)?;
        }
        return Ok(EXIT_REFUSED);
    }
    if args.plan {
        println!("Plan only (computed in {plan_time:.1?}): nothing was sent.");
        if let Some(path) = &args.report {
            write_report(&job, path, None)?;
        }
        return Ok(EXIT_OK);
    }
    if plan.is_empty() {
        println!("Nothing to send: Okta holds the source.");
    }
    bar.set_length(plan.entities());
    bar.enable_steady_tick(Duration::from_millis(120));
    let result = job.apply().await;
    bar.finish_and_clear();
    let report = match result {
        Ok(r) => r,
        Err(e @ SyncError::State(_)) => {
            eprintln!("error: {e}");
            return Ok(EXIT_STATE);
        }
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!(
                "The state records what Okta confirmed; run the sync again to send the rest."
            );
            return Ok(EXIT_STOPPED);
        }
    };
    print_summary(&plan, &report, plan_time, started.elapsed());
    if let Some(path) = &args.report {
        write_report(&job, path, Some(&report))?;
    }
    if let Some(stopped) = &report.stopped {
        eprintln!("error: {stopped}");
        eprintln!("The state records what Okta confirmed; run the sync again to send the rest.");
    }
    Ok(if report.complete() {
        EXIT_OK
    } else {
        EXIT_NOT_ALL_IMPORTED
    })
}

fn write_report(job: &SyncJob, path: &std::path::Path, report: Option<&SyncReport>) -> Result<()> {
    let file = std::fs::File::create(path)
        .map_err(|e| anyhow::anyhow!("creating {}: {e}", path.display()))?;
    job.write_report(file, report)
        .map_err(|e| anyhow::anyhow!("writing {}: {e}", path.display()))
}

fn print_summary(
    plan: &crate::sync::Plan,
    report: &SyncReport,
    plan_time: Duration,
    elapsed: Duration,
) {
    let mut rows = vec![vec![
        "users".to_owned(),
        plan.users.added.to_string(),
        plan.users.changed.to_string(),
        plan.users.removed.to_string(),
        plan.users.unchanged.to_string(),
    ]];
    if let Some(g) = &plan.groups {
        rows.push(vec![
            "groups".to_owned(),
            g.added.to_string(),
            g.changed.to_string(),
            g.removed.to_string(),
            g.unchanged.to_string(),
        ]);
    }
    if let Some(m) = &plan.memberships {
        rows.push(vec![
            "memberships".to_owned(),
            m.added.to_string(),
            "-".to_owned(),
            m.removed.to_string(),
            m.unchanged.to_string(),
        ]);
    }
    print!(
        "{}",
        super::table(&["", "new", "changed", "removed", "unchanged"], &rows)
    );
    let totals = vec![
        vec!["confirmed by Okta".to_owned(), report.confirmed.to_string()],
        vec![
            "failed (sent again next run)".to_owned(),
            report.failed.to_string(),
        ],
        vec![
            "outcome unknown (settled next run)".to_owned(),
            report.unknown.to_string(),
        ],
        vec!["not sent".to_owned(), report.not_sent.to_string()],
        vec!["uploads".to_owned(), report.uploads.to_string()],
        vec!["sessions".to_owned(), report.sessions.len().to_string()],
        vec!["plan time".to_owned(), format!("{plan_time:.1?}")],
        vec!["time".to_owned(), format!("{elapsed:.1?}")],
    ];
    print!("{}", super::table(&["", "count"], &totals));
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
                    s.entities.to_string(),
                    s.uploads.to_string(),
                    format!(
                        "{}{}",
                        if s.reused {
                            "empty leftover reused. "
                        } else {
                            ""
                        },
                        s.note.as_deref().unwrap_or("")
                    ),
                ]
            })
            .collect();
        print!(
            "{}",
            super::table(&["session", "status", "entities", "uploads", "note"], &rows)
        );
    }
}

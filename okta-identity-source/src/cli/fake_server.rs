//! `okta-identity-source fake`: the fake Okta in its own process, until
//! interrupted, so several runs of `import` or `sync` see one state.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Args;
use serde_json::json;

use crate::fake::{FakeConfig, FakeOkta, UserStatus};

#[derive(Args)]
pub(super) struct FakeArgs {
    /// The port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// The API token clients must send (`Authorization: SSWS <token>`).
    #[arg(long, env = "OKTA_FAKE_TOKEN", hide_env_values = true)]
    token: String,
    /// The identity source id (0oa…, 20 characters) it serves.
    #[arg(long, default_value = "0oafakeidentitysrc01")]
    source_id: String,
    /// How long a triggered import takes, in milliseconds.
    #[arg(long, default_value_t = crate::fake::TEST_PROCESSING_DELAY_MS)]
    processing_delay_ms: u64,
    /// The cool-down after a trigger before a new session may be created,
    /// in milliseconds (Okta: about 60 s to 5 min).
    #[arg(long, default_value_t = crate::fake::TEST_COOLDOWN_MS)]
    cooldown_ms: u64,
    /// On exit, write what the identity source holds (users, groups,
    /// memberships, sessions, entities uploaded twice into a session) to
    /// this JSON file.
    #[arg(long, value_name = "FILE")]
    dump: Option<PathBuf>,
}

impl std::fmt::Debug for FakeArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeArgs")
            .field("port", &self.port)
            .field("token", &"<redacted>")
            .field("source_id", &self.source_id)
            .field("processing_delay_ms", &self.processing_delay_ms)
            .field("cooldown_ms", &self.cooldown_ms)
            .field("dump", &self.dump)
            .finish()
    }
}

pub(super) async fn run(args: FakeArgs) -> Result<u8> {
    if args.token.trim().is_empty() {
        anyhow::bail!("--token must not be empty");
    }
    // The test-speed timings of `FakeConfig::for_tests`, with the
    // command line's overrides (whose defaults are the same figures).
    let config = FakeConfig::for_tests()
        .api_token(args.token.clone())
        .identity_source_id(args.source_id.clone())
        .processing_delay(Duration::from_millis(args.processing_delay_ms))
        .cooldown(Duration::from_millis(args.cooldown_ms))
        .record_bodies(false)
        .request_log_capacity(0);
    let fake = FakeOkta::start_on(config, args.port)
        .with_context(|| format!("starting the fake on 127.0.0.1:{}", args.port))?;
    println!("{}", fake.base_url());
    eprintln!(
        "Fake Okta serving identity source {} at {} until interrupted (Ctrl-C).\n\
         Point the tool at it with:\n  \
         export OKTA_CLIENT_ORGURL={} OKTA_CLIENT_TOKEN=<the --token value> \
         OKTA_TESTING_DISABLE_HTTPS_CHECK=true OKTA_IDENTITY_SOURCE_ID={}",
        args.source_id,
        fake.base_url(),
        fake.base_url(),
        args.source_id
    );
    wait_for_signal().await;
    if let Some(path) = &args.dump {
        write_dump(&fake, path).with_context(|| format!("writing {}", path.display()))?;
        eprintln!("Wrote {}.", path.display());
    }
    fake.shutdown().await;
    Ok(super::EXIT_OK)
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

fn write_dump(fake: &FakeOkta, path: &std::path::Path) -> Result<()> {
    let isid = fake.identity_source_id();
    let users: Vec<_> = fake
        .users(isid)
        .into_iter()
        .map(|u| {
            json!({
                "externalId": u.external_id,
                "status": match u.status { UserStatus::Active => "ACTIVE", UserStatus::Deactivated => "DEACTIVATED" },
                "profile": u.profile,
            })
        })
        .collect();
    let groups: Vec<_> = fake
        .groups(isid)
        .into_iter()
        .map(|g| json!({"externalId": g.external_id, "profile": g.profile, "members": g.members}))
        .collect();
    let sessions: Vec<_> = fake
        .sessions(isid)
        .into_iter()
        .map(|s| {
            json!({"id": s.id, "status": s.status.to_string(), "uploads": s.uploads, "entities": s.entities})
        })
        .collect();
    let duplicates: Vec<_> = fake
        .duplicates(isid)
        .into_iter()
        .map(|(sid, entity)| json!({"sessionId": sid, "entity": entity}))
        .collect();
    let dump = json!({
        "identitySourceId": isid,
        "requests": fake.request_count(),
        "ignoredMemberships": fake.ignored_memberships(isid),
        "users": users,
        "groups": groups,
        "sessions": sessions,
        "duplicates": duplicates,
    });
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(&dump)?)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

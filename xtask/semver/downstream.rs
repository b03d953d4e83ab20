//! A downstream crate, as users write them, against the crate generated
//! from base.yaml: `cargo xtask check-semver` compiles it against that crate
//! and against the one generated from additions.yaml (both must compile: the
//! additions are a minor change), and against the one generated from
//! breaking.yaml (which must not).

use semver_api::models::{
    Event, Outcome, Profile, Session, SessionRequest, SessionRequestEntityType, SessionStatus,
};
use semver_api::{Call, Client, operations};

/// Field access, and a `match` on a generated enum.
pub fn describe(session: &Session) -> String {
    let status = match &session.status {
        Some(SessionStatus::Created) => "created",
        Some(SessionStatus::Triggered) => "triggered",
        Some(SessionStatus::Completed) => "completed",
        Some(SessionStatus::Unknown(other)) => other.as_str(),
        // Generated enums are #[non_exhaustive]: a value added upstream
        // lands here instead of breaking this match.
        Some(_) => "newer",
        None => "unknown",
    };
    let owner = session
        .owner
        .as_ref()
        .and_then(|p| p.user_name.as_deref())
        .unwrap_or("nobody");
    format!(
        "{} {status} {owner} {:?}",
        session.id.as_deref().unwrap_or("?"),
        session.created
    )
}

/// A struct pattern (with `..`, as #[non_exhaustive] requires).
pub fn id_of(session: &Session) -> Option<&str> {
    let Session { id, .. } = session;
    id.as_deref()
}

/// A union: match on its members.
pub fn outcome(o: &Outcome) -> &'static str {
    match o {
        Outcome::Session(_) => "session",
        Outcome::Profile(_) => "profile",
        _ => "other",
    }
}

/// Construction through setters (and `new` for a struct without `Default`).
pub fn request(name: &str) -> SessionRequest {
    let mut profile = Profile::default().user_name(name).email(format!("{name}@example.com"));
    profile.mobile_phone = semver_api::models::Nullable::Null;
    SessionRequest::default()
        .entity_type(SessionRequestEntityType::Users)
        .profiles(vec![profile])
}

pub fn event(at: chrono::DateTime<chrono::Utc>) -> Event {
    Event::new(SessionStatus::Completed, at).note("done")
}

/// A call's type, named: it stays the same when the operation gains an
/// optional parameter (its first one, in additions.yaml).
pub fn get_call(client: &Client, id: &str) -> Call<Session, operations::GetSession> {
    client.get_session(id)
}

/// Calls, with and without optional parameters, awaited and sent.
pub async fn calls(client: &Client) -> Result<usize, semver_api::Error> {
    let created = client.create_session(&request("isaac")).await?;
    let again = client.get_session(id_of(&created).unwrap_or("x")).await?;
    let sent = get_call(client, "y").send().await?;
    let page = client.list_sessions().limit(20).after("cursor").await?;
    let _every_item = client.list_sessions().limit(200).paginate();
    client.record_event(&event(chrono::Utc::now())).await?;
    Ok(page.len() + describe(&again).len() + describe(&sent).len())
}

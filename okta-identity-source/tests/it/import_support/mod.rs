//! Shared helpers of the import workflow tests.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::time::Duration;

use okta_identity_source::fake::{FakeConfig, FakeOkta, FakeUser, UserStatus};
use okta_identity_source::import::{ImportOptions, UserUpsert};

/// A fake with test-speed timings that does not keep request bodies.
pub fn quick_fake() -> FakeConfig {
    FakeConfig::for_tests().record_bodies(false)
}

/// Options with waits scaled down to the quick fake.
pub fn quick_options() -> ImportOptions {
    ImportOptions {
        expected_cooldown: Duration::from_millis(100),
        cooldown_retry_interval: Duration::from_millis(20),
        max_cooldown_wait: Duration::from_secs(20),
        poll_interval: Duration::from_millis(10),
        max_poll_interval: Duration::from_millis(50),
        max_poll_duration: Duration::from_secs(60),
        retry_interval: Duration::from_millis(20),
        max_attempts: 6,
        ..ImportOptions::default()
    }
}

/// User `i`: standard and custom attributes, some sent as null.
pub fn user(i: usize) -> UserUpsert {
    let mut u = UserUpsert::new(format!("ext-{i:06}"))
        .attribute("userName", format!("user{i}@example.com"))
        .attribute("email", format!("user{i}@example.com"))
        .attribute("firstName", format!("First{i}"))
        .attribute("lastName", "Lästname \"quoted\"")
        .attribute("costCenter", format!("cc-{}", i % 17))
        .attribute("employeeNumber", i.to_string());
    if i.is_multiple_of(7) {
        u = u.clear("mobilePhone");
    } else {
        u = u.attribute("mobilePhone", format!("+1 555 {i:07}"));
    }
    if i.is_multiple_of(5) {
        u = u.clear("nickName");
    }
    u
}

/// The profile the fake should hold for `u` after importing it into an
/// empty source (attributes sent as null are absent).
pub fn expected_profile(u: &UserUpsert) -> BTreeMap<String, String> {
    let value = match serde_json::to_value(&u.profile) {
        Ok(v) => v,
        Err(e) => panic!("profile serializes: {e}"),
    };
    let mut out = BTreeMap::new();
    if let serde_json::Value::Object(map) = value {
        for (k, v) in map {
            if let serde_json::Value::String(s) = v {
                out.insert(k, s);
            }
        }
    }
    out
}

/// Asserts the fake holds exactly `users`, active, with their profiles.
pub fn assert_holds_exactly(fake: &FakeOkta, users: impl IntoIterator<Item = UserUpsert>) {
    let held: BTreeMap<String, FakeUser> = fake
        .users(fake.identity_source_id())
        .into_iter()
        .map(|u| (u.external_id.clone(), u))
        .collect();
    let mut expected = 0;
    for u in users {
        expected += 1;
        let Some(h) = held.get(&u.external_id) else {
            panic!("user {} is missing from the fake", u.external_id);
        };
        assert_eq!(h.status, UserStatus::Active, "{}", u.external_id);
        assert_eq!(h.profile, expected_profile(&u), "{}", u.external_id);
    }
    assert_eq!(held.len(), expected, "the fake holds users it was not sent");
}

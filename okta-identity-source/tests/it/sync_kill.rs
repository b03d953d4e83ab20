#![cfg(feature = "cli")]
//! Nothing is lost: `okta-identity-source sync` killed with SIGKILL at
//! random moments, again and again, against a fake Okta running in its own
//! process (`okta-identity-source fake`), converges on the source it is
//! given last. The sources alternate between two versions (joiners,
//! leavers who come back, changed and cleared attributes, a group deleted
//! and re-created, people moving between groups), so every run has work to
//! do and the kills land in every phase: reading, planning, creating a
//! session, recording it, uploading, waiting for the import, committing.
//!
//! At the end the fake's users, groups and memberships are compared with
//! the final source, and no entity may have been uploaded twice into one
//! session. The kill moments come from a seeded generator
//! (`OKTA_KILL_SEED` to replay a run).

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_okta-identity-source");
const TOKEN: &str = "kill-test-token-0123456789";
const ISID: &str = "0oakilltest000000001";

/// One version of the source.
struct Source {
    /// externalId -> attributes (an empty string is an empty cell).
    users: BTreeMap<String, BTreeMap<&'static str, String>>,
    /// externalId -> (displayName, description)
    groups: BTreeMap<String, (String, String)>,
    memberships: BTreeSet<(String, String)>,
}

fn source(version: u32) -> Source {
    let mut users = BTreeMap::new();
    let mut memberships = BTreeSet::new();
    let b = version == 1;
    for i in 0..330u32 {
        // Version 0: users 0..300; version 1: 15 of them left, 30 joined.
        let present = if b { i % 20 != 7 } else { i < 300 };
        if !present {
            continue;
        }
        let id = format!("emp-{i:04}");
        let mut attrs = BTreeMap::new();
        attrs.insert("userName", format!("user{i}@example.com"));
        attrs.insert("firstName", format!("First{i}"));
        let dept = if b && i % 11 == 3 { (i + 1) % 6 } else { i % 6 };
        attrs.insert("department", format!("dept-{dept}"));
        // Version 1 clears some phones and changes some titles.
        let phone = if b && i % 13 == 0 {
            String::new()
        } else {
            format!("+1 555 {i:04}")
        };
        attrs.insert("mobilePhone", phone);
        attrs.insert(
            "title",
            if b && i % 17 == 1 {
                "Senior, \"acting\"".to_owned()
            } else {
                "Engineer".to_owned()
            },
        );
        let group = if dept == 5 && b {
            "grp-new".to_owned()
        } else {
            format!("grp-{dept}")
        };
        memberships.insert((group, id.clone()));
        if i % 4 == 0 {
            memberships.insert(("grp-all-hands".to_owned(), id.clone()));
        }
        users.insert(id, attrs);
    }
    let mut groups = BTreeMap::new();
    for d in 0..6 {
        if b && d == 5 {
            continue; // deleted in version 1
        }
        let name = if b && d == 2 {
            "Department two (renamed)".to_owned()
        } else {
            format!("Department {d}")
        };
        let description = if d % 2 == 0 {
            format!("dept {d}")
        } else {
            String::new()
        };
        groups.insert(format!("grp-{d}"), (name, description));
    }
    groups.insert(
        "grp-all-hands".to_owned(),
        ("All hands".to_owned(), "everyone".to_owned()),
    );
    if b {
        groups.insert("grp-new".to_owned(), ("New".to_owned(), String::new()));
    }
    Source {
        users,
        groups,
        memberships,
    }
}

fn csv_cell(v: &str) -> String {
    if v.contains([',', '"', '\n']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v.to_owned()
    }
}

fn write_source(dir: &Path, version: u32, s: &Source) -> [PathBuf; 3] {
    let users = dir.join(format!("users{version}.csv"));
    let groups = dir.join(format!("groups{version}.csv"));
    let members = dir.join(format!("members{version}.csv"));
    let mut text = String::from("externalId,userName,firstName,department,mobilePhone,title\n");
    for (id, a) in &s.users {
        let cells: Vec<String> = [
            "userName",
            "firstName",
            "department",
            "mobilePhone",
            "title",
        ]
        .iter()
        .map(|k| csv_cell(&a[k]))
        .collect();
        text.push_str(&format!("{id},{}\n", cells.join(",")));
    }
    std::fs::write(&users, text).expect("write users");
    let mut text = String::from("externalId,displayName,description\n");
    for (id, (name, desc)) in &s.groups {
        text.push_str(&format!("{id},{},{}\n", csv_cell(name), csv_cell(desc)));
    }
    std::fs::write(&groups, text).expect("write groups");
    let mut text = String::from("groupExternalId,memberExternalId\n");
    for (g, m) in &s.memberships {
        text.push_str(&format!("{g},{m}\n"));
    }
    std::fs::write(&members, text).expect("write memberships");
    [users, groups, members]
}

struct Fake {
    child: Child,
    base_url: String,
    dump: PathBuf,
}

impl Drop for Fake {
    /// A failing test does not leave the fake running.
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn start_fake(dir: &Path) -> Fake {
    let dump = dir.join("dump.json");
    let mut child = Command::new(BIN)
        .args([
            "fake",
            "--port",
            "0",
            "--token",
            TOKEN,
            "--source-id",
            ISID,
            "--processing-delay-ms",
            "150",
            "--cooldown-ms",
            "40",
            "--dump",
        ])
        .arg(&dump)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the fake");
    let mut line = String::new();
    let stdout = child.stdout.take().expect("fake stdout");
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("fake banner");
    let base_url = line.trim().to_owned();
    assert!(base_url.starts_with("http://127.0.0.1:"), "{base_url:?}");
    Fake {
        child,
        base_url,
        dump,
    }
}

fn sync_command(fake: &Fake, dir: &Path, files: &[PathBuf; 3], extra: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.current_dir(dir)
        .env("HOME", dir)
        .env("OKTA_CLIENT_ORGURL", &fake.base_url)
        .env("OKTA_CLIENT_TOKEN", TOKEN)
        .env("OKTA_TESTING_DISABLE_HTTPS_CHECK", "true")
        .env("OKTA_IDENTITY_SOURCE_ID", ISID)
        .args(["sync", "--state", "state.db", "--quiet"])
        .arg(&files[0])
        .arg("--groups")
        .arg(&files[1])
        .arg("--memberships")
        .arg(&files[2])
        .args([
            "--max-deactivations",
            "100%",
            "--max-shrink",
            "100%",
            "--poll-interval-ms",
            "20",
            "--cooldown-ms",
            "40",
            // Small uploads and sessions: many sessions, many windows.
            "--max-entities-per-upload",
            "25",
            "--max-uploads-per-session",
            "4",
        ])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

fn signal(pid: u32, sig: &str) {
    let status = Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill {sig} {pid}");
}

#[test]
fn a_sync_killed_at_random_moments_converges_and_loses_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sources = [source(0), source(1)];
    let files = [
        write_source(dir.path(), 0, &sources[0]),
        write_source(dir.path(), 1, &sources[1]),
    ];
    let mut fake = start_fake(dir.path());
    let seed: u64 = std::env::var("OKTA_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_0012);
    let mut rng = fastrand::Rng::with_seed(seed);
    eprintln!("kill seed {seed} (OKTA_KILL_SEED to replay)");

    let started = Instant::now();
    let mut kills = 0;
    let mut finished = 0;
    let mut run = 0u32;
    // Up to 80 runs; stop once 28 runs were killed. Most runs alternate
    // the source, so each has a difference to send.
    while kills < 28 && run < 90 {
        let version = (run / 2 % 2) as usize;
        run += 1;
        let mut child = sync_command(&fake, dir.path(), &files[version], &[])
            .spawn()
            .expect("spawn sync");
        let delay = Duration::from_millis(rng.u64(5..1200));
        let deadline = Instant::now() + delay;
        let mut exited = None;
        while Instant::now() < deadline {
            if let Some(status) = child.try_wait().expect("try_wait") {
                exited = Some(status);
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        match exited {
            Some(status) => {
                finished += 1;
                let out = child.wait_with_output().expect("output");
                // A finished run either converged (0) or stopped cleanly;
                // nothing else (no usage error, no state error) may happen.
                assert!(
                    matches!(status.code(), Some(0 | 1 | 3)),
                    "run {run} exited {status:?}: {}{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            None => {
                signal(child.id(), "-KILL");
                let _ = child.wait();
                kills += 1;
            }
        }
    }
    eprintln!(
        "{kills} kills, {finished} runs finished, in {:.1?}",
        started.elapsed()
    );
    assert!(kills >= 20, "only {kills} runs were killed in {run} runs");

    // Converge on version 1: a run to the end, then nothing left to do.
    let finale = sync_command(&fake, dir.path(), &files[1], &[])
        .output()
        .expect("final sync");
    assert_eq!(
        finale.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&finale.stdout),
        String::from_utf8_lossy(&finale.stderr)
    );
    let plan = sync_command(&fake, dir.path(), &files[1], &["--plan"])
        .output()
        .expect("plan");
    let plan_text = String::from_utf8_lossy(&plan.stdout);
    assert!(
        plan_text.contains("users: +0 ~0 -0")
            && plan_text.contains("groups: +0 ~0 -0")
            && plan_text.contains("memberships: +0 -0"),
        "{plan_text}"
    );

    // Stop the fake; it writes what it holds.
    signal(fake.child.id(), "-TERM");
    let status = fake.child.wait().expect("fake exits");
    assert!(status.success(), "{status:?}");
    let dump: Value =
        serde_json::from_slice(&std::fs::read(&fake.dump).expect("dump")).expect("dump json");
    let final_source = &sources[1];

    // Users: exactly the source active, with its profiles; everyone else
    // who was ever sent is deactivated.
    let mut active = BTreeMap::new();
    let mut deactivated = BTreeSet::new();
    for u in dump["users"].as_array().expect("users") {
        let id = u["externalId"].as_str().unwrap_or_default().to_owned();
        match u["status"].as_str() {
            Some("ACTIVE") => {
                let profile: BTreeMap<String, String> =
                    serde_json::from_value(u["profile"].clone()).expect("profile");
                active.insert(id, profile);
            }
            _ => {
                deactivated.insert(id);
            }
        }
    }
    let expected: BTreeMap<String, BTreeMap<String, String>> = final_source
        .users
        .iter()
        .map(|(id, a)| {
            let profile = a
                .iter()
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect();
            (id.clone(), profile)
        })
        .collect();
    assert_eq!(active, expected, "active users differ from the source");
    let leavers: BTreeSet<String> = sources[0]
        .users
        .keys()
        .filter(|id| !final_source.users.contains_key(*id))
        .cloned()
        .collect();
    assert_eq!(
        deactivated, leavers,
        "a leaver was forgotten (or a user wrongly deactivated)"
    );

    // Groups and memberships: exactly the source.
    let mut groups = BTreeMap::new();
    let mut memberships = BTreeSet::new();
    for g in dump["groups"].as_array().expect("groups") {
        let id = g["externalId"].as_str().unwrap_or_default().to_owned();
        let name = g["profile"]["displayName"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let desc = g["profile"]["description"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        for m in g["members"].as_array().expect("members") {
            memberships.insert((id.clone(), m.as_str().unwrap_or_default().to_owned()));
        }
        groups.insert(id, (name, desc));
    }
    assert_eq!(groups, final_source.groups, "groups differ from the source");
    assert_eq!(
        memberships, final_source.memberships,
        "memberships differ from the source"
    );
    // Groups always went before their memberships, interrupted or not.
    let ignored = dump["ignoredMemberships"].as_array().expect("ignored");
    assert!(
        ignored.is_empty(),
        "memberships sent before their group: {ignored:?}"
    );
    let duplicates = dump["duplicates"].as_array().expect("duplicates");
    assert!(
        duplicates.is_empty(),
        "sent twice in one session: {duplicates:?}"
    );
    let _ = std::io::stderr().flush();
}

//! Reading a roster from files, streaming one record at a time.
//!
//! - Users: CSV (a header row naming `externalId` and one column per
//!   attribute; an **empty cell is `null`**: the source has no value, so
//!   Okta clears the attribute) or JSON Lines (one
//!   `{"externalId": …, "profile": {…}}` per line; `null` clears an
//!   attribute). Either way the profile is the whole profile: an attribute
//!   an earlier sync sent and the source no longer has is sent as `null`.
//! - Groups: CSV with `externalId`, `displayName` (required) and any other
//!   profile columns (`description`, custom attributes); an empty cell is
//!   `null`.
//! - Memberships: CSV with the columns `groupExternalId` and
//!   `memberExternalId`, one membership per row.

use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::Path;

use serde_json::Value;

use super::roster::{InputKind, RosterProblem, SourceGroup, SourceMembership, SourceUser};
use crate::import::UserUpsert;
use crate::models::IdentitySourceGroupProfileForUpsert;
use crate::runtime::Nullable;

fn problem(input: InputKind, file: &Path, line: Option<u64>, message: String) -> RosterProblem {
    RosterProblem {
        input,
        file: Some(file.display().to_string()),
        line,
        message,
    }
}

/// A CSV file read row by row with its header.
struct Table {
    input: InputKind,
    path: std::path::PathBuf,
    reader: csv::Reader<BufReader<File>>,
    headers: Vec<String>,
    record: csv::StringRecord,
    failed: bool,
}

impl Table {
    fn open(input: InputKind, path: &Path, required: &[&str]) -> Result<Table, RosterProblem> {
        let file = File::open(path).map_err(|e| problem(input, path, None, e.to_string()))?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(BufReader::new(file));
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| problem(input, path, Some(1), format!("header row: {e}")))?
            .iter()
            .map(|h| h.trim().trim_start_matches('\u{feff}').to_owned())
            .collect();
        for (i, h) in headers.iter().enumerate() {
            if h.is_empty() {
                return Err(problem(
                    input,
                    path,
                    Some(1),
                    format!("column {} has no name in the header row", i + 1),
                ));
            }
            if headers[..i].contains(h) {
                return Err(problem(
                    input,
                    path,
                    Some(1),
                    format!("column `{h}` appears twice"),
                ));
            }
        }
        for r in required {
            if !headers.iter().any(|h| h == r) {
                return Err(problem(
                    input,
                    path,
                    Some(1),
                    format!("the header row has no `{r}` column"),
                ));
            }
        }
        Ok(Table {
            input,
            path: path.to_owned(),
            reader,
            headers,
            record: csv::StringRecord::new(),
            failed: false,
        })
    }

    /// The next row as (line, cells), or a problem.
    fn next_row(&mut self) -> Option<Result<u64, RosterProblem>> {
        if self.failed {
            return None;
        }
        match self.reader.read_record(&mut self.record) {
            Ok(false) => None,
            Ok(true) => Some(Ok(self.record.position().map_or(0, |p| p.line()))),
            Err(e) => {
                let line = e.position().map(|p| p.line());
                let message = match e.kind() {
                    csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => format!("{len} fields, but the header row has {expected_len}"),
                    csv::ErrorKind::Utf8 { err, .. } => {
                        format!("field {} is not valid UTF-8", err.field() + 1)
                    }
                    _ => e.to_string(),
                };
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    self.failed = true;
                }
                Some(Err(problem(self.input, &self.path, line, message)))
            }
        }
    }

    fn column(&self, name: &str) -> usize {
        self.headers.iter().position(|h| h == name).unwrap_or(0)
    }
}

/// Users from a `.csv` or `.jsonl` (`.ndjson`, `.json`) file.
pub fn users(
    path: &Path,
) -> Result<Box<dyn Iterator<Item = Result<SourceUser, RosterProblem>> + Send>, RosterProblem> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("csv") => {
            let mut t = Table::open(InputKind::Users, path, &["externalId"])?;
            if t.headers.len() < 2 {
                return Err(problem(
                    InputKind::Users,
                    path,
                    Some(1),
                    "the header row names no profile attribute besides `externalId`".into(),
                ));
            }
            let id = t.column("externalId");
            Ok(Box::new(std::iter::from_fn(move || {
                let line = match t.next_row()? {
                    Ok(l) => l,
                    Err(p) => return Some(Err(p)),
                };
                let mut user = UserUpsert::new(t.record.get(id).unwrap_or(""));
                for (i, value) in t.record.iter().enumerate() {
                    if i != id {
                        let v = (!value.is_empty()).then(|| value.to_owned());
                        user.set(&t.headers[i], v);
                    }
                }
                Some(Ok(SourceUser { line, user }))
            })))
        }
        Some("jsonl" | "ndjson" | "json") => {
            let file = File::open(path)
                .map_err(|e| problem(InputKind::Users, path, None, e.to_string()))?;
            let path = path.to_owned();
            let mut lines = BufReader::new(file).lines();
            let mut n = 0u64;
            let mut failed = false;
            Ok(Box::new(std::iter::from_fn(move || {
                if failed {
                    return None;
                }
                loop {
                    n += 1;
                    let text = match lines.next()? {
                        Ok(t) => t,
                        Err(e) => {
                            failed = true;
                            return Some(Err(problem(
                                InputKind::Users,
                                &path,
                                Some(n),
                                e.to_string(),
                            )));
                        }
                    };
                    if text.trim().is_empty() {
                        continue;
                    }
                    return Some(
                        json_user(&text)
                            .map(|user| SourceUser { line: n, user })
                            .map_err(|m| problem(InputKind::Users, &path, Some(n), m)),
                    );
                }
            })))
        }
        _ => Err(problem(
            InputKind::Users,
            path,
            None,
            "unknown format: use a .csv or .jsonl file".into(),
        )),
    }
}

fn json_user(text: &str) -> Result<UserUpsert, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        let t = e.to_string();
        format!(
            "invalid JSON: {}",
            t.split(" at line ").next().unwrap_or(&t)
        )
    })?;
    let Value::Object(mut object) = value else {
        return Err("expected a JSON object".into());
    };
    if let Some(key) = object
        .keys()
        .find(|k| *k != "externalId" && *k != "profile")
    {
        return Err(format!(
            "unexpected key `{key}` (expected `externalId` and `profile`)"
        ));
    }
    let id = match object.remove("externalId") {
        Some(Value::String(id)) => id,
        None | Some(Value::Null) => return Err("`externalId` is missing".into()),
        Some(_) => return Err("`externalId` must be a string".into()),
    };
    let profile = match object.remove("profile") {
        Some(Value::Object(p)) => p,
        None | Some(Value::Null) => return Err("`profile` is missing".into()),
        Some(_) => return Err("`profile` must be an object".into()),
    };
    let mut user = UserUpsert::new(id);
    for (name, value) in profile {
        match value {
            Value::String(s) => user.set(&name, Some(s)),
            Value::Null => user.set(&name, None),
            _ => {
                return Err(format!(
                    "profile attribute `{name}` is not a string; Okta accepts only strings (or null)"
                ));
            }
        }
    }
    Ok(user)
}

/// Groups from a CSV file.
pub fn groups(
    path: &Path,
) -> Result<impl Iterator<Item = Result<SourceGroup, RosterProblem>> + Send + use<>, RosterProblem>
{
    let mut t = Table::open(InputKind::Groups, path, &["externalId", "displayName"])?;
    let id = t.column("externalId");
    Ok(std::iter::from_fn(move || {
        let line = match t.next_row()? {
            Ok(l) => l,
            Err(p) => return Some(Err(p)),
        };
        let mut profile = IdentitySourceGroupProfileForUpsert::default();
        for (i, value) in t.record.iter().enumerate() {
            if i == id {
                continue;
            }
            let v = (!value.is_empty()).then(|| value.to_owned());
            match t.headers[i].as_str() {
                "displayName" => profile.display_name = v,
                "description" => profile.description = v.map_or(Nullable::Null, Nullable::Value),
                other => {
                    profile
                        .additional_properties
                        .insert(other.to_owned(), v.map_or(Value::Null, Value::String));
                }
            }
        }
        Some(Ok(SourceGroup {
            line,
            external_id: t.record.get(id).unwrap_or("").to_owned(),
            profile,
        }))
    }))
}

/// Memberships from a CSV file.
pub fn memberships(
    path: &Path,
) -> Result<
    impl Iterator<Item = Result<SourceMembership, RosterProblem>> + Send + use<>,
    RosterProblem,
> {
    let mut t = Table::open(
        InputKind::Memberships,
        path,
        &["groupExternalId", "memberExternalId"],
    )?;
    if t.headers.len() != 2 {
        return Err(problem(
            InputKind::Memberships,
            path,
            Some(1),
            "the header row must have exactly the columns `groupExternalId` and `memberExternalId`"
                .into(),
        ));
    }
    let g = t.column("groupExternalId");
    let m = t.column("memberExternalId");
    Ok(std::iter::from_fn(move || {
        let line = match t.next_row()? {
            Ok(l) => l,
            Err(p) => return Some(Err(p)),
        };
        Some(Ok(SourceMembership {
            line,
            group_external_id: t.record.get(g).unwrap_or("").to_owned(),
            member_external_id: t.record.get(m).unwrap_or("").to_owned(),
        }))
    }))
}

/// Reads a file completely to count its data rows (for a progress bar).
pub fn count_lines(path: &Path) -> io::Result<u64> {
    let mut n = 0;
    for line in BufReader::new(File::open(path)?).lines() {
        if !line?.trim().is_empty() {
            n += 1;
        }
    }
    Ok(n)
}

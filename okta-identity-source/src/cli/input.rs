//! Reading the input files of `okta-identity-source import`: users as CSV
//! or JSON Lines, `externalId`s to deactivate one per line.
//!
//! Every reader streams: it holds one record at a time. The command reads
//! each file twice, first to validate all of it (so a malformed file
//! uploads nothing), then to feed the import.

use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::import::{ImportOptions, UserUpsert};

/// A problem in an input file, with where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    /// The file.
    pub path: PathBuf,
    /// 1-based line, when known.
    pub line: Option<u64>,
    /// 1-based column (CSV: field number; JSON: character), when known.
    pub column: Option<u64>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(line) = self.line {
            write!(f, ", line {line}")?;
        }
        if let Some(column) = self.column {
            write!(f, ", column {column}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for InputError {}

/// The format of a users file, from its extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `.csv`: a header row naming `externalId` and one column per attribute.
    Csv,
    /// `.jsonl`, `.ndjson`, `.json`: one `{"externalId":…,"profile":{…}}` per line.
    JsonLines,
}

impl Format {
    /// The format for `path`, or an error naming the accepted extensions.
    pub fn of(path: &Path) -> Result<Format, InputError> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match ext.as_deref() {
            Some("csv") => Ok(Format::Csv),
            Some("jsonl" | "ndjson" | "json") => Ok(Format::JsonLines),
            _ => Err(InputError {
                path: path.to_owned(),
                line: None,
                column: None,
                message: "unknown format: use a .csv or .jsonl file".into(),
            }),
        }
    }
}

fn io_error(path: &Path, e: io::Error) -> InputError {
    InputError {
        path: path.to_owned(),
        line: None,
        column: None,
        message: e.to_string(),
    }
}

/// Opens a users file as an iterator of users (validated with `options`).
pub fn read_users(
    path: &Path,
    options: &ImportOptions,
) -> Result<Box<dyn Iterator<Item = Result<UserUpsert, InputError>> + Send>, InputError> {
    match Format::of(path)? {
        Format::Csv => Ok(Box::new(CsvUsers::open(path, options.clone())?)),
        Format::JsonLines => Ok(Box::new(JsonUsers::open(path, options.clone())?)),
    }
}

/// What a validating pass found.
#[derive(Debug, Default)]
pub struct Checked {
    /// Records that are fine.
    pub valid: u64,
    /// The first problems (at most `max_errors`).
    pub errors: Vec<InputError>,
    /// All problems.
    pub error_count: u64,
}

/// Reads a whole iterator of records, counting and keeping the first errors.
pub fn check_all<T>(
    records: impl Iterator<Item = Result<T, InputError>>,
    max_errors: usize,
) -> Checked {
    let mut checked = Checked::default();
    for r in records {
        match r {
            Ok(_) => checked.valid += 1,
            Err(e) => {
                checked.error_count += 1;
                if checked.errors.len() < max_errors {
                    checked.errors.push(e);
                }
            }
        }
    }
    checked
}

/// Users from a CSV file.
pub struct CsvUsers {
    path: PathBuf,
    reader: csv::Reader<BufReader<File>>,
    headers: Vec<String>,
    id_column: usize,
    record: csv::StringRecord,
    options: ImportOptions,
    failed: bool,
}

impl CsvUsers {
    /// Opens the file and checks its header row.
    pub fn open(path: &Path, options: ImportOptions) -> Result<Self, InputError> {
        let file = File::open(path).map_err(|e| io_error(path, e))?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(BufReader::new(file));
        let at = |column: Option<u64>, message: String| InputError {
            path: path.to_owned(),
            line: Some(1),
            column,
            message,
        };
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| at(None, format!("header row: {e}")))?
            .iter()
            .map(|h| h.trim().trim_start_matches('\u{feff}').to_owned())
            .collect();
        let mut id_column = None;
        for (i, h) in headers.iter().enumerate() {
            let column = Some(i as u64 + 1);
            if h.is_empty() {
                return Err(at(column, "empty column name in the header row".into()));
            }
            if headers[..i].contains(h) {
                return Err(at(column, format!("column `{h}` appears twice")));
            }
            if h == "externalId" {
                id_column = Some(i);
            }
        }
        let Some(id_column) = id_column else {
            return Err(at(None, "the header row has no `externalId` column".into()));
        };
        if headers.len() < 2 {
            return Err(at(
                None,
                "the header row names no profile attribute besides `externalId`".into(),
            ));
        }
        Ok(CsvUsers {
            path: path.to_owned(),
            reader,
            headers,
            id_column,
            record: csv::StringRecord::new(),
            options,
            failed: false,
        })
    }

    fn error(&self, line: Option<u64>, column: Option<u64>, message: String) -> InputError {
        InputError {
            path: self.path.clone(),
            line,
            column,
            message,
        }
    }
}

impl Iterator for CsvUsers {
    type Item = Result<UserUpsert, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        match self.reader.read_record(&mut self.record) {
            Ok(false) => None,
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
                let column = match e.kind() {
                    csv::ErrorKind::Utf8 { err, .. } => Some(err.field() as u64 + 1),
                    _ => None,
                };
                // The reader cannot resume after an I/O error; after a bad
                // record it can, so later problems are reported too.
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    self.failed = true;
                }
                Some(Err(self.error(line, column, message)))
            }
            Ok(true) => {
                let line = self.record.position().map(|p| p.line());
                let external_id = self.record.get(self.id_column).unwrap_or("").to_owned();
                let mut user = UserUpsert::new(external_id);
                for (i, value) in self.record.iter().enumerate() {
                    if i != self.id_column && !value.is_empty() {
                        user.set(&self.headers[i], Some(value.to_owned()));
                    }
                }
                Some(self.options.check_user(&user).map(|()| user).map_err(|r| {
                    let column = match r {
                        crate::import::RejectReason::EmptyExternalId
                        | crate::import::RejectReason::ExternalIdTooLong { .. } => {
                            Some(self.id_column as u64 + 1)
                        }
                        _ => None,
                    };
                    self.error(line, column, r.to_string())
                }))
            }
        }
    }
}

/// Users from a JSON Lines file.
pub struct JsonUsers {
    path: PathBuf,
    lines: io::Lines<BufReader<File>>,
    line: u64,
    options: ImportOptions,
    failed: bool,
}

impl JsonUsers {
    /// Opens the file.
    pub fn open(path: &Path, options: ImportOptions) -> Result<Self, InputError> {
        let file = File::open(path).map_err(|e| io_error(path, e))?;
        Ok(JsonUsers {
            path: path.to_owned(),
            lines: BufReader::new(file).lines(),
            line: 0,
            options,
            failed: false,
        })
    }

    fn error(&self, column: Option<u64>, message: String) -> InputError {
        InputError {
            path: self.path.clone(),
            line: Some(self.line),
            column,
            message,
        }
    }

    fn parse(&self, text: &str) -> Result<UserUpsert, InputError> {
        let value: Value = serde_json::from_str(text).map_err(|e| {
            let text = e.to_string();
            let message = text.split(" at line ").next().unwrap_or(&text);
            self.error(Some(e.column() as u64), format!("invalid JSON: {message}"))
        })?;
        let Value::Object(mut object) = value else {
            return Err(self.error(None, "expected a JSON object".into()));
        };
        if let Some(key) = object
            .keys()
            .find(|k| *k != "externalId" && *k != "profile")
        {
            return Err(self.error(
                None,
                format!("unexpected key `{key}` (expected `externalId` and `profile`)"),
            ));
        }
        let external_id = match object.remove("externalId") {
            Some(Value::String(id)) => id,
            None | Some(Value::Null) => {
                return Err(self.error(None, "`externalId` is missing".into()));
            }
            Some(_) => return Err(self.error(None, "`externalId` must be a string".into())),
        };
        let profile = match object.remove("profile") {
            Some(Value::Object(p)) => p,
            None | Some(Value::Null) => {
                return Err(self.error(None, "`profile` is missing".into()));
            }
            Some(_) => return Err(self.error(None, "`profile` must be an object".into())),
        };
        let mut user = UserUpsert::new(external_id);
        for (name, value) in profile {
            match value {
                Value::String(s) => user.set(&name, Some(s)),
                Value::Null => user.set(&name, None),
                other => {
                    let kind = match other {
                        Value::Bool(_) => "boolean",
                        Value::Number(_) => "number",
                        Value::Array(_) => "array",
                        _ => "object",
                    };
                    return Err(self.error(
                        None,
                        format!(
                            "profile attribute `{name}` is a {kind}; Okta accepts only strings (or null)"
                        ),
                    ));
                }
            }
        }
        self.options
            .check_user(&user)
            .map_err(|r| self.error(None, r.to_string()))?;
        Ok(user)
    }
}

impl Iterator for JsonUsers {
    type Item = Result<UserUpsert, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        loop {
            let text = match self.lines.next()? {
                Ok(t) => t,
                Err(e) => {
                    self.failed = true;
                    self.line += 1;
                    return Some(Err(self.error(None, e.to_string())));
                }
            };
            self.line += 1;
            if text.trim().is_empty() {
                continue;
            }
            return Some(self.parse(&text));
        }
    }
}

/// `externalId`s from a text file, one per line (blank lines skipped).
pub struct IdLines {
    path: PathBuf,
    lines: io::Lines<BufReader<File>>,
    line: u64,
    options: ImportOptions,
    failed: bool,
}

impl IdLines {
    /// Opens the file.
    pub fn open(path: &Path, options: &ImportOptions) -> Result<Self, InputError> {
        let file = File::open(path).map_err(|e| io_error(path, e))?;
        Ok(IdLines {
            path: path.to_owned(),
            lines: BufReader::new(file).lines(),
            line: 0,
            options: options.clone(),
            failed: false,
        })
    }
}

impl Iterator for IdLines {
    type Item = Result<String, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        loop {
            let next = self.lines.next()?;
            self.line += 1;
            let error = |message: String| InputError {
                path: self.path.clone(),
                line: Some(self.line),
                column: None,
                message,
            };
            let text = match next {
                Ok(t) => t,
                Err(e) => {
                    self.failed = true;
                    return Some(Err(error(e.to_string())));
                }
            };
            let id = text.trim();
            if id.is_empty() {
                continue;
            }
            return Some(
                self.options
                    .check_external_id(id)
                    .map(|()| id.to_owned())
                    .map_err(|r| error(r.to_string())),
            );
        }
    }
}

//! Reading the input files of `okta-identity-source import`: users as CSV
//! or JSON Lines, `externalId`s to deactivate one per line.
//!
//! Every reader streams: it holds one record at a time, and one record may
//! hold at most [`MAX_RECORD_BYTES`]. The command opens each file once
//! ([`InputFile`]) and reads it twice, first to validate all of it (so a
//! malformed file uploads nothing), then to feed the import; standard input
//! and other sources that cannot be read twice (a FIFO) are copied to an
//! unnamed temporary file as they are read. A UTF-8 byte order mark at the
//! start of a file is skipped, and CRLF line ends are accepted.

use std::collections::HashMap;
use std::fmt;
use std::fs::File;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::import::{ImportOptions, UserUpsert};
use crate::runtime::sanitize::{escape_text, is_unsafe_char};

/// The most bytes one record (a CSV record, a JSON line, an id line) may
/// take. Okta takes at most 200 KB in one upload, so no sendable user
/// comes near it.
pub const MAX_RECORD_BYTES: usize = 1 << 20;

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
    /// One line; control characters of the path or of the file's text are
    /// escaped.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", escape_text(&self.path.display().to_string(), 4096))?;
        if let Some(line) = self.line {
            write!(f, ", line {line}")?;
        }
        if let Some(column) = self.column {
            write!(f, ", column {column}")?;
        }
        write!(f, ": {}", escape_text(&self.message, 2000))
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
                message: if is_stdin(path) || path.as_os_str() == STDIN_LABEL {
                    "standard input has no extension: give --format csv or --format jsonl".into()
                } else {
                    "unknown format: use a .csv or .jsonl file (or give --format)".into()
                },
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

/// The name of standard input in messages.
const STDIN_LABEL: &str = "<stdin>";

/// Whether `path` names standard input (`-`).
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// An input opened once, readable from the start as often as needed.
#[derive(Debug)]
pub struct InputFile {
    path: PathBuf,
    file: File,
}

impl InputFile {
    /// Opens `path` (`-` is standard input). A regular file is used in
    /// place; anything else (standard input, a FIFO, a device) is copied to
    /// an unnamed temporary file first, so it is read from its source once.
    pub fn open(path: &Path) -> Result<Self, InputError> {
        let label = if is_stdin(path) {
            PathBuf::from(STDIN_LABEL)
        } else {
            path.to_owned()
        };
        if is_stdin(path) {
            return Self::spool(label, io::stdin().lock());
        }
        let file = File::open(path).map_err(|e| io_error(path, e))?;
        let meta = file.metadata().map_err(|e| io_error(path, e))?;
        if meta.is_dir() {
            return Err(InputError {
                path: label,
                line: None,
                column: None,
                message: "is a directory, not a file".into(),
            });
        }
        if meta.is_file() {
            return Ok(InputFile { path: label, file });
        }
        Self::spool(label, file)
    }

    fn spool(label: PathBuf, mut source: impl Read) -> Result<Self, InputError> {
        let mut file = tempfile::tempfile().map_err(|e| InputError {
            message: format!("cannot create a temporary file to hold the input: {e}"),
            ..io_error(&label, io::Error::other(""))
        })?;
        io::copy(&mut source, &mut file).map_err(|e| io_error(&label, e))?;
        Ok(InputFile { path: label, file })
    }

    /// The name used in messages (`<stdin>` for standard input).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A handle positioned at the start.
    pub fn reader(&self) -> Result<File, InputError> {
        let mut f = self.file.try_clone().map_err(|e| io_error(&self.path, e))?;
        f.seek(SeekFrom::Start(0))
            .map_err(|e| io_error(&self.path, e))?;
        Ok(f)
    }
}

/// How to read a users file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// The format; `None`: from the extension.
    pub format: Option<Format>,
    /// CSV: a cell exactly equal to this is sent as `null` (Okta clears the
    /// attribute). `None`: no cell clears (an empty cell leaves the
    /// attribute out).
    pub csv_null: Option<String>,
    /// Report a repeated `externalId` as a problem (the validating pass).
    pub unique_ids: bool,
}

/// Opens a users file as an iterator of users (validated with `options`).
pub fn read_users(
    path: &Path,
    options: &ImportOptions,
) -> Result<Box<dyn Iterator<Item = Result<UserUpsert, InputError>> + Send>, InputError> {
    let input = InputFile::open(path)?;
    read_users_from(&input, &ReadOptions::default(), options)
}

/// Reads the users of an opened input from its start.
pub fn read_users_from(
    input: &InputFile,
    read: &ReadOptions,
    options: &ImportOptions,
) -> Result<Box<dyn Iterator<Item = Result<UserUpsert, InputError>> + Send>, InputError> {
    let format = match read.format {
        Some(f) => f,
        None => Format::of(&input.path)?,
    };
    let file = input.reader()?;
    match format {
        Format::Csv => Ok(Box::new(CsvUsers::from_reader(
            &input.path,
            file,
            options.clone(),
            read,
        )?)),
        Format::JsonLines => Ok(Box::new(JsonUsers::from_reader(
            &input.path,
            file,
            options.clone(),
            read.unique_ids,
        ))),
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
            Err(e) => checked.push(e, max_errors),
        }
    }
    checked
}

impl Checked {
    fn push(&mut self, e: InputError, max_errors: usize) {
        self.error_count += 1;
        if self.errors.len() < max_errors {
            self.errors.push(e);
        }
    }
}

/// Remembers the `externalId`s of a file to report each one that occurs a
/// second time, with the line of its first occurrence: Okta documents
/// inaccurate data when one import holds the same `externalId` twice.
/// It keeps 128-bit digests rather than the ids (flat memory for millions
/// of records; a collision is beyond any real file's reach).
#[derive(Debug, Default)]
struct Seen(HashMap<u128, u64>);

impl Seen {
    /// `None` the first time; the message for a repeat.
    fn repeat(&mut self, id: &str, line: u64) -> Option<String> {
        match self.0.entry(digest(id)) {
            std::collections::hash_map::Entry::Occupied(first) => Some(format!(
                "externalId `{id}` appears again (first on line {}); each externalId may appear once in an import",
                first.get()
            )),
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(line);
                None
            }
        }
    }
}

fn digest(id: &str) -> u128 {
    let mut a = DefaultHasher::new();
    0u8.hash(&mut a);
    id.hash(&mut a);
    let mut b = DefaultHasher::new();
    1u8.hash(&mut b);
    id.hash(&mut b);
    (u128::from(a.finish()) << 64) | u128::from(b.finish())
}

/// The first character of `text` that must not be in an `externalId` or a
/// header, described: a byte order mark or another invisible character is
/// almost always a file-format accident.
fn invisible_char(text: &str) -> Option<String> {
    text.chars().find(|c| is_unsafe_char(*c)).map(|c| {
        let name = match c {
            '\u{feff}' => " (a byte order mark)",
            '\u{200b}' => " (a zero-width space)",
            '\t' => " (a tab)",
            _ => "",
        };
        format!("U+{:04X}{name}", c as u32)
    })
}

/// One line of a line-oriented file.
enum Line {
    /// The text, without its line end (and, on line 1, without a BOM).
    Text(String),
    /// Longer than [`MAX_RECORD_BYTES`]; skipped.
    TooLong,
    /// Not UTF-8; the byte offset of the first bad byte.
    NotUtf8(usize),
}

/// Lines of at most [`MAX_RECORD_BYTES`], read without ever holding more.
struct Lines<R> {
    reader: BufReader<R>,
    buf: Vec<u8>,
    line: u64,
    failed: bool,
}

impl<R: Read> Lines<R> {
    fn new(reader: R) -> Self {
        Lines {
            reader: BufReader::new(reader),
            buf: Vec::new(),
            line: 0,
            failed: false,
        }
    }

    fn next_line(&mut self) -> Option<io::Result<Line>> {
        if self.failed {
            return None;
        }
        self.buf.clear();
        let mut too_long = false;
        let mut any = false;
        loop {
            let available = match self.reader.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.failed = true;
                    self.line += 1;
                    return Some(Err(e));
                }
            };
            if available.is_empty() {
                if !any {
                    return None;
                }
                break;
            }
            any = true;
            let (chunk, consumed, end) = match available.iter().position(|b| *b == b'\n') {
                Some(i) => (&available[..i], i + 1, true),
                None => (available, available.len(), false),
            };
            if !too_long && self.buf.len() + chunk.len() <= MAX_RECORD_BYTES {
                self.buf.extend_from_slice(chunk);
            } else {
                too_long = true;
                self.buf.clear();
            }
            self.reader.consume(consumed);
            if end {
                break;
            }
        }
        self.line += 1;
        if too_long {
            return Some(Ok(Line::TooLong));
        }
        if self.buf.last() == Some(&b'\r') {
            self.buf.pop();
        }
        let mut bytes = std::mem::take(&mut self.buf);
        if self.line == 1 && bytes.starts_with(b"\xEF\xBB\xBF") {
            bytes.drain(..3);
        }
        Some(Ok(match String::from_utf8(bytes) {
            Ok(text) => Line::Text(text),
            Err(e) => Line::NotUtf8(e.utf8_error().valid_up_to()),
        }))
    }
}

fn too_long_message() -> String {
    format!(
        "the line is longer than {} MiB, the most one record may take; it was skipped",
        MAX_RECORD_BYTES >> 20
    )
}

/// A reader that fails once more than [`MAX_RECORD_BYTES`] (plus the CSV
/// reader's buffer) were read since the last record ended, so a record
/// (a quote left open, a huge field) never costs more memory than that.
struct Metered<R> {
    inner: R,
    read: u64,
    mark: Arc<AtomicU64>,
}

/// The CSV reader's buffer: bytes read ahead of the record being parsed.
const CSV_BUFFER: usize = 64 * 1024;

impl<R: Read> Read for Metered<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let since = self.read.saturating_sub(self.mark.load(Ordering::Relaxed));
        if since > (MAX_RECORD_BYTES + CSV_BUFFER) as u64 {
            return Err(io::Error::other(RecordTooLarge));
        }
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        Ok(n)
    }
}

#[derive(Debug)]
struct RecordTooLarge;

impl fmt::Display for RecordTooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "a record longer than {} MiB, the most one record may take (is a quote left open?)",
            MAX_RECORD_BYTES >> 20
        )
    }
}

impl std::error::Error for RecordTooLarge {}

/// Users from a CSV file.
pub struct CsvUsers {
    path: PathBuf,
    reader: csv::Reader<Metered<File>>,
    mark: Arc<AtomicU64>,
    headers: Vec<String>,
    id_column: usize,
    record: csv::StringRecord,
    options: ImportOptions,
    null: Option<String>,
    seen: Option<Seen>,
    next_line: u64,
    failed: bool,
}

impl CsvUsers {
    /// Opens the file and checks its header row.
    pub fn open(path: &Path, options: ImportOptions) -> Result<Self, InputError> {
        let file = File::open(path).map_err(|e| io_error(path, e))?;
        Self::from_reader(path, file, options, &ReadOptions::default())
    }

    fn from_reader(
        path: &Path,
        file: File,
        options: ImportOptions,
        read: &ReadOptions,
    ) -> Result<Self, InputError> {
        let mark = Arc::new(AtomicU64::new(0));
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .buffer_capacity(CSV_BUFFER)
            .from_reader(Metered {
                inner: file,
                read: 0,
                mark: mark.clone(),
            });
        let at = |column: Option<u64>, message: String| InputError {
            path: path.to_owned(),
            line: Some(1),
            column,
            message,
        };
        let raw = match reader.headers() {
            Ok(h) => h.clone(),
            Err(e) => {
                let message = match e.kind() {
                    csv::ErrorKind::Utf8 { .. } => {
                        "the header row is not valid UTF-8 (save the file as UTF-8)".to_owned()
                    }
                    csv::ErrorKind::Io(io)
                        if io.get_ref().is_some_and(|i| i.is::<RecordTooLarge>()) =>
                    {
                        format!("header row: {io}")
                    }
                    _ => format!("header row: {e}"),
                };
                return Err(at(None, message));
            }
        };
        mark.store(reader.position().byte(), Ordering::Relaxed);
        let headers: Vec<String> = raw
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let h = if i == 0 {
                    h.trim_start_matches('\u{feff}')
                } else {
                    h
                };
                h.trim().to_owned()
            })
            .collect();
        if headers.iter().all(String::is_empty) && reader.is_done() {
            return Err(at(
                None,
                "the file is empty: expected a header row naming `externalId` and the profile attributes".into(),
            ));
        }
        if headers.len() == 1
            && let Some(sep) = [';', '\t', '|']
                .into_iter()
                .find(|c| headers[0].contains(*c))
        {
            let shown = if sep == '\t' {
                "a tab".to_owned()
            } else {
                format!("`{sep}`")
            };
            return Err(at(
                None,
                format!(
                    "the header row is a single column `{}`: the separator looks like {shown}, but the file must be comma-separated (save it as CSV with commas)",
                    headers[0]
                ),
            ));
        }
        let mut id_column = None;
        for (i, h) in headers.iter().enumerate() {
            let column = Some(i as u64 + 1);
            if h.is_empty() {
                return Err(at(column, "empty column name in the header row".into()));
            }
            if let Some(c) = invisible_char(h) {
                return Err(at(
                    column,
                    format!("column name `{h}` contains the invisible character {c}"),
                ));
            }
            if headers[..i].contains(h) {
                return Err(at(column, format!("column `{h}` appears twice")));
            }
            if h == "externalId" {
                id_column = Some(i);
            }
        }
        let Some(id_column) = id_column else {
            let folded = |s: &str| {
                s.chars()
                    .filter(|c| c.is_alphanumeric())
                    .flat_map(char::to_lowercase)
                    .collect::<String>()
            };
            if let Some((i, h)) = headers.iter().enumerate().find(|(_, h)| {
                matches!(
                    folded(h).as_str(),
                    "externalid" | "extid" | "externalidentifier"
                )
            }) {
                return Err(at(
                    Some(i as u64 + 1),
                    format!(
                        "the header row has no `externalId` column; column {} is `{h}`: rename it to `externalId` (the name is case-sensitive)",
                        i + 1
                    ),
                ));
            }
            let mut names: Vec<String> = headers.iter().take(8).map(|h| format!("`{h}`")).collect();
            if headers.len() > 8 {
                names.push(format!("… {} more", headers.len() - 8));
            }
            return Err(at(
                None,
                format!(
                    "the header row has no `externalId` column (it has {})",
                    names.join(", ")
                ),
            ));
        };
        if headers.len() < 2 {
            return Err(at(
                None,
                "the header row names no profile attribute besides `externalId`".into(),
            ));
        }
        Ok(CsvUsers {
            path: path.to_owned(),
            next_line: reader.position().line(),
            reader,
            mark,
            headers,
            id_column,
            record: csv::StringRecord::new(),
            options,
            null: read.csv_null.clone(),
            seen: read.unique_ids.then(Seen::default),
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
        let result = self.reader.read_record(&mut self.record);
        self.mark
            .store(self.reader.position().byte(), Ordering::Relaxed);
        let started_at = self.next_line;
        self.next_line = self.reader.position().line();
        match result {
            Ok(false) => None,
            Err(e) => {
                let line = e.position().map(|p| p.line()).or(Some(started_at));
                let message = match e.kind() {
                    csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => format!("{len} fields, but the header row has {expected_len}"),
                    csv::ErrorKind::Utf8 { err, .. } => {
                        format!(
                            "field {} is not valid UTF-8 (save the file as UTF-8)",
                            err.field() + 1
                        )
                    }
                    csv::ErrorKind::Io(io) => io.to_string(),
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
                let id_column = Some(self.id_column as u64 + 1);
                if let Some(c) = invisible_char(&external_id) {
                    return Some(Err(self.error(
                        line,
                        id_column,
                        format!("externalId `{external_id}` contains the invisible character {c}"),
                    )));
                }
                if let (Some(seen), Some(l)) = (self.seen.as_mut(), line)
                    && let Some(message) = seen.repeat(&external_id, l)
                {
                    return Some(Err(self.error(line, id_column, message)));
                }
                let mut user = UserUpsert::new(external_id);
                for (i, value) in self.record.iter().enumerate() {
                    if i == self.id_column {
                        continue;
                    }
                    if self.null.as_deref() == Some(value) {
                        user.set(&self.headers[i], None);
                    } else if !value.is_empty() {
                        user.set(&self.headers[i], Some(value.to_owned()));
                    }
                }
                Some(self.options.check_user(&user).map(|()| user).map_err(|r| {
                    let column = match r {
                        crate::import::RejectReason::EmptyExternalId
                        | crate::import::RejectReason::ExternalIdTooLong { .. } => id_column,
                        _ => None,
                    };
                    self.error(line, column, r.to_string())
                }))
            }
        }
    }
}

/// A JSON value whose objects never repeat a key (serde_json keeps the last
/// value of a repeated key without a word).
struct StrictValue(Value);

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(StrictValue(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                return Err(de::Error::custom(format_args!(
                    "key `{}` appears twice in one object",
                    escape_text(&key, 200)
                )));
            }
            let StrictValue(v) = map.next_value()?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

/// Users from a JSON Lines file.
pub struct JsonUsers {
    path: PathBuf,
    lines: Lines<File>,
    options: ImportOptions,
    seen: Option<Seen>,
}

impl JsonUsers {
    /// Opens the file.
    pub fn open(path: &Path, options: ImportOptions) -> Result<Self, InputError> {
        let file = File::open(path).map_err(|e| io_error(path, e))?;
        Ok(Self::from_reader(path, file, options, false))
    }

    fn from_reader(path: &Path, file: File, options: ImportOptions, unique: bool) -> Self {
        JsonUsers {
            path: path.to_owned(),
            lines: Lines::new(file),
            options,
            seen: unique.then(Seen::default),
        }
    }

    fn error(&self, column: Option<u64>, message: String) -> InputError {
        InputError {
            path: self.path.clone(),
            line: Some(self.lines.line),
            column,
            message,
        }
    }

    fn parse(&mut self, text: &str) -> Result<UserUpsert, InputError> {
        let StrictValue(value) = serde_json::from_str(text).map_err(|e| {
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
        if let Some(c) = invisible_char(&external_id) {
            return Err(self.error(
                None,
                format!("externalId `{external_id}` contains the invisible character {c}"),
            ));
        }
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
        let line = self.lines.line;
        if let Some(message) = self
            .seen
            .as_mut()
            .and_then(|s| s.repeat(&user.external_id, line))
        {
            return Err(self.error(None, message));
        }
        Ok(user)
    }
}

impl Iterator for JsonUsers {
    type Item = Result<UserUpsert, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let text = match self.lines.next_line()? {
                Ok(Line::Text(t)) => t,
                Ok(Line::TooLong) => return Some(Err(self.error(None, too_long_message()))),
                Ok(Line::NotUtf8(at)) => {
                    return Some(Err(self.error(
                        None,
                        format!("not valid UTF-8 (byte {}); save the file as UTF-8", at + 1),
                    )));
                }
                Err(e) => return Some(Err(self.error(None, e.to_string()))),
            };
            if text.trim().is_empty() {
                continue;
            }
            return Some(self.parse(&text));
        }
    }
}

/// `externalId`s from a text file, one per line (blank lines skipped,
/// spaces around an id and CRLF line ends ignored).
pub struct IdLines {
    path: PathBuf,
    lines: Lines<File>,
    options: ImportOptions,
    seen: Option<Seen>,
}

impl IdLines {
    /// Opens the file.
    pub fn open(path: &Path, options: &ImportOptions) -> Result<Self, InputError> {
        let input = InputFile::open(path)?;
        Self::from_input(&input, options, false)
    }

    /// Reads an opened input from its start; `unique_ids` reports a
    /// repeated id as a problem.
    pub fn from_input(
        input: &InputFile,
        options: &ImportOptions,
        unique_ids: bool,
    ) -> Result<Self, InputError> {
        Ok(IdLines {
            path: input.path().to_owned(),
            lines: Lines::new(input.reader()?),
            options: options.clone(),
            seen: unique_ids.then(Seen::default),
        })
    }
}

impl Iterator for IdLines {
    type Item = Result<String, InputError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let next = self.lines.next_line()?;
            let line = self.lines.line;
            let error = |message: String| InputError {
                path: self.path.clone(),
                line: Some(line),
                column: None,
                message,
            };
            let text = match next {
                Ok(Line::Text(t)) => t,
                Ok(Line::TooLong) => return Some(Err(error(too_long_message()))),
                Ok(Line::NotUtf8(at)) => {
                    return Some(Err(error(format!(
                        "not valid UTF-8 (byte {}); save the file as UTF-8",
                        at + 1
                    ))));
                }
                Err(e) => return Some(Err(error(e.to_string()))),
            };
            let id = text.trim_matches(|c: char| c == ' ' || c == '\t');
            if id.is_empty() {
                continue;
            }
            if let Some(c) = invisible_char(id) {
                return Some(Err(error(format!(
                    "externalId `{id}` contains the invisible character {c}"
                ))));
            }
            if let Err(r) = self.options.check_external_id(id) {
                return Some(Err(error(r.to_string())));
            }
            if let Some(message) = self.seen.as_mut().and_then(|s| s.repeat(id, line)) {
                return Some(Err(error(message)));
            }
            return Some(Ok(id.to_owned()));
        }
    }
}

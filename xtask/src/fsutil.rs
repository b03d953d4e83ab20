//! The one place that decides between writing and checking files.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// What `sync_dir` found or did.
#[derive(Debug, Default)]
pub struct SyncReport {
    pub changed: Vec<PathBuf>,
    pub missing: Vec<PathBuf>,
    pub extra: Vec<PathBuf>,
    /// Short unified diffs of the changed files (check mode).
    pub diffs: Vec<String>,
}

impl SyncReport {
    pub fn is_clean(&self) -> bool {
        self.changed.is_empty() && self.missing.is_empty() && self.extra.is_empty()
    }
}

/// Make `dir` hold exactly `files` (name → contents). In check mode nothing
/// is touched; otherwise only files whose bytes differ are written (through
/// a temporary file and a rename, so a reader never sees half a file), and
/// files no longer produced are removed. Only files with the generated
/// header are ever removed.
pub fn sync_dir(
    dir: &Path,
    files: &[(String, String)],
    header: &str,
    check: bool,
) -> io::Result<SyncReport> {
    let mut report = SyncReport::default();
    if !check {
        fs::create_dir_all(dir)?;
    }
    for (name, contents) in files {
        let path = dir.join(name);
        match fs::read(&path) {
            Ok(existing) if existing == contents.as_bytes() => continue,
            Ok(existing) => {
                if check {
                    let old = String::from_utf8_lossy(&existing);
                    report.diffs.push(short_diff(&path, &old, contents));
                } else {
                    write_atomic(&path, contents)?;
                }
                report.changed.push(path);
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                if !check {
                    write_atomic(&path, contents)?;
                }
                report.missing.push(path);
            }
            Err(e) => return Err(e),
        }
    }
    if dir.is_dir() {
        let mut entries: Vec<PathBuf> = fs::read_dir(dir)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for path in entries {
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            if files.iter().any(|(n, _)| n == name) || !path.is_file() {
                continue;
            }
            let owned = fs::read_to_string(&path)
                .map(|t| t.starts_with(header))
                .unwrap_or(false);
            if !check && owned {
                fs::remove_file(&path)?;
            }
            report.extra.push(path);
        }
    }
    Ok(report)
}

pub fn write_atomic(path: &Path, contents: &str) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    let tmp = dir.join(format!(".{name}.tmp"));
    fs::write(&tmp, contents)?;
    fs::rename(&tmp, path)
}

fn short_diff(path: &Path, old: &str, new: &str) -> String {
    let diff = similar::TextDiff::from_lines(old, new);
    let text = diff
        .unified_diff()
        .context_radius(2)
        .header(
            &format!("{} (committed)", path.display()),
            &format!("{} (generated)", path.display()),
        )
        .to_string();
    let lines: Vec<&str> = text.lines().collect();
    const MAX: usize = 40;
    if lines.len() > MAX {
        format!(
            "{}\n… {} more diff lines",
            lines[..MAX].join("\n"),
            lines.len() - MAX
        )
    } else {
        lines.join("\n")
    }
}

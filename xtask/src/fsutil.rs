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

/// Read a spec as text. A file that is not UTF-8 is an error naming where
/// the first bad byte is, as a line and column (YAML must be Unicode).
pub fn read_spec(path: &Path) -> anyhow::Result<String> {
    read_spec_labelled(path, &path.display().to_string())
}

/// [`read_spec`], naming the file `label` in its errors.
pub fn read_spec_labelled(path: &Path, label: &str) -> anyhow::Result<String> {
    let bytes = fs::read(path).map_err(|e| anyhow::anyhow!("reading {label}: {e}"))?;
    String::from_utf8(bytes).map_err(|e| {
        let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = good.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&good[line_start..]).chars().count() + 1;
        anyhow::anyhow!(
            "{label}#: not UTF-8 text: invalid byte at line {line}, column {column}; nothing was written"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::read_spec;

    #[test]
    fn a_spec_that_is_not_utf8_is_located() {
        let path =
            std::env::temp_dir().join(format!("xtask-read-spec-{}.yaml", std::process::id()));
        std::fs::write(&path, b"openapi: 3.0.3\ninfo: {title: \"t\xff\"}\n").expect("write");
        let err = read_spec(&path).expect_err("not UTF-8").to_string();
        std::fs::write(&path, "openapi: 3.0.3\ninfo: {title: \"ü\"}\n").expect("write");
        let ok = read_spec(&path);
        std::fs::remove_file(&path).ok();
        assert!(
            err.ends_with(
                "#: not UTF-8 text: invalid byte at line 2, column 17; nothing was written"
            ),
            "{err}"
        );
        assert_eq!(ok.expect("UTF-8"), "openapi: 3.0.3\ninfo: {title: \"ü\"}\n");
    }

    #[test]
    fn a_spec_that_is_not_utf8_is_named_as_the_user_gave_it() {
        let path =
            std::env::temp_dir().join(format!("xtask-read-label-{}.yaml", std::process::id()));
        std::fs::write(&path, b"openapi: \xff\n").expect("write");
        let err = super::read_spec_labelled(&path, "spec/api.yaml")
            .expect_err("not UTF-8")
            .to_string();
        std::fs::remove_file(&path).ok();
        assert!(err.starts_with("spec/api.yaml#: not UTF-8 text"), "{err}");
        assert!(!err.contains(&path.display().to_string()), "{err}");
    }
}

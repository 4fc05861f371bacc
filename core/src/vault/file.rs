//! The sealed record's file: the one reader and writer of it.
//!
//! The file has the layout of a `tauri-plugin-store` file (a JSON object; the record under
//! `session`), so the app keeps it where the plugin keeps its stores. It is written only here,
//! with a crash-safe replace: never by a plain write that a crash could truncate.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::{RecordStore, Sealed};

/// The key the record is kept under.
const KEY: &str = "session";
/// The entry that says the person signed out last; absent otherwise.
const SIGNED_OUT: &str = "signedOut";

/// Writes `bytes` to `path` so that a crash leaves either the old file or the new one, never
/// a truncated mix; see [`replace_file`].
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    replace_file(path, |file| file.write_all(bytes))
}

/// Replaces `path` with what `write` puts in a new file: a temporary file beside it, created
/// exclusively under a random name, owner-only, filled, fsynced, renamed over `path`; then the
/// folder is fsynced. The folder is created owner-only (0700) and tightened to that if it is
/// wider. On any failure the temporary file is removed and `path` is as it was.
pub(crate) fn replace_file(
    path: &Path,
    write: impl FnOnce(&mut File) -> io::Result<()>,
) -> io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    create_private_dir(dir)?;
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::other("no file name"))?;
    let mut random = [0u8; 8];
    getrandom::getrandom(&mut random).map_err(io::Error::other)?;
    let suffix: String = random.iter().map(|b| format!("{b:02x}")).collect();
    let tmp = dir.join(format!(".{}.{suffix}.tmp", name.to_string_lossy()));
    let mut file = create_exclusive(&tmp)?;
    let result = (|| {
        write(&mut file)?;
        file.sync_all()?;
        fs::rename(&tmp, path)?;
        sync_dir(dir)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Creates a new file readable by its owner only. Never opens an existing file, and never
/// follows a symlink: a file or link planted at the name is an error (`O_CREAT|O_EXCL`, and
/// `O_NOFOLLOW` besides).
#[cfg(unix)]
pub(crate) fn create_exclusive(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
}

#[cfg(not(unix))]
pub(crate) fn create_exclusive(path: &Path) -> io::Result<File> {
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}

/// The folder of the record: created owner-only, and made so if it was wider.
#[cfg(unix)]
fn create_private_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    let mode = fs::metadata(dir)?.permissions().mode();
    if mode & 0o077 != 0 {
        fs::set_permissions(dir, fs::Permissions::from_mode(mode & 0o700))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

/// The sealed record in its file.
#[derive(Debug, Clone)]
pub struct FileRecordStore {
    path: PathBuf,
}

impl FileRecordStore {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's entries; `None` when there is no file. A file that is not a JSON object is
    /// an error, never silently "empty".
    fn entries(&self) -> io::Result<Option<Map<String, Value>>> {
        let bytes = match fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }

    /// Replaces the file with `entries`; removes it when nothing is left.
    fn write(&self, entries: &Map<String, Value>) -> io::Result<()> {
        if entries.is_empty() {
            return match fs::remove_file(&self.path) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            };
        }
        let bytes = serde_json::to_vec_pretty(entries).map_err(io::Error::other)?;
        write_atomic(&self.path, &bytes)
    }

    /// The entries to write over: what the file holds, or nothing when it is unreadable (the
    /// record in it did not open either).
    fn entries_to_update(&self) -> Map<String, Value> {
        self.entries().ok().flatten().unwrap_or_default()
    }
}

impl RecordStore for FileRecordStore {
    fn load(&self) -> io::Result<Option<Sealed>> {
        let Some(mut entries) = self.entries()? else {
            return Ok(None);
        };
        entries
            .remove(KEY)
            .map(serde_json::from_value)
            .transpose()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
    }

    fn save(&self, sealed: &Sealed) -> io::Result<()> {
        let mut entries = self.entries_to_update();
        let value = serde_json::to_value(sealed).map_err(io::Error::other)?;
        entries.insert(KEY.to_owned(), value);
        self.write(&entries)
    }

    fn clear(&self) -> io::Result<()> {
        let mut entries = self.entries_to_update();
        entries.remove(KEY);
        self.write(&entries)
    }

    /// Renames the file to `<name>.unreadable`, over an earlier one: the newest unusable file
    /// is kept, never a growing pile.
    fn set_aside(&self) -> io::Result<()> {
        let mut aside = self.path.clone().into_os_string();
        aside.push(".unreadable");
        match fs::rename(&self.path, PathBuf::from(aside)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    fn signed_out(&self) -> io::Result<bool> {
        let entries = self.entries()?.unwrap_or_default();
        Ok(entries.get(SIGNED_OUT) == Some(&Value::Bool(true)))
    }

    fn set_signed_out(&self, signed_out: bool) -> io::Result<()> {
        let mut entries = self.entries_to_update();
        let changed = if signed_out {
            entries.insert(SIGNED_OUT.to_owned(), Value::Bool(true)) != Some(Value::Bool(true))
        } else {
            entries.remove(SIGNED_OUT).is_some()
        };
        if changed {
            self.write(&entries)?;
        }
        Ok(())
    }
}

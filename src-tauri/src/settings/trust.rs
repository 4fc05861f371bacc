//! When the configuration file is trusted, and reading it once it is.

use std::path::Path;

/// The configuration file names a program to run (`browser`) and the provider to trust
/// (`issuer`), so it is used only when no one else could have written it, as ssh treats its
/// own: it belongs to the user (or to root), and neither its group nor others may write to it
/// or to any folder from its own up to the home folder (or `/`, when it lies elsewhere). A
/// folder that belongs to root and has the sticky bit (`/tmp`) is safe too: others may not
/// rename or remove what is not theirs in it. The file is opened once, without following a
/// symbolic link in its place (`O_NOFOLLOW`), and its checks are made on the open file
/// (`fstat`), which is then read: nothing can be swapped in between. `Ok(None)` when there is
/// no file; `Err` is the sentence that says what is wrong and how to mend it.
#[cfg(unix)]
pub(super) fn read_trusted(path: &Path) -> Result<Option<Vec<u8>>, String> {
    use std::io::Read;
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
    // SAFETY: geteuid only reads the process's user.
    let me = unsafe { libc::geteuid() };
    let refuse = |why: String, fix: String| {
        Err(format!(
            "The configuration file {} is not used: {why}, so another user of this computer \
             could change it. {fix}",
            path.display()
        ))
    };
    let unreadable = |e: std::io::Error| {
        format!(
            "The configuration is not valid: {} cannot be read: {e}.",
            path.display()
        )
    };
    let mut file = match std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)
    {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            return refuse(
                "it is a symbolic link".into(),
                format!("Put the file itself at {}.", path.display()),
            )
        }
        Err(e) => return Err(unreadable(e)),
    };
    let meta = file.metadata().map_err(unreadable)?;
    if !meta.is_file() {
        return Err(format!(
            "The configuration is not valid: {} is not a file.",
            path.display()
        ));
    }
    let owned = |uid: u32| uid == me || uid == 0;
    if !owned(meta.uid()) {
        return refuse(
            "it belongs to another user".into(),
            format!("Make it yours: chown \"$USER\" {}", path.display()),
        );
    }
    if meta.mode() & 0o022 != 0 {
        return refuse(
            "others may write to it".into(),
            format!(
                "Make it writable by you alone: chmod 600 {}",
                path.display()
            ),
        );
    }
    let folder = path.parent().unwrap_or(Path::new("/"));
    let folder = std::fs::canonicalize(folder).map_err(unreadable)?;
    let home = std::env::var_os("HOME").and_then(|home| std::fs::canonicalize(home).ok());
    let stop = home.filter(|home| folder.starts_with(home));
    for (i, place) in folder.ancestors().enumerate() {
        let meta = std::fs::metadata(place).map_err(unreadable)?;
        let what = if i == 0 {
            "its folder".to_owned()
        } else {
            format!("the folder {} above it", place.display())
        };
        if !owned(meta.uid()) {
            return refuse(
                format!("{what} belongs to another user"),
                format!("Make it yours: chown \"$USER\" {}", place.display()),
            );
        }
        let sticky_roots = meta.uid() == 0 && meta.mode() & 0o1000 != 0;
        if meta.mode() & 0o022 != 0 && !sticky_roots {
            return refuse(
                format!("others may write to {what}"),
                format!(
                    "Make it writable by you alone: chmod go-w {}",
                    place.display()
                ),
            );
        }
        if stop.as_deref() == Some(place) {
            break;
        }
    }
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).map_err(unreadable)?;
    Ok(Some(bytes))
}

/// Elsewhere the file's access is the folder's that the system gives each user.
#[cfg(not(unix))]
pub(super) fn read_trusted(path: &Path) -> Result<Option<Vec<u8>>, String> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!(
            "The configuration is not valid: {} cannot be read: {e}.",
            path.display()
        )),
    }
}

//! What Gatehouse's tests share: the local identity provider, a private display, the WebDriver
//! session, and paths into the repository. Every helper cleans up after itself on drop, even
//! when the test panics.

pub mod idp;
pub mod person;
pub mod resource;
pub mod webdriver;
pub mod xvfb;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// The repository's top folder.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// A running process, as `/proc/<pid>/stat` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Process {
    pub pid: u32,
    pub ppid: u32,
    /// The command name, at most 15 bytes (`WebKitWebProces`).
    pub comm: String,
    /// It has exited; only its parent's wait is missing.
    pub zombie: bool,
}

/// Every process this machine runs now (Linux).
pub fn processes() -> Vec<Process> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let pid = entry.file_name().to_str()?.parse().ok()?;
            let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
            // `pid (comm) state ppid ...`; the name may itself hold spaces and parentheses.
            let (head, tail) = stat.rsplit_once(')')?;
            let mut fields = tail.split_whitespace();
            let state = fields.next()?;
            Some(Process {
                pid,
                ppid: fields.next()?.parse().ok()?,
                comm: head.split_once('(')?.1.to_owned(),
                zombie: state == "Z",
            })
        })
        .collect()
}

/// Where `program` is on the `PATH`; a clear failure naming what installs it when it is not.
pub fn require(program: &str, installed_by: &str) -> PathBuf {
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join(program))
        .find(|path| path.is_file())
        .unwrap_or_else(|| {
            panic!("{program} is missing: install {installed_by} (scripts/setup.sh does)")
        })
}

/// The headless Chromium wrapper that serves as `GATEHOUSE_BROWSER` in tests.
pub fn test_browser() -> PathBuf {
    repo_root().join("tests/browser/headless-chromium")
}

/// Where screenshots and timings go: `target/test-artifacts/`, or `GATEHOUSE_TEST_ARTIFACTS`
/// (the bundle check keeps the installed app's apart).
pub fn artifacts_dir() -> PathBuf {
    let dir = std::env::var_os("GATEHOUSE_TEST_ARTIFACTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target/test-artifacts"));
    std::fs::create_dir_all(&dir).expect("the artifacts folder can be created");
    dir
}

/// A folder removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(label: &str) -> Self {
        static N: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "gatehouse-{label}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&path).expect("a temp folder can be created");
        Self(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A child process, started as the leader of its own process group, ended with that whole
/// group on drop: without that, grandchildren such as WebKitWebDriver and the app outlive the
/// test and the next run finds "Maximum number of active sessions".
pub struct ChildGuard(pub std::process::Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Ok(pid) = i32::try_from(self.0.id()) {
            if pid > 1 {
                // SAFETY: killpg only sends a signal; the group is the child's own.
                unsafe { libc::killpg(pid, libc::SIGTERM) };
            }
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
/// Calls `probe` every 20 ms until it gives a value, for up to `timeout`: the tests' waits for
/// what a window or a browser will show.
pub fn poll<T>(timeout: Duration, mut probe: impl FnMut() -> Option<T>) -> Option<T> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = probe() {
            return Some(value);
        }
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

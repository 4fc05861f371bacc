//! Opening the provider's pages in the system browser (RFC 8252 §5: never in the app's webview).

use std::io;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// How long a configured browser command is watched for an early failure (a missing program,
/// a sandbox that refuses to start) before it counts as started. The system opener is watched
/// by the `open` crate the same way.
const EARLY_FAILURE: Duration = Duration::from_secs(1);

/// How to open a URL: the configured command (`GATEHOUSE_BROWSER`, the URL as its last
/// argument) or the system's opener.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Browser {
    command: Option<Vec<String>>,
}

/// Why the browser did not come up.
#[derive(Debug, thiserror::Error)]
pub enum BrowserError {
    #[error("could not start {program}: {source}")]
    Start {
        program: String,
        #[source]
        source: io::Error,
    },
    #[error("{program} ended with {status}")]
    Exited { program: String, status: ExitStatus },
    #[error("the system could not open a browser: {0}")]
    Opener(#[source] io::Error),
}

impl Browser {
    /// `command` is already split into program and arguments.
    pub(crate) fn new(command: Option<Vec<String>>) -> Self {
        Self {
            command: command.filter(|c| !c.is_empty()),
        }
    }

    /// Opens `url`. Blocking for at most about a second, to see an early failure; the browser
    /// then lives on by itself.
    pub(crate) fn open(&self, url: &str) -> Result<(), BrowserError> {
        let Some(command) = &self.command else {
            return open::that_detached(url).map_err(BrowserError::Opener);
        };
        let program = command[0].clone();
        let mut child = Command::new(&program)
            .args(&command[1..])
            .arg(url)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|source| BrowserError::Start {
                program: program.clone(),
                source,
            })?;
        let deadline = Instant::now() + EARLY_FAILURE;
        while Instant::now() < deadline {
            match child.try_wait() {
                Ok(Some(status)) if status.success() => return Ok(()),
                Ok(Some(status)) => return Err(BrowserError::Exited { program, status }),
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                Err(_) => break,
            }
        }
        // Still running: it has the page. Reap it when it ends so that it leaves no zombie.
        let reaper = std::thread::Builder::new()
            .name("browser-reaper".into())
            .spawn(move || {
                if let Ok(status) = child.wait() {
                    if !status.success() {
                        tracing::info!(%program, %status, "the browser command ended");
                    }
                }
            });
        if let Err(e) = reaper {
            tracing::warn!(error = %e, "cannot watch the browser process");
        }
        Ok(())
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn browser(words: &[&str]) -> Browser {
        Browser::new(Some(words.iter().map(|w| w.to_string()).collect()))
    }

    #[test]
    fn a_missing_program_is_an_error_naming_it() {
        let err = browser(&["/nonexistent/browser"])
            .open("http://127.0.0.1/")
            .unwrap_err();
        assert!(matches!(err, BrowserError::Start { .. }), "{err:?}");
        assert!(err.to_string().contains("/nonexistent/browser"), "{err}");
    }

    #[test]
    fn a_browser_that_fails_at_once_is_an_error_with_its_status() {
        let err = browser(&["sh", "-c", "exit 3", "sh"])
            .open("http://127.0.0.1/")
            .unwrap_err();
        assert!(matches!(err, BrowserError::Exited { .. }), "{err:?}");
        assert!(err.to_string().contains('3'), "{err}");
    }

    #[test]
    fn a_browser_still_running_or_done_has_the_page() {
        browser(&["sh", "-c", "sleep 2", "sh"])
            .open("http://127.0.0.1/")
            .unwrap();
        browser(&["true"]).open("http://127.0.0.1/").unwrap();
    }
}

//! Opening the provider's pages in the system browser (RFC 8252 §5: never in the app's webview).

use std::io;
use std::process::{Command, Stdio};

/// How to open a URL: the configured command (`GATEHOUSE_BROWSER`, the URL as its last
/// argument) or the system's opener.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Browser {
    command: Option<Vec<String>>,
}

impl Browser {
    /// `command` is already split into program and arguments.
    pub fn new(command: Option<Vec<String>>) -> Self {
        Self {
            command: command.filter(|c| !c.is_empty()),
        }
    }

    /// Opens `url` and returns at once; the browser lives on by itself.
    pub fn open(&self, url: &str) -> io::Result<()> {
        let Some(command) = &self.command else {
            return open::that_detached(url);
        };
        let mut child = Command::new(&command[0])
            .args(&command[1..])
            .arg(url)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        // Reap the child when it ends so that it leaves no zombie behind.
        std::thread::Builder::new()
            .name("browser-reaper".into())
            .spawn(move || {
                let _ = child.wait();
            })?;
        Ok(())
    }
}

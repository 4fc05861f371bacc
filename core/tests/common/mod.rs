//! What the core's integration tests share: a configuration for the local provider, and a
//! session on private files and the real keyring.

#![allow(dead_code)] // each test file uses its own part

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use gatehouse_contract::SessionView;
use gatehouse_core::clock::{Clock, SystemClock};
use gatehouse_core::config::{Config, Settings};
use gatehouse_core::session::{Auth, Change};
use gatehouse_core::vault::{FileRecordStore, MemoryKeyStore, OsKeyring, Vault};
use gatehouse_tests::idp::Idp;
use gatehouse_tests::{test_browser, TempDir};
use tokio::sync::mpsc;

/// Every line the process-wide log subscriber writes, kept to be searched afterwards.
#[derive(Clone, Default)]
pub struct Lines(Arc<Mutex<Vec<u8>>>);

impl Write for Lines {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Lines {
    /// Installs the process's log subscriber: every crate, at TRACE, written here. Once per
    /// test binary.
    pub fn capture() -> Self {
        let lines = Self::default();
        let sink = lines.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || sink.clone())
            .init();
        lines
    }

    /// What was written so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

pub const WITH_REFRESH: &str = "openid profile email offline_access";
pub const WITHOUT_REFRESH: &str = "openid profile email";

/// The local provider's configuration with `scopes` and `min_ttl`, headless Chromium as the
/// browser, and `edit` on top.
pub fn config_with(
    idp: &Idp,
    scopes: &str,
    min_ttl: u64,
    edit: impl FnOnce(&mut Settings),
) -> Config {
    let mut settings = Settings {
        issuer: Some(idp.issuer.clone()),
        client_id: Some(idp.client_id.clone()),
        scopes: Some(scopes.split_whitespace().map(str::to_owned).collect()),
        min_ttl_secs: Some(min_ttl),
        leeway_secs: Some(5),
        browser: Some(vec![test_browser().to_string_lossy().into_owned()]),
        product_name: Some("Gatehouse".into()),
        ..Settings::default()
    };
    edit(&mut settings);
    Config::from_settings(settings).expect("a valid configuration")
}

pub fn config(idp: &Idp, scopes: &str, min_ttl: u64) -> Config {
    config_with(idp, scopes, min_ttl, |_| {})
}

/// `command` split into words, as a browser setting.
pub fn command(command: &str) -> Option<Vec<String>> {
    Some(command.split_whitespace().map(str::to_owned).collect())
}

pub type Events = mpsc::UnboundedReceiver<(Instant, Option<SessionView>)>;

/// An app instance's session on `home`'s files and the real keyring.
pub fn auth(home: &TempDir, config: &Config, clock: Arc<dyn Clock>) -> (Auth, Events) {
    let (tx, rx) = mpsc::unbounded_channel();
    let notify = Arc::new(move |change| {
        if let Change::Session(state) = change {
            let _ = tx.send((Instant::now(), state.session().cloned()));
        }
    });
    (
        Auth::new(config.clone(), vault(home, config), clock, notify),
        rx,
    )
}

/// An app instance's session whose every [`Change`] (waiting pages too) is told to the receiver.
pub fn auth_with_changes(
    home: &TempDir,
    config: &Config,
) -> (Auth, mpsc::UnboundedReceiver<Change>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let notify = Arc::new(move |change| {
        let _ = tx.send(change);
    });
    let clock = Arc::new(gatehouse_core::clock::SystemClock);
    (
        Auth::new(config.clone(), vault(home, config), clock, notify),
        rx,
    )
}

/// An app instance's session on `home`'s file and a keyring in memory, telling nothing: for
/// the sign-ins that are meant to fail.
pub fn auth_in_memory(home: &TempDir, config: Config) -> Auth {
    let vault = Vault::new(
        Arc::new(MemoryKeyStore::default()),
        Arc::new(FileRecordStore::new(home.path().join("session.json"))),
        &config.issuer,
        &config.client_id,
    );
    Auth::new(config, vault, Arc::new(SystemClock), Arc::new(|_| {}))
}

pub fn vault(home: &TempDir, config: &Config) -> Vault {
    let keys = OsKeyring::new("dev.gatehouse.test", &config.issuer, &config.client_id);
    let store = FileRecordStore::new(home.path().join("session.json"));
    Vault::new(
        Arc::new(keys),
        Arc::new(store),
        &config.issuer,
        &config.client_id,
    )
}

/// A browser stand-in that records its argv (one argument a line) in `log`, opens the URL in
/// the test browser, and once that has finished, appends its exit status to
/// [`browser_exits`]`(log)`. Returned as a browser setting.
pub fn recording_browser(home: &TempDir, log: &std::path::Path) -> Option<Vec<String>> {
    let script = home.path().join("recording-browser");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" >> '{log}'\n'{browser}' \"$@\"\n\
             status=$?\necho \"$status\" >> '{exits}'\nexit \"$status\"\n",
            log = log.display(),
            browser = test_browser().display(),
            exits = browser_exits(log).display()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    Some(vec![script.to_string_lossy().into_owned()])
}

/// Where the [`recording_browser`] writing argv to `log` notes each browser's exit status, a
/// line each.
pub fn browser_exits(log: &std::path::Path) -> std::path::PathBuf {
    let mut exits = log.as_os_str().to_owned();
    exits.push(".exits");
    exits.into()
}

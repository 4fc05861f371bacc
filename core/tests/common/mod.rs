//! What the core's integration tests share: a configuration for the local provider, and a
//! session on private files and the real keyring.

#![allow(dead_code)] // each test file uses its own part

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use gatehouse_contract::SessionView;
use gatehouse_core::clock::Clock;
use gatehouse_core::config::Config;
use gatehouse_core::session::{Auth, Change};
use gatehouse_core::vault::{FileRecordStore, OsKeyring, Vault};
use gatehouse_tests::idp::Idp;
use gatehouse_tests::{test_browser, TempDir};
use tokio::sync::mpsc;

pub const WITH_REFRESH: &str = "openid profile email offline_access";
pub const WITHOUT_REFRESH: &str = "openid profile email";

/// The local provider's configuration with `scopes` and `min_ttl`, headless Chromium as the
/// browser, and `extra` variables on top.
pub fn config_with(idp: &Idp, scopes: &str, min_ttl: u64, extra: &[(&str, &str)]) -> Config {
    let browser = test_browser().to_string_lossy().into_owned();
    let mut vars: HashMap<&str, String> = HashMap::from([
        ("GATEHOUSE_ISSUER", idp.issuer.clone()),
        ("GATEHOUSE_CLIENT_ID", idp.client_id.clone()),
        ("GATEHOUSE_SCOPES", scopes.to_owned()),
        ("GATEHOUSE_MIN_TTL_SECS", min_ttl.to_string()),
        ("GATEHOUSE_LEEWAY_SECS", "5".to_owned()),
        ("GATEHOUSE_BROWSER", format!("'{browser}'")),
    ]);
    vars.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
    Config::resolve(|name| vars.get(name).cloned(), None).expect("a valid configuration")
}

pub fn config(idp: &Idp, scopes: &str, min_ttl: u64) -> Config {
    config_with(idp, scopes, min_ttl, &[])
}

pub type Events = mpsc::UnboundedReceiver<(Instant, Option<SessionView>)>;

/// An app instance's session on `home`'s files and the real keyring.
pub fn auth(home: &TempDir, config: &Config, clock: Arc<dyn Clock>) -> (Auth, Events) {
    let (tx, rx) = mpsc::unbounded_channel();
    let notify = Arc::new(move |change| {
        if let Change::Session(view) = change {
            let _ = tx.send((Instant::now(), view));
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
/// [`browser_exits`]`(log)`.
pub fn recording_browser(home: &TempDir, log: &std::path::Path) -> String {
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
    format!("'{}'", script.display())
}

/// Where the [`recording_browser`] writing argv to `log` notes each browser's exit status, a
/// line each.
pub fn browser_exits(log: &std::path::Path) -> std::path::PathBuf {
    let mut exits = log.as_os_str().to_owned();
    exits.push(".exits");
    exits.into()
}

//! The app's state: the session of the configured provider, opened in the background at
//! start so that a slow keyring or a renewal never holds up the window, then watched for
//! the rest of the app's life.

use std::sync::Arc;

use gatehouse_contract::{event, CommandError, ErrorKind};
use gatehouse_core::clock::SystemClock;
use gatehouse_core::config::Config;
use gatehouse_core::session::{Auth, Change};
use gatehouse_core::vault::{OsKeyring, Vault};
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tokio::sync::watch;

use crate::store::record_file;

/// The session, or why there is none to be had (missing configuration).
pub struct AppAuth {
    auth: Result<Auth, CommandError>,
    restored: watch::Receiver<bool>,
    /// Configured, and no session stored: known before the window opens.
    nothing_stored: bool,
}

impl AppAuth {
    /// Resolves the configuration and starts opening the stored session.
    pub fn start<R: Runtime>(app: &AppHandle<R>) -> Self {
        let (done, restored) = watch::channel(false);
        let auth = Self::configure(app);
        let nothing_stored = auth.as_ref().is_ok_and(Auth::nothing_stored);
        match &auth {
            Ok(auth) => {
                let auth = auth.clone();
                tauri::async_runtime::spawn(async move {
                    auth.open().await;
                    let _ = done.send(true);
                    // Ends with the app: it holds only a weak handle to the session.
                    auth.watch_lifetime();
                });
            }
            Err(e) => {
                tracing::warn!(kind = %e.kind, "{}", e.message);
                let _ = done.send(true);
            }
        }
        Self {
            auth,
            restored,
            nothing_stored,
        }
    }

    /// What the window may know before its first IPC call, as a script run before the page's
    /// own: whether it can show the signed-out page at once (configured, nothing stored). The
    /// rest (the session, a configuration error) comes through `session` as ever.
    pub fn start_script(&self) -> String {
        format!(
            "Object.defineProperty(window, '{}', {{ value: Object.freeze({{ signedOut: {} }}) }});",
            gatehouse_contract::START_GLOBAL,
            self.nothing_stored
        )
    }

    fn configure<R: Runtime>(app: &AppHandle<R>) -> Result<Auth, CommandError> {
        let config_file = app
            .path()
            .app_config_dir()
            .ok()
            .map(|dir| dir.join("config.json"));
        let config = Config::resolve(|name| std::env::var(name).ok(), config_file.as_deref())?;
        let store = record_file(app).map_err(|e| {
            CommandError::new(
                ErrorKind::Storage,
                format!("The session file cannot be opened: {e}."),
            )
        })?;
        let identifier = &app.config().identifier;
        let keys = OsKeyring::new(identifier, &config.issuer, &config.client_id);
        let vault = Vault::new(
            Arc::new(keys),
            Arc::new(store),
            &config.issuer,
            &config.client_id,
        );
        let emitter = app.clone();
        let notify = Arc::new(move |change: Change| {
            let sent = match change {
                Change::Session(view) => emitter.emit(event::SESSION_CHANGED, view),
                Change::Waiting(waiting) => emitter.emit(event::SIGN_IN_WAITING, waiting),
            };
            if let Err(e) = sent {
                tracing::warn!(error = %e, "could not tell the window about the session");
            }
        });
        Ok(Auth::new(config, vault, Arc::new(SystemClock), notify))
    }

    /// The session if the stored one has been opened already; `None` while it is being opened.
    pub fn opened(&self) -> Option<Result<&Auth, CommandError>> {
        let done = *self.restored.borrow();
        done.then(|| self.auth.as_ref().map_err(Clone::clone))
    }

    /// The session once the stored one has been opened; the configuration error otherwise.
    pub async fn ready(&self) -> Result<&Auth, CommandError> {
        let mut restored = self.restored.clone();
        let _ = restored.wait_for(|done| *done).await;
        self.auth.as_ref().map_err(Clone::clone)
    }
}

//! The IPC contract between `tauri-plugin-gatehouse` and the UI (`gatehouse-yew`).
//!
//! Both sides compile this crate, so a command name, a payload field or an error kind can only
//! change in one place. Every value crosses as JSON through serde. Nothing here ever carries a
//! token: the UI sees what it shows.
//!
//! ```
//! use gatehouse_contract::{command, SessionState};
//! assert_eq!(command::LOGIN, "plugin:gatehouse|login");
//! let state: SessionState = serde_json::from_str(r#"{"status": "signedOut", "reason": null}"#).unwrap();
//! assert_eq!(state, SessionState::SignedOut { reason: None });
//! ```

mod error;
mod fetch;
mod session;

pub use error::{CommandError, ErrorKind};
pub use fetch::{FetchRequest, FetchResponse, MAX_REQUEST_BODY, MAX_RESPONSE_BODY};
pub use session::{SessionState, SessionView, SignInWaiting, StartHint, StorageStatus};

/// The plugin's name: its commands are `plugin:gatehouse|…`, its permissions `gatehouse:…`.
pub const PLUGIN: &str = "gatehouse";

/// The global the plugin's start script defines in a window before the page runs: a
/// [`StartHint`], frozen.
pub const START_GLOBAL: &str = "__GATEHOUSE_START__";

macro_rules! commands {
    ($($(#[$doc:meta])* $name:ident = $command:literal;)+) => {
        /// The plugin's commands, as `invoke` names them.
        pub mod command {
            $($(#[$doc])* pub const $name: &str = concat!("plugin:gatehouse|", $command);)+

            /// Every command by its own name, as `build.rs` declares them to the permission
            /// system.
            pub const NAMES: &[&str] = &[$($command),+];
        }
    };
}

commands! {
    /// Starts a sign-in. Resolves with `null` once signed in (the session itself arrives with
    /// [`event::SESSION_CHANGED`]), or rejects with a [`CommandError`].
    LOGIN = "login";
    /// Ends the sign-in in progress, if any; the pending `login` rejects with `cancelled`.
    CANCEL_LOGIN = "cancel_login";
    /// `true` when a session is stored and its ID token outlives the minimum remaining lifetime.
    LOGGED_IN = "logged_in";
    /// The current [`SessionState`].
    SESSION = "session";
    /// Destroys the session, revokes its refresh token, ends the provider session if configured.
    LOGOUT = "logout";
    /// Opens the waiting sign-in's page in the browser again; rejects with `browser` when the
    /// browser cannot be started (the sign-in goes on waiting).
    OPEN_BROWSER_AGAIN = "open_browser_again";
    /// Calls one of the app's APIs with its token, which the page never sees: takes
    /// `{ request: FetchRequest }`, resolves with a [`FetchResponse`] (any HTTP status), or
    /// rejects with a [`CommandError`] when the call is not allowed or gets no answer.
    FETCH = "fetch";
}

/// The plugin's events.
pub mod event {
    /// Emitted on every change of session, with the new [`crate::SessionState`]: signed in with
    /// its view, or signed out with the reason when the session ended by itself.
    pub const SESSION_CHANGED: &str = "gatehouse://session-changed";
    /// Emitted while a sign-in waits for the browser, with a [`crate::SignInWaiting`]: when the
    /// browser was asked to open the page, and again whenever that changes.
    pub const SIGN_IN_WAITING: &str = "gatehouse://sign-in-waiting";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_is_the_plugins_and_listed_once() {
        let all = [
            command::LOGIN,
            command::CANCEL_LOGIN,
            command::LOGGED_IN,
            command::SESSION,
            command::LOGOUT,
            command::OPEN_BROWSER_AGAIN,
            command::FETCH,
        ];
        assert_eq!(all.len(), command::NAMES.len());
        for (full, name) in all.iter().zip(command::NAMES) {
            assert_eq!(*full, format!("plugin:{PLUGIN}|{name}"));
        }
        for name in [event::SESSION_CHANGED, event::SIGN_IN_WAITING] {
            assert!(name.starts_with("gatehouse://"), "{name}");
        }
    }
}

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

//! The IPC contract between Gatehouse's backend and its UI.
//!
//! Both sides compile this crate, so a command name, a payload field or an error kind can only
//! change in one place. Nothing here ever carries a token: the UI sees what it shows.
//!
//! ```
//! use gatehouse_contract::{command, SessionView};
//! assert!(command::ALL.contains(&command::LOGIN));
//! let view: Option<SessionView> = serde_json::from_str("null").unwrap();
//! assert!(view.is_none());
//! ```

mod error;
mod session;

pub use error::{CommandError, ErrorKind};
pub use session::{SessionView, SignInWaiting, StorageStatus};

/// Names of the backend's commands, as `invoke` and the permission system know them.
/// The global the backend defines in the window before the page runs: `{ signedOut: bool }`,
/// true when the app is configured and no session is stored, so the page can show `/login`
/// without waiting for its first IPC call.
pub const START_GLOBAL: &str = "__GATEHOUSE_START__";

pub mod command {
    /// Starts a sign-in; resolves with a [`crate::SessionView`] or a [`crate::CommandError`].
    pub const LOGIN: &str = "login";
    /// Ends the sign-in in progress, if any; the pending `login` rejects with `cancelled`.
    pub const CANCEL_LOGIN: &str = "cancel_login";
    /// `true` when a session is stored and its ID token outlives the minimum remaining lifetime.
    pub const LOGGED_IN: &str = "logged_in";
    /// The current [`crate::SessionView`], or `null` when signed out.
    pub const SESSION: &str = "session";
    /// Destroys the session, revokes its refresh token, ends the provider session if configured.
    pub const LOGOUT: &str = "logout";
    /// Opens the waiting sign-in's page in the browser again; rejects with `browser` when the
    /// browser cannot be started (the sign-in goes on waiting).
    pub const OPEN_BROWSER_AGAIN: &str = "open_browser_again";

    /// Every command, for `build.rs` and the capability file.
    pub const ALL: [&str; 6] = [
        LOGIN,
        CANCEL_LOGIN,
        LOGGED_IN,
        SESSION,
        LOGOUT,
        OPEN_BROWSER_AGAIN,
    ];
}

/// Names of the events the backend emits.
pub mod event {
    /// Emitted on every change of session, with the new [`crate::SessionView`] or `null`.
    pub const SESSION_CHANGED: &str = "session-changed";
    /// Emitted while a sign-in waits for the browser, with a [`crate::SignInWaiting`]: when the
    /// browser was asked to open the page, and again whenever that changes.
    pub const SIGN_IN_WAITING: &str = "sign-in-waiting";
}

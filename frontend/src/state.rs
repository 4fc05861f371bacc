//! The UI's state: what phase the session is in and what went wrong last. Plain Rust,
//! tested natively.

use std::rc::Rc;

use gatehouse_contract::{CommandError, ErrorKind, SessionView};
use yew::Reducible;

/// Where the session stands, as far as the UI knows.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Phase {
    /// Asking the backend for the stored session.
    #[default]
    Loading,
    SignedOut,
    /// Waiting for the person to finish in the browser.
    SigningIn,
    SignedIn(SessionView),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct AppState {
    pub phase: Phase,
    /// The last error, shown until the next attempt.
    pub error: Option<CommandError>,
    /// Set while a logout is under way, so the button cannot be pressed twice.
    pub logging_out: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// The answer to `session` at start.
    Loaded(Result<Option<SessionView>, CommandError>),
    LoginStarted,
    LoginFinished(Result<SessionView, CommandError>),
    /// A `session-changed` event.
    SessionChanged(Option<SessionView>),
    LogoutStarted,
    LogoutFinished(Result<(), CommandError>),
    /// The session ended by itself (expired, could not be renewed): why.
    Ended(CommandError),
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::Loaded(Ok(view)) => {
                // An event may have arrived first; it is newer.
                if next.phase == Phase::Loading {
                    next.phase = view.map_or(Phase::SignedOut, Phase::SignedIn);
                }
            }
            Action::Loaded(Err(error)) => {
                next.phase = Phase::SignedOut;
                next.error = Some(error);
            }
            Action::LoginStarted => {
                next.phase = Phase::SigningIn;
                next.error = None;
            }
            Action::LoginFinished(Ok(view)) => {
                next.phase = Phase::SignedIn(view);
                next.error = None;
            }
            Action::LoginFinished(Err(error)) => {
                if !matches!(next.phase, Phase::SignedIn(_)) {
                    next.phase = Phase::SignedOut;
                }
                next.error = Some(error);
            }
            Action::SessionChanged(Some(view)) => {
                next.phase = Phase::SignedIn(view);
                next.error = None;
            }
            Action::SessionChanged(None) => {
                // A sign-in under way is not ended by an event about the old session.
                if next.phase != Phase::SigningIn {
                    next.phase = Phase::SignedOut;
                }
                next.logging_out = false;
            }
            Action::Ended(reason) => {
                if next.phase != Phase::SigningIn {
                    next.phase = Phase::SignedOut;
                    next.error = Some(reason);
                }
                next.logging_out = false;
            }
            Action::LogoutStarted => next.logging_out = true,
            Action::LogoutFinished(result) => {
                next.logging_out = false;
                next.phase = Phase::SignedOut;
                next.error = result.err();
            }
        }
        Rc::new(next)
    }
}

impl AppState {
    /// Whether the last error is a missing or invalid configuration.
    pub fn needs_setup(&self) -> bool {
        self.error
            .as_ref()
            .is_some_and(|e| e.kind == ErrorKind::Config)
    }
}

#[cfg(test)]
mod tests;

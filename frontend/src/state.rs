//! The UI's state: what phase the session is in and what went wrong last. Plain Rust,
//! tested natively.

use std::rc::Rc;

use gatehouse_contract::{CommandError, ErrorKind, SessionView, SignInWaiting};
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
    /// While signing in: the page the browser was asked to open, and whether it did.
    pub waiting: Option<SignInWaiting>,
    /// The phase is the backend's word from before the page ran, not yet confirmed by a reply
    /// or an event: the first answer to `session` may still correct it (after a reload, that
    /// word is as old as the window).
    pub from_start_hint: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// The answer to `session` at start.
    Loaded(Result<Option<SessionView>, CommandError>),
    LoginStarted,
    LoginFinished(Result<SessionView, CommandError>),
    /// A `sign-in-waiting` event: the browser was asked to open the sign-in page.
    Waiting(SignInWaiting),
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
        let hinted = std::mem::take(&mut next.from_start_hint);
        match action {
            Action::Loaded(Ok(view)) => {
                // An event may have arrived first; it is newer.
                if next.phase == Phase::Loading || hinted {
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
                next.waiting = None;
            }
            Action::Waiting(waiting) => {
                // Only the sign-in on screen: a late event after Cancel is not shown.
                if next.phase == Phase::SigningIn {
                    next.waiting = Some(waiting);
                }
            }
            Action::LoginFinished(Ok(view)) => {
                next.phase = Phase::SignedIn(view);
                next.error = None;
                next.waiting = None;
            }
            Action::LoginFinished(Err(error)) => {
                if !matches!(next.phase, Phase::SignedIn(_)) {
                    next.phase = Phase::SignedOut;
                }
                next.waiting = None;
                // Cancel is what the person asked for, not something that went wrong.
                next.error = (error.kind != ErrorKind::Cancelled).then_some(error);
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
    /// The state the window starts in: signed out at once when the backend said before the
    /// page ran that there is nothing to open; otherwise asking for the stored session.
    pub fn at_start(known_signed_out: bool) -> Self {
        if known_signed_out {
            Self {
                phase: Phase::SignedOut,
                from_start_hint: true,
                ..Self::default()
            }
        } else {
            Self::default()
        }
    }

    /// The error to show: the last one, or while signing in, why the browser did not open.
    pub fn shown_error(&self) -> Option<CommandError> {
        self.error.clone().or_else(|| {
            let reason = self.waiting.as_ref()?.browser_error.clone()?;
            Some(CommandError::new(ErrorKind::Browser, reason))
        })
    }

    /// Whether the last error is a missing or invalid configuration.
    pub fn needs_setup(&self) -> bool {
        self.error
            .as_ref()
            .is_some_and(|e| e.kind == ErrorKind::Config)
    }
}

#[cfg(test)]
mod tests;

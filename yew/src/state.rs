//! The session as the UI knows it, and how each answer and event moves it. Plain Rust, tested
//! natively.

use std::rc::Rc;

use gatehouse_contract::{CommandError, ErrorKind, SessionState, SessionView, SignInWaiting};
use yew::Reducible;

/// Where the session stands, as [`crate::use_session`] gives it.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum SessionStatus {
    /// Asking the plugin for the stored session.
    #[default]
    Loading,
    /// No session. `reason` says why, when the last one ended by itself, the stored one could
    /// not be opened, or the last sign-in failed; `None` after a logout or a Cancel.
    SignedOut {
        /// Why, when there is more to say than "signed out".
        reason: Option<CommandError>,
    },
    /// Waiting for the person to finish in the browser: the page it was asked to open, once it
    /// was, and whether it came up.
    SigningIn {
        /// The page, once the browser was asked to open it.
        waiting: Option<SignInWaiting>,
    },
    /// Signed in.
    SignedIn(SessionView),
    /// The plugin cannot sign anyone in: not configured (the kind `config`, whose sentence says
    /// what to set), or its events could not be heard.
    Failed(CommandError),
}

impl SessionStatus {
    /// The sentence to show: why there is no session, why the sign-in failed, why the browser
    /// did not come up, or why the plugin cannot work.
    pub fn error(&self) -> Option<CommandError> {
        match self {
            Self::SignedOut { reason } => reason.clone(),
            Self::Failed(error) => Some(error.clone()),
            Self::SigningIn { waiting } => {
                let reason = waiting.as_ref()?.browser_error.clone()?;
                Some(CommandError::new(ErrorKind::Browser, reason))
            }
            Self::Loading | Self::SignedIn(_) => None,
        }
    }

    /// Whether the sign-in is not configured: there is nothing to retry, only something to set.
    pub fn needs_setup(&self) -> bool {
        self.error().is_some_and(|e| e.kind == ErrorKind::Config)
    }
}

impl From<SessionState> for SessionStatus {
    fn from(state: SessionState) -> Self {
        match state {
            SessionState::SignedIn { session } => Self::SignedIn(session),
            SessionState::SignedOut { reason } => Self::SignedOut { reason },
        }
    }
}

/// What a route guard may decide now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// Not known yet: the stored session is being opened.
    Wait,
    /// Signed in.
    SignedIn,
    /// Not signed in.
    SignedOut,
}

/// The provider's state: the status, whether the person is signed in, and what the UI is doing.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct SessionStore {
    /// Where the session stands.
    pub status: SessionStatus,
    /// A sign-out is under way (its button should not be pressed twice).
    pub signing_out: bool,
    /// Whether the person is signed in: `logged_in`'s answer at start, then each
    /// `gatehouse://session-changed` event's word, which comes from the same function in the
    /// plugin.
    pub logged_in: Option<bool>,
    /// The status is the plugin's word from before the page ran, not yet confirmed: the first
    /// answer to `session` may still correct it (after a reload, that word is as old as the
    /// window).
    from_start_hint: bool,
}

/// What moves the [`SessionStore`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Action {
    /// The answer to `session` at start.
    Loaded(Result<SessionState, CommandError>),
    /// A `gatehouse://session-changed` event.
    Changed(SessionState),
    /// The plugin's events cannot be heard.
    Failed(CommandError),
    /// The person asked to sign in.
    SignInStarted,
    /// A `gatehouse://sign-in-waiting` event.
    Waiting(SignInWaiting),
    /// The answer to `login`: the session itself comes with [`Action::Changed`].
    SignInFinished(Result<(), CommandError>),
    /// The person asked to sign out.
    SignOutStarted,
    /// The answer to `logout`.
    SignOutFinished(Result<(), CommandError>),
    /// The answer to `logged_in`, asked at start.
    LoggedIn(bool),
}

impl SessionStore {
    /// The store a window starts with: signed out at once when the plugin said before the page
    /// ran that there is nothing to open; otherwise loading.
    pub fn at_start(known_signed_out: bool) -> Self {
        if known_signed_out {
            Self {
                status: SessionStatus::SignedOut { reason: None },
                logged_in: Some(false),
                from_start_hint: true,
                ..Self::default()
            }
        } else {
            Self::default()
        }
    }

    /// A store that starts at `status`, as if the plugin had said so (for server-side rendering
    /// and tests).
    pub fn with_status(status: SessionStatus) -> Self {
        let logged_in = match &status {
            SessionStatus::Loading => None,
            signed_in => Some(matches!(signed_in, SessionStatus::SignedIn(_))),
        };
        Self {
            status,
            logged_in,
            ..Self::default()
        }
    }

    /// What a route guard decides: signed in once `logged_in` (at start) or the plugin's event
    /// said so for the session it announced; signed out as soon as there is no session.
    pub fn access(&self) -> Access {
        match (&self.status, self.logged_in) {
            (SessionStatus::Loading, _) | (SessionStatus::SignedIn(_), None) => Access::Wait,
            (SessionStatus::SignedIn(_), Some(true)) => Access::SignedIn,
            _ => Access::SignedOut,
        }
    }

    /// Whether `logged_in` is worth asking at start: only a session can be signed in.
    pub fn asks_logged_in(&self) -> bool {
        matches!(
            self.status,
            SessionStatus::Loading | SessionStatus::SignedIn(_)
        )
    }

    /// Takes the plugin's word for the session. An event's word is the whole truth: the
    /// plugin emits a session only while `logged_in` holds for it. The answer to `session` at
    /// start waits for `logged_in`'s, asked alongside it.
    fn heard(&mut self, state: SessionState, event: bool) {
        self.status = state.into();
        match self.status {
            SessionStatus::SignedIn(_) if event => self.logged_in = Some(true),
            SessionStatus::SignedIn(_) => {}
            // No session: not signed in, without asking.
            _ => self.logged_in = Some(false),
        }
    }
}

impl Reducible for SessionStore {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        let hinted = std::mem::take(&mut next.from_start_hint);
        match action {
            Action::Loaded(Ok(state)) => {
                // An event may have arrived first; it is newer.
                if next.status == SessionStatus::Loading || hinted {
                    if hinted {
                        // The hint's "signed out" was a guess; `logged_in` is asked now.
                        next.logged_in = None;
                    }
                    next.heard(state, false);
                }
            }
            Action::Loaded(Err(error)) | Action::Failed(error) => {
                next.status = SessionStatus::Failed(error);
                next.logged_in = Some(false);
            }
            Action::Changed(state) => {
                // A sign-in under way is not ended by news of the old session's end.
                let old_news = matches!(state, SessionState::SignedOut { .. })
                    && matches!(next.status, SessionStatus::SigningIn { .. });
                if !old_news {
                    next.heard(state, true);
                }
                next.signing_out = false;
            }
            Action::SignInStarted => next.status = SessionStatus::SigningIn { waiting: None },
            Action::Waiting(waiting) => {
                // Only the sign-in on screen: a late event after Cancel is not shown.
                if let SessionStatus::SigningIn { waiting: shown } = &mut next.status {
                    *shown = Some(waiting);
                }
            }
            Action::SignInFinished(Ok(())) => {}
            Action::SignInFinished(Err(error)) => {
                if !matches!(next.status, SessionStatus::SignedIn(_)) {
                    // Cancel is what the person asked for, not something that went wrong.
                    let reason = (error.kind != ErrorKind::Cancelled).then_some(error);
                    next.status = SessionStatus::SignedOut { reason };
                    next.logged_in = Some(false);
                }
            }
            Action::SignOutStarted => next.signing_out = true,
            Action::SignOutFinished(result) => {
                next.signing_out = false;
                next.status = SessionStatus::SignedOut {
                    reason: result.err(),
                };
                next.logged_in = Some(false);
            }
            Action::LoggedIn(answer) => {
                // Only while the session it answers for is still the one on screen.
                if matches!(
                    next.status,
                    SessionStatus::Loading | SessionStatus::SignedIn(_)
                ) && next.logged_in.is_none()
                {
                    next.logged_in = Some(answer);
                }
            }
        }
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests;

//! The one state of a session: signed out (and why), or signed in with its record and claims;
//! and what the UI is told when it changes. Plain data; [`super::keeper::Keeper`] is the only
//! one that changes it.

use std::sync::Arc;

use gatehouse_contract::{CommandError, SessionState, SessionView, SignInWaiting, StorageStatus};

use super::policy::Lifetime;
use crate::oidc::IdClaims;
use crate::vault::{KeyStoreError, SessionRecord};
use crate::Error;

/// What the UI is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The session changed: signed in with its view, or signed out and why.
    Session(SessionState),
    /// A sign-in waits for the browser: the page it was asked to open, and whether it did.
    Waiting(SignInWaiting),
}

/// Told of every [`Change`].
pub type Notify = Arc<dyn Fn(Change) + Send + Sync>;

/// Signed out, or signed in.
pub(super) enum State {
    /// No session; `ended` says why, when the last one ended by itself or none could be opened,
    /// until a new one starts.
    SignedOut {
        ended: Option<Ended>,
    },
    SignedIn(Box<Active>),
}

/// Why there is no session.
#[derive(Debug, Clone)]
pub(super) enum Ended {
    /// The keyring could not be reached, so the stored session could not be opened.
    Keyring(KeyStoreError),
    /// The session ran out and could not be renewed.
    Expired,
    /// The session reached its time limit (`max_age`).
    TimeLimit,
    /// Renewal failed because the provider could not be reached; the record is kept.
    Unreachable { url: String },
    /// A renewal brought tokens that are not bound to the session's DPoP key (RFC 9449 §5).
    Unbound,
}

impl Ended {
    /// The sentence a person reads, as the core's error.
    pub(super) fn error(&self) -> Error {
        match self {
            Self::Keyring(e) => Error::KeyringUnavailable(e.clone()),
            Self::Expired => Error::Expired,
            Self::TimeLimit => Error::TimeLimit,
            Self::Unreachable { url } => Error::RenewalUnreachable { url: url.clone() },
            Self::Unbound => Error::DpopNotBound,
        }
    }

    /// The state the UI is told of when a session ends this way.
    pub(super) fn signed_out(&self) -> SessionState {
        SessionState::SignedOut {
            reason: Some(CommandError::from(self.error())),
        }
    }
}

/// A signed-in session: the record as sealed, the claims read from its ID token.
#[derive(Clone)]
pub(super) struct Active {
    pub record: SessionRecord,
    pub claims: IdClaims,
    pub storage: StorageStatus,
    /// The last renewal did not extend the session; it is not renewed again.
    pub stalled: bool,
}

impl Active {
    pub(super) fn lifetime(&self) -> Lifetime {
        let renewable = self.record.refresh_token.is_some() && !self.stalled;
        Lifetime::of(&self.record, &self.claims, renewable)
    }

    pub(super) fn view(&self) -> SessionView {
        SessionView {
            display_name: self.claims.display_name().to_owned(),
            email: self.claims.email.clone(),
            picture: self.claims.picture.clone(),
            tenant: self.claims.tenant.clone(),
            expires_at: self.record.expires_at,
            can_renew: self.lifetime().renewable,
            storage: self.storage,
        }
    }
}

use serde::{Deserialize, Serialize};

use crate::CommandError;

/// What the UI may know of a session: what it shows, never a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionView {
    /// The name to greet: `name`, else `nickname`, `preferred_username`, `email`, or `sub`.
    pub display_name: String,
    /// The verified or unverified email the provider gave, if any.
    pub email: Option<String>,
    /// An `https` picture URL, if the provider gave one.
    pub picture: Option<String>,
    /// The tenant the person signed in to (Microsoft Entra ID's `tid`), when the provider
    /// names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// When the ID token expires, in seconds since the Unix epoch.
    pub expires_at: i64,
    /// Whether a refresh token allows silent renewal.
    pub can_renew: bool,
    /// Whether the session survives a restart.
    pub storage: StorageStatus,
}

/// Where the session is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StorageStatus {
    /// Sealed on disk under a key in the OS keyring.
    Persisted,
    /// The OS keyring is unavailable: the session lives in memory until the app quits.
    MemoryOnly,
}

/// The session as the plugin knows it: the answer to `session` and the payload of
/// `gatehouse://session-changed`.
///
/// ```
/// use gatehouse_contract::{CommandError, ErrorKind, SessionState};
/// let ended = SessionState::SignedOut {
///     reason: Some(CommandError::new(ErrorKind::Expired, "Your session expired. Log in again.")),
/// };
/// let json = serde_json::to_value(&ended).unwrap();
/// assert_eq!(json["status"], "signedOut");
/// assert_eq!(json["reason"]["kind"], "expired");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "camelCase")]
pub enum SessionState {
    /// A session whose ID token outlives the minimum remaining lifetime.
    SignedIn { session: SessionView },
    /// No session. `reason` says why when the last one ended by itself (it expired, could not
    /// be renewed) or the stored one could not be opened; `None` after a logout or when there
    /// never was one.
    SignedOut { reason: Option<CommandError> },
}

impl SessionState {
    /// The signed-in session's view; `None` when signed out.
    pub fn session(&self) -> Option<&SessionView> {
        match self {
            Self::SignedIn { session } => Some(session),
            Self::SignedOut { .. } => None,
        }
    }

    /// Why the last session ended by itself, when it did.
    pub fn reason(&self) -> Option<&CommandError> {
        match self {
            Self::SignedOut { reason } => reason.as_ref(),
            Self::SignedIn { .. } => None,
        }
    }
}

/// A sign-in waiting for the person to finish in the browser.
///
/// `url` is the page the browser was asked to open: the authorization request, or only its
/// pushed `request_uri` (RFC 9126). It carries no token: a code comes back only to the app's
/// loopback listener, and only with the PKCE verifier the app keeps (RFC 7636).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignInWaiting {
    pub url: String,
    /// Why the browser did not come up, as a sentence, when it did not.
    pub browser_error: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn view() -> SessionView {
        SessionView {
            display_name: "Ada".into(),
            email: None,
            picture: None,
            tenant: None,
            expires_at: 1_700_000_000,
            can_renew: true,
            storage: StorageStatus::MemoryOnly,
        }
    }

    #[test]
    fn session_view_uses_camel_case_on_the_wire() {
        let json = serde_json::to_value(view()).unwrap();
        assert_eq!(json["displayName"], "Ada");
        assert_eq!(json["expiresAt"], 1_700_000_000);
        assert_eq!(json["canRenew"], true);
        assert_eq!(json["storage"], "memory_only");
        assert_eq!(serde_json::from_value::<SessionView>(json).unwrap(), view());
    }

    #[test]
    fn session_state_is_tagged_by_status_and_round_trips() {
        let signed_in = SessionState::SignedIn { session: view() };
        let json = serde_json::to_value(&signed_in).unwrap();
        assert_eq!(json["status"], "signedIn");
        assert_eq!(json["session"]["displayName"], "Ada");
        let ended = SessionState::SignedOut {
            reason: Some(CommandError::new(ErrorKind::Expired, "Expired.")),
        };
        for state in [signed_in, ended, SessionState::SignedOut { reason: None }] {
            let json = serde_json::to_string(&state).unwrap();
            assert_eq!(serde_json::from_str::<SessionState>(&json).unwrap(), state);
        }
        assert!(serde_json::from_str::<SessionState>(r#"{"status": "gone"}"#).is_err());
    }

    #[test]
    fn sign_in_waiting_uses_camel_case_on_the_wire() {
        let waiting = SignInWaiting {
            url: "https://id.example/authorize?client_id=c".into(),
            browser_error: Some("No browser.".into()),
        };
        let json = serde_json::to_value(&waiting).unwrap();
        assert_eq!(json["url"], "https://id.example/authorize?client_id=c");
        assert_eq!(json["browserError"], "No browser.");
        assert_eq!(
            serde_json::from_value::<SignInWaiting>(json).unwrap(),
            waiting
        );
    }
}

/// What the plugin tells a window before its page runs (as [`crate::START_GLOBAL`]), so that
/// the page can draw its first screen without waiting for its first IPC call.
///
/// ```
/// use gatehouse_contract::StartHint;
/// let hint: StartHint = serde_json::from_str(r#"{"signedOut": true}"#).unwrap();
/// assert!(hint.signed_out);
/// assert_eq!(serde_json::to_string(&hint).unwrap(), r#"{"signedOut":true}"#);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StartHint {
    /// Sign-in is configured and no session is stored: the page may draw its signed-out
    /// screen at once.
    pub signed_out: bool,
}

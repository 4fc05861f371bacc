use serde::{Deserialize, Serialize};

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

impl StorageStatus {
    /// The wire name, as serialised.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Persisted => "persisted",
            Self::MemoryOnly => "memory_only",
        }
    }

    /// The status whose wire name is `name`.
    pub fn from_wire(name: &str) -> Option<Self> {
        [Self::Persisted, Self::MemoryOnly]
            .into_iter()
            .find(|status| status.as_str() == name)
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

    #[test]
    fn session_view_uses_camel_case_on_the_wire() {
        let view = SessionView {
            display_name: "Ada".into(),
            email: None,
            picture: None,
            expires_at: 1_700_000_000,
            can_renew: true,
            storage: StorageStatus::MemoryOnly,
        };
        let json = serde_json::to_value(&view).unwrap();
        assert_eq!(json["displayName"], "Ada");
        assert_eq!(json["expiresAt"], 1_700_000_000);
        assert_eq!(json["canRenew"], true);
        assert_eq!(json["storage"], "memory_only");
        assert_eq!(serde_json::from_value::<SessionView>(json).unwrap(), view);
    }

    #[test]
    fn storage_status_wire_names_match_as_str() {
        for status in [StorageStatus::Persisted, StorageStatus::MemoryOnly] {
            let json = serde_json::to_string(&status).unwrap();
            assert_eq!(json, format!("\"{}\"", status.as_str()));
            assert_eq!(StorageStatus::from_wire(status.as_str()), Some(status));
        }
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

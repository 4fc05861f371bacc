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
}

use std::fmt;

use serde::{Deserialize, Serialize};

/// What went wrong, as the UI matches on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// Configuration is missing or invalid; the message says what to set.
    Config,
    /// The provider could not be reached.
    Network,
    /// The provider answered with something unusable (bad discovery document, bad JSON).
    Provider,
    /// The provider refused the sign-in (for example `access_denied`).
    Refused,
    /// The person cancelled the sign-in.
    Cancelled,
    /// The sign-in was not finished in time.
    Timeout,
    /// A token failed validation.
    InvalidToken,
    /// The OS keyring or the session file is unavailable.
    Storage,
    /// The browser could not be opened.
    Browser,
    /// A sign-in is already in progress.
    Busy,
    /// The session ran out and could not be renewed.
    Expired,
    /// Anything else; a bug.
    Internal,
}

impl ErrorKind {
    /// The wire name, as serialised: what the UI puts in its `data-kind` attribute.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Config => "config",
            Self::Network => "network",
            Self::Provider => "provider",
            Self::Refused => "refused",
            Self::Cancelled => "cancelled",
            Self::Timeout => "timeout",
            Self::InvalidToken => "invalid_token",
            Self::Storage => "storage",
            Self::Browser => "browser",
            Self::Busy => "busy",
            Self::Expired => "expired",
            Self::Internal => "internal",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A command's failure as it crosses IPC: a stable kind and a sentence for a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandError {
    pub kind: ErrorKind,
    pub message: String,
}

impl CommandError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CommandError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_kind_wire_names_match_as_str() {
        let kinds = [
            ErrorKind::Config,
            ErrorKind::Network,
            ErrorKind::Provider,
            ErrorKind::Refused,
            ErrorKind::Cancelled,
            ErrorKind::Timeout,
            ErrorKind::InvalidToken,
            ErrorKind::Storage,
            ErrorKind::Browser,
            ErrorKind::Busy,
            ErrorKind::Expired,
            ErrorKind::Internal,
        ];
        for kind in kinds {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
            assert_eq!(serde_json::from_str::<ErrorKind>(&json).unwrap(), kind);
        }
    }

    #[test]
    fn command_error_is_kind_and_message() {
        let err = CommandError::new(ErrorKind::Cancelled, "Sign-in was cancelled.");
        let json = serde_json::to_value(&err).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"kind": "cancelled", "message": "Sign-in was cancelled."})
        );
    }
}

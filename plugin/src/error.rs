//! The plugin's one error type. Across IPC it is the contract's `{ kind, message }`, which the
//! UI matches on; its message is a sentence for a person and never holds token material.

use std::sync::Arc;

use gatehouse_contract::{CommandError, ErrorKind};
use serde::{Serialize, Serializer};

/// What went wrong, for the host app's Rust code and (as `{ kind, message }`) for the UI.
///
/// ```
/// use tauri_plugin_gatehouse::{Error, ErrorKind};
/// let err = Error::NotConfigured("Set the issuer.".into());
/// assert_eq!(err.kind(), ErrorKind::Config);
/// assert_eq!(
///     serde_json::to_value(&err).unwrap(),
///     serde_json::json!({ "kind": "config", "message": "Set the issuer." })
/// );
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The sign-in has no usable settings; the sentence says what to set.
    #[error("{0}")]
    NotConfigured(String),
    /// The session file's place cannot be worked out; the sentence says why.
    #[error("The session file cannot be opened: {0}.")]
    Store(String),
    /// The sign-in, the session or the provider: the core's sentence. Shared, so that an error
    /// decided once (a start without settings) answers every call the same.
    #[error(transparent)]
    Auth(Arc<gatehouse_core::Error>),
}

impl From<gatehouse_core::Error> for Error {
    fn from(err: gatehouse_core::Error) -> Self {
        Self::Auth(Arc::new(err))
    }
}

/// The plugin's results.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// The stable kind the UI matches on.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::NotConfigured(_) => ErrorKind::Config,
            Self::Store(_) => ErrorKind::Storage,
            Self::Auth(e) => e.kind(),
        }
    }
}

impl From<&Error> for CommandError {
    fn from(err: &Error) -> Self {
        CommandError::new(err.kind(), err.to_string())
    }
}

impl Serialize for Error {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        CommandError::from(self).serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_core_error_keeps_its_kind_and_sentence_across_ipc() {
        let err = Error::from(gatehouse_core::Error::Expired);
        let json = serde_json::to_value(&err).unwrap();
        assert_eq!(json["kind"], "expired");
        assert_eq!(json["message"], "Your session expired. Log in again.");
    }
}

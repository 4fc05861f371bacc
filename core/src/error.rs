//! The core's one error type. Its `Display` is a sentence a person can read; no message ever
//! carries token material.

use gatehouse_contract::{CommandError, ErrorKind};

use crate::oidc::TokenError;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("Gatehouse is not configured yet. Set {missing}.")]
    MissingConfig { missing: String },
    #[error("The configuration is not valid: {0}")]
    InvalidConfig(String),
    #[error("Could not reach the identity provider at {url}.")]
    Unreachable {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("The identity provider answered {url} with HTTP status {status}.")]
    HttpStatus { url: String, status: u16 },
    #[error("The identity provider sent an unusable answer: {0}.")]
    BadResponse(String),
    #[error("The identity provider calls itself {found:?}, but Gatehouse is configured for {expected:?}.")]
    IssuerMismatch { expected: String, found: String },
    #[error("The identity provider refused the sign-in ({error}){}", describe(.description))]
    Refused {
        error: String,
        description: Option<String>,
    },
    #[error("Sign-in was cancelled.")]
    Cancelled,
    #[error("Sign-in was not finished within {0} seconds.")]
    Timeout(u64),
    #[error("The identity provider sent an ID token that is not valid: {0}.")]
    InvalidToken(TokenError),
    #[error("Could not fetch the identity provider's signing keys ({0}).")]
    SigningKeys(String),
    #[error("Secure storage (the system keyring) is unavailable.")]
    KeyringUnavailable(#[source] crate::vault::KeyStoreError),
    #[error("The session file could not be written.")]
    Io(#[source] std::io::Error),
    #[error("Could not open the browser.")]
    Browser(#[source] std::io::Error),
    #[error("Could not listen for the sign-in on 127.0.0.1:{port}.")]
    Listener {
        port: u16,
        #[source]
        source: std::io::Error,
    },
    #[error("A sign-in is already in progress.")]
    Busy,
    #[error("Your session expired. Log in again.")]
    Expired,
    #[error(
        "Your session could not be renewed: the identity provider at {url} cannot be reached."
    )]
    RenewalUnreachable { url: String },
}

fn describe(description: &Option<String>) -> String {
    match description {
        Some(d) if !d.is_empty() => format!(": {d}"),
        _ => ".".to_owned(),
    }
}

impl Error {
    /// The stable kind the UI matches on.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::MissingConfig { .. } | Self::InvalidConfig(_) => ErrorKind::Config,
            Self::Unreachable { .. } | Self::RenewalUnreachable { .. } | Self::SigningKeys(_) => {
                ErrorKind::Network
            }
            Self::HttpStatus { .. } | Self::BadResponse(_) | Self::IssuerMismatch { .. } => {
                ErrorKind::Provider
            }
            Self::Refused { .. } => ErrorKind::Refused,
            Self::Cancelled => ErrorKind::Cancelled,
            Self::Timeout(_) => ErrorKind::Timeout,
            Self::InvalidToken(_) => ErrorKind::InvalidToken,
            Self::KeyringUnavailable(_) | Self::Io(_) => ErrorKind::Storage,
            Self::Browser(_) => ErrorKind::Browser,
            Self::Listener { .. } => ErrorKind::Internal,
            Self::Busy => ErrorKind::Busy,
            Self::Expired => ErrorKind::Expired,
        }
    }
}

/// A token that could not be checked because the keys were out of reach is a network failure,
/// not an invalid token.
impl From<TokenError> for Error {
    fn from(err: TokenError) -> Self {
        match err {
            TokenError::Keys(reason) => Self::SigningKeys(reason),
            other => Self::InvalidToken(other),
        }
    }
}

impl From<&Error> for CommandError {
    fn from(err: &Error) -> Self {
        CommandError::new(err.kind(), err.to_string())
    }
}

impl From<Error> for CommandError {
    fn from(err: Error) -> Self {
        (&err).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreachable_signing_keys_are_a_network_failure_not_an_invalid_token() {
        let keys = Error::from(TokenError::Keys("connection refused".into()));
        assert_eq!(keys.kind(), ErrorKind::Network);
        assert_eq!(
            Error::from(TokenError::BadSignature).kind(),
            ErrorKind::InvalidToken
        );
    }

    #[test]
    fn refused_reads_as_a_sentence_with_or_without_description() {
        let bare = Error::Refused {
            error: "access_denied".into(),
            description: None,
        };
        assert_eq!(
            bare.to_string(),
            "The identity provider refused the sign-in (access_denied)."
        );
        let described = Error::Refused {
            error: "access_denied".into(),
            description: Some("User cancelled".into()),
        };
        assert_eq!(
            described.to_string(),
            "The identity provider refused the sign-in (access_denied): User cancelled"
        );
        assert_eq!(CommandError::from(described).kind, ErrorKind::Refused);
    }
}

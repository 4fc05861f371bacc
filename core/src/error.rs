//! The core's one error type, made once at the edge from the protocol's own errors. Its
//! `Display` is a sentence a person can read; no message ever carries token material.

use gatehouse_contract::{CommandError, ErrorKind};

use crate::browser::BrowserError;
use crate::oidc::http::CertificateProblem;
use crate::oidc::{DiscoveryError, KeyError, OAuthError, RequestError, TokenError};
use crate::vault::KeyStoreError;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error("Could not reach the identity provider at {url}.")]
    Unreachable {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    /// The connection was refused for the server's certificate (RFC 6125, RFC 5280 §6).
    #[error("The identity provider at {host} presented a certificate {}, so the connection was refused.", .problem.describe())]
    Certificate {
        host: String,
        problem: CertificateProblem,
        #[source]
        source: reqwest::Error,
    },
    #[error("The identity provider answered {url} with HTTP status {status}.")]
    HttpStatus { url: String, status: u16 },
    #[error("The identity provider sent an unusable answer: {0}.")]
    BadResponse(String),
    /// OIDC Discovery §4.3. What the provider named is not repeated.
    #[error("The identity provider's discovery document names another issuer than the configured {expected:?} (they must match exactly, a trailing / included).")]
    IssuerMismatch { expected: String },
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
    #[error("{}", signing_keys(.0))]
    SigningKeys(KeyError),
    #[error("Secure storage (the system keyring) is unavailable.")]
    KeyringUnavailable(#[source] KeyStoreError),
    #[error("The browser did not open ({0}). Open the sign-in link in any browser.")]
    Browser(#[source] BrowserError),
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
    /// The session reached `max_age` after the person authenticated (OIDC Core 3.1.2.1),
    /// however often it was renewed.
    #[error("Your session reached its time limit. Log in again.")]
    TimeLimit,
    #[error(
        "Your session could not be renewed: the identity provider at {url} cannot be reached."
    )]
    RenewalUnreachable { url: String },
    #[error("The identity provider gave this session no access token.")]
    NoAccessToken,
    /// DPoP is required, and the provider does not take ES256 proofs (RFC 9449 §5.1).
    #[error("The identity provider does not offer DPoP, which this app is set up to require.")]
    DpopUnavailable,
    /// A refresh of a session whose tokens are DPoP-bound (or with DPoP required) was answered
    /// with tokens that are not (RFC 9449 §5): they were neither stored nor sent.
    #[error("The identity provider sent tokens that are not bound to this app's key (DPoP), which this session requires, so they were not used.")]
    DpopNotBound,
    /// An API that is not among the configured ones.
    #[error("{0} is not one of the APIs this app is set up to call.")]
    UnknownApi(String),
    /// A call the page asked for that is under none of the configured APIs; it was not sent.
    #[error("{url} is not under any of the APIs this app is set up to call, so it was not sent.")]
    ApiNotAllowed { url: String },
    /// A call to a configured API that the window's capability does not grant
    /// (`gatehouse:allow-fetch` with a scope that leaves it out); it was not sent.
    #[error("This window may not call the API at {api}, so the call was not sent.")]
    ApiOutOfScope { api: String },
    /// A call the page asked for that cannot be sent as it is.
    #[error("The call cannot be sent: {0}.")]
    ApiCall(String),
    /// The API could not be reached, or did not answer in time.
    #[error("{}", if *.timed_out { format!("The API at {origin} did not answer in time.") } else { format!("Could not reach the API at {origin}.") })]
    ApiUnreachable { origin: String, timed_out: bool },
    /// The API's answer cannot be given to the page.
    #[error("The API's answer cannot be used: {0}.")]
    ApiAnswer(String),
    /// A bug: something that cannot happen did.
    #[error("Something went wrong inside the sign-in: {0}.")]
    Internal(String),
}

/// The host (and port) of `url`, as the person knows the server by.
fn host_of(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| {
            let host = u.host_str()?.to_owned();
            Some(match u.port() {
                Some(port) => format!("{host}:{port}"),
                None => host,
            })
        })
        .unwrap_or_else(|| url.to_owned())
}

fn describe(description: &Option<String>) -> String {
    match description {
        Some(d) if !d.is_empty() => format!(": {d}"),
        _ => ".".to_owned(),
    }
}

fn signing_keys(err: &KeyError) -> String {
    match err {
        KeyError::Fetch(_) => "Could not fetch the identity provider's signing keys.".to_owned(),
        other => format!("The identity provider sent an ID token that is not valid: {other}."),
    }
}

impl Error {
    /// The stable kind the UI matches on.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Unreachable { .. }
            | Self::Certificate { .. }
            | Self::RenewalUnreachable { .. }
            | Self::SigningKeys(KeyError::Fetch(_)) => ErrorKind::Network,
            Self::HttpStatus { .. }
            | Self::BadResponse(_)
            | Self::IssuerMismatch { .. }
            | Self::NoAccessToken => ErrorKind::Provider,
            Self::Refused { .. } => ErrorKind::Refused,
            Self::UnknownApi(_)
            | Self::ApiNotAllowed { .. }
            | Self::ApiOutOfScope { .. }
            | Self::ApiCall(_) => ErrorKind::Config,
            Self::ApiUnreachable { .. } => ErrorKind::Network,
            Self::ApiAnswer(_) | Self::DpopUnavailable | Self::DpopNotBound => ErrorKind::Provider,
            Self::Cancelled => ErrorKind::Cancelled,
            Self::Timeout(_) => ErrorKind::Timeout,
            Self::InvalidToken(_) | Self::SigningKeys(_) => ErrorKind::InvalidToken,
            Self::KeyringUnavailable(_) => ErrorKind::Storage,
            Self::Browser(_) => ErrorKind::Browser,
            Self::Listener { .. } | Self::Internal(_) => ErrorKind::Internal,
            Self::Busy => ErrorKind::Busy,
            Self::Expired | Self::TimeLimit => ErrorKind::Expired,
        }
    }
}

impl From<RequestError> for Error {
    fn from(err: RequestError) -> Self {
        match err {
            RequestError::Transport { url, source } => match CertificateProblem::of(&source) {
                Some(problem) => Self::Certificate {
                    host: host_of(&url),
                    problem,
                    source,
                },
                None => Self::Unreachable { url, source },
            },
            RequestError::Status { url, status } => Self::HttpStatus { url, status },
            RequestError::Response { url, reason } => {
                Self::BadResponse(format!("{reason}, from {url}"))
            }
            RequestError::OAuth(refusal) => refusal.into(),
            RequestError::Refused { status, .. } => Self::Refused {
                error: format!("HTTP {status}"),
                description: None,
            },
        }
    }
}

impl From<OAuthError> for Error {
    fn from(err: OAuthError) -> Self {
        Self::Refused {
            error: err.error,
            description: err.error_description,
        }
    }
}

impl From<DiscoveryError> for Error {
    fn from(err: DiscoveryError) -> Self {
        match err {
            DiscoveryError::Request(request) => request.into(),
            DiscoveryError::IssuerMismatch { expected, .. } => Self::IssuerMismatch {
                expected: expected.to_string(),
            },
            other => Self::BadResponse(other.to_string()),
        }
    }
}

impl From<TokenError> for Error {
    fn from(err: TokenError) -> Self {
        Self::InvalidToken(err)
    }
}

/// Keys out of reach are a network failure, not an invalid token.
impl From<KeyError> for Error {
    fn from(err: KeyError) -> Self {
        Self::SigningKeys(err)
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
        let keys = Error::from(KeyError::Fetch(RequestError::Status {
            url: "https://id.example/jwks".into(),
            status: 503,
        }));
        assert_eq!(keys.kind(), ErrorKind::Network);
        assert_eq!(
            keys.to_string(),
            "Could not fetch the identity provider's signing keys."
        );
        assert_eq!(
            Error::from(TokenError::BadSignature).kind(),
            ErrorKind::InvalidToken
        );
        let unknown = Error::from(KeyError::Unknown);
        assert_eq!(unknown.kind(), ErrorKind::InvalidToken);
        assert_eq!(
            unknown.to_string(),
            "The identity provider sent an ID token that is not valid: no signing key of the \
             provider matches it."
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

    #[test]
    fn each_protocol_error_becomes_one_sentence_of_the_right_kind() {
        let url = || "https://id.example/token".to_owned();
        let cases = [
            (
                Error::from(RequestError::Status {
                    url: url(),
                    status: 502,
                }),
                ErrorKind::Provider,
                "The identity provider answered https://id.example/token with HTTP status 502.",
            ),
            (
                Error::from(RequestError::Response {
                    url: url(),
                    reason: "a token response that is not valid JSON".into(),
                }),
                ErrorKind::Provider,
                "The identity provider sent an unusable answer: a token response that is not \
                 valid JSON, from https://id.example/token.",
            ),
            (
                Error::from(RequestError::OAuth(OAuthError {
                    error: "invalid_grant".into(),
                    error_description: None,
                })),
                ErrorKind::Refused,
                "The identity provider refused the sign-in (invalid_grant).",
            ),
            (
                Error::from(DiscoveryError::NoPkceS256),
                ErrorKind::Provider,
                "The identity provider sent an unusable answer: it does not support PKCE with \
                 S256.",
            ),
        ];
        for (err, kind, sentence) in cases {
            assert_eq!(err.kind(), kind, "{err}");
            assert_eq!(err.to_string(), sentence);
        }
    }
}

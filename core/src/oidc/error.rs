//! What can go wrong when talking to the provider, in protocol terms. The sentences a person
//! reads are made from these once, in the crate's own error.

use std::fmt;

use serde::Deserialize;

/// An OAuth 2.0 error response: from the token endpoint (RFC 6749 §5.2) or in the redirect
/// (RFC 6749 §4.1.2.1).
///
/// The protocol means its `error` code and `error_description` to be read, so they are the one
/// thing a provider sent that a message repeats, and only as the protocol allows them: made of
/// the printable ASCII of RFC 6749 §5.2 and short. Anything else is not repeated.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OAuthError {
    pub error: String,
    pub error_description: Option<String>,
}

/// The longest `error_description` a message repeats.
const DESCRIPTION_LIMIT: usize = 300;

impl OAuthError {
    /// The error as a message may repeat it (see the type's note).
    pub(crate) fn new(error: &str, description: Option<&str>) -> Self {
        // RFC 6749 §5.2: error and error_description use %x20-21 / %x23-5B / %x5D-7E.
        let allowed = |text: &str| {
            text.bytes()
                .all(|b| matches!(b, 0x20..=0x21 | 0x23..=0x5B | 0x5D..=0x7E))
        };
        let error = if allowed(error) && !error.is_empty() && error.len() <= 64 {
            error.to_owned()
        } else {
            "an error code outside RFC 6749".to_owned()
        };
        let error_description = description
            .filter(|d| allowed(d) && d.len() <= DESCRIPTION_LIMIT)
            .map(str::to_owned);
        Self {
            error,
            error_description,
        }
    }
}

impl fmt::Display for OAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.error_description {
            Some(d) if !d.is_empty() => write!(f, "{}: {d}", self.error),
            _ => f.write_str(&self.error),
        }
    }
}

impl std::error::Error for OAuthError {}

/// A back-channel request (discovery, JWKS, token, revocation) that did not give what was
/// asked for.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// No answer: connection refused, TLS failure, timeout.
    #[error("could not reach {url}")]
    Transport {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    /// An HTTP status the protocol does not define for this request.
    #[error("{url} answered with HTTP status {status}")]
    Status { url: String, status: u16 },
    /// An answer that cannot be used: not the expected JSON, too large, a wrong token type.
    #[error("{url} sent an unusable answer: {reason}")]
    Response { url: String, reason: String },
    /// The provider's own OAuth error (RFC 6749 §5.2), such as `invalid_grant`.
    #[error("the provider refused the request")]
    OAuth(#[source] OAuthError),
    /// A refusal (400, 401 or 403) that carries no OAuth error: a body that is not JSON, or
    /// not an error object. Read as the refusal it is, not as a provider out of reach.
    #[error("{url} refused the request with HTTP status {status}")]
    Refused { url: String, status: u16 },
}

impl RequestError {
    /// Whether the same request may succeed later: the provider was out of reach or answered
    /// outside the protocol. A provider that answered with an OAuth error or an unusable
    /// document meant it.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Transport { .. } | Self::Status { .. })
    }

    /// An error answer: the provider's OAuth error when the body is one (RFC 6749 §5.2),
    /// otherwise just its status.
    pub(crate) fn refusal(url: &str, status: u16, body: &[u8]) -> Self {
        let refused = matches!(status, 400 | 401 | 403);
        match serde_json::from_slice::<OAuthError>(body) {
            Ok(refusal) if refused => Self::OAuth(OAuthError::new(
                &refusal.error,
                refusal.error_description.as_deref(),
            )),
            // A 4xx without an OAuth error in it is a refusal too, whatever its body says.
            _ if refused => Self::Refused {
                url: url.to_owned(),
                status,
            },
            _ => Self::Status {
                url: url.to_owned(),
                status,
            },
        }
    }

    pub(crate) fn response(url: &str, reason: impl Into<String>) -> Self {
        Self::Response {
            url: url.to_owned(),
            reason: reason.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_oauth_error_is_repeated_only_as_rfc6749_allows_it() {
        let plain = OAuthError::new("access_denied", Some("The person declined."));
        assert_eq!(plain.to_string(), "access_denied: The person declined.");
        let odd = OAuthError::new(
            "bad\u{7}code",
            Some("<script>\"quoted\"</script>\u{1b}[31m"),
        );
        assert_eq!(odd.error, "an error code outside RFC 6749");
        assert_eq!(
            odd.error_description, None,
            "a quote and a control are outside it"
        );
        let long = OAuthError::new("server_error", Some(&"x".repeat(301)));
        assert_eq!(long.error_description, None);
    }

    #[test]
    fn oauth_error_reads_with_or_without_description() {
        let bare = OAuthError {
            error: "invalid_grant".into(),
            error_description: None,
        };
        assert_eq!(bare.to_string(), "invalid_grant");
        let described = OAuthError {
            error_description: Some("grant revoked".into()),
            ..bare
        };
        assert_eq!(described.to_string(), "invalid_grant: grant revoked");
    }

    #[test]
    fn only_an_unreachable_or_off_protocol_provider_is_transient() {
        let status = RequestError::Status {
            url: "https://id.example/token".into(),
            status: 503,
        };
        assert!(status.is_transient());
        assert!(!RequestError::response("https://id.example/token", "not JSON").is_transient());
        let refused = RequestError::OAuth(OAuthError {
            error: "invalid_grant".into(),
            error_description: None,
        });
        assert!(!refused.is_transient());
    }
}

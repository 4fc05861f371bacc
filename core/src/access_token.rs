//! An access token as the host's own Rust code gets it: the token and the scheme it must be
//! sent with. A token bound to the session's DPoP key (RFC 9449) is worth nothing as a bearer
//! token, so the scheme travels with it and the one header to send is made here.

use std::fmt;
use std::sync::Arc;

use crate::oidc::dpop::DpopKey;
use crate::secret::Secret;
use crate::vault::TokenRecord;
use crate::{Error, Result};

/// How an access token is sent (RFC 6750 §2.1, RFC 9449 §7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenScheme {
    /// `Authorization: Bearer …`.
    Bearer,
    /// `Authorization: DPoP …`, with a `DPoP` proof header made for the request by the session's
    /// key (see `dpop_proof`).
    Dpop,
}

impl TokenScheme {
    /// The scheme's name in an `Authorization` header.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Bearer => "Bearer",
            Self::Dpop => "DPoP",
        }
    }
}

impl fmt::Display for TokenScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An access token with its scheme. `Debug` never prints the token.
///
/// ```
/// use gatehouse_core::access_token::{AccessToken, TokenScheme};
/// use gatehouse_core::secret::Secret;
/// let token = AccessToken::new(Secret::new("eyJ...".into()), TokenScheme::Dpop);
/// assert_eq!(token.authorization().secret(), "DPoP eyJ...");
/// assert_eq!(format!("{token:?}"), "AccessToken { scheme: Dpop, token: Secret([redacted]) }");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken {
    token: Secret,
    scheme: TokenScheme,
}

impl AccessToken {
    pub fn new(token: Secret, scheme: TokenScheme) -> Self {
        Self { token, scheme }
    }

    /// How it must be sent.
    pub fn scheme(&self) -> TokenScheme {
        self.scheme
    }

    /// The token itself.
    pub fn secret(&self) -> &str {
        self.token.secret()
    }

    /// The token as a [`Secret`].
    pub fn token(&self) -> &Secret {
        &self.token
    }

    /// The value of the `Authorization` header that carries it: `Bearer …` or `DPoP …`.
    pub fn authorization(&self) -> Secret {
        Secret::new(format!("{} {}", self.scheme, self.token.secret()))
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessToken")
            .field("scheme", &self.scheme)
            .field("token", &self.token)
            .finish()
    }
}

/// An access token as it is sent, with the DPoP key it is bound to, both read from one record
/// of the session: the scheme and the proof are always those of the token sent (RFC 9449 §7.1),
/// never those of whatever the session holds by the time the call goes out.
pub(crate) struct Sendable {
    pub token: Secret,
    /// The key of its proofs when it is DPoP-bound; `None` for a bearer token.
    pub key: Option<Arc<DpopKey>>,
}

impl Sendable {
    /// `record` as it is sent, with `session_key`, the key of the session it is a token of. A
    /// token recorded as DPoP-bound is never sent as a bearer token: without its key it is not
    /// sent at all.
    pub(crate) fn of(record: &TokenRecord, session_key: Option<Arc<DpopKey>>) -> Result<Self> {
        let key = match (record.dpop, session_key) {
            (false, _) => None,
            (true, Some(key)) => Some(key),
            (true, None) => {
                return Err(Error::Internal(
                    "a DPoP-bound token is recorded without its key".into(),
                ))
            }
        };
        Ok(Self {
            token: record.token.clone(),
            key,
        })
    }

    /// The token with its scheme, for the host's own code.
    pub(crate) fn into_access_token(self) -> AccessToken {
        let scheme = match self.key {
            Some(_) => TokenScheme::Dpop,
            None => TokenScheme::Bearer,
        };
        AccessToken::new(self.token, scheme)
    }
}

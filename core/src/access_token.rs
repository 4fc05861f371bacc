//! An access token as the host's own Rust code gets it: the token and the scheme it must be
//! sent with. A token bound to the session's DPoP key (RFC 9449) is worth nothing as a bearer
//! token, so the scheme travels with it and the one header to send is made here.

use std::fmt;

use crate::secret::Secret;

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

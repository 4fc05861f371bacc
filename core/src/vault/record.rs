//! What the vault seals: the record of a session, and of each of its access tokens. Every
//! field is sealed; none is ever written in the clear.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::secret::Secret;

/// What is kept of a session. Every field is sealed; none is ever written in the clear.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRecord {
    pub id_token: Secret,
    pub refresh_token: Option<Secret>,
    /// The access token of the last token response, for the app's own API calls. Records
    /// sealed before it was kept have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token: Option<TokenRecord>,
    /// When the session expires, seconds since the epoch: the ID token's `exp`, or after a
    /// refresh that brought no ID token (OIDC Core 12.2), its access token's.
    pub expires_at: i64,
    /// When a refresh that brought no ID token renewed the session; `None` while the session's
    /// times are its ID token's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renewed_at: Option<i64>,
    /// When the person authenticated at the provider (the sign-in's ID token's `auth_time`),
    /// seconds since the epoch; kept through renewals, whose ID tokens may leave it out. With
    /// a `max_age` the session ends at this time plus it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_time: Option<i64>,
    /// Each API's access token, by the API's resource (RFC 8707): obtained with the refresh
    /// token, sealed with the session, and never given for another API.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub api_tokens: BTreeMap<String, TokenRecord>,
    /// The session's DPoP private key (RFC 9449), when its tokens are bound to it: sealed with
    /// them, so that a token taken without it is worth nothing; destroyed with the session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpop_key: Option<Secret>,
    /// The profile claims the session shows, kept when a refreshed ID token left some out
    /// (see [`crate::oidc::IdClaims::keep_profile`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<crate::oidc::Profile>,
    pub issuer: String,
    pub client_id: String,
}

/// The record of an access token: the token, how it is sent, and when it was issued and expires.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRecord {
    pub token: Secret,
    /// Bound to the session's DPoP key (`token_type` DPoP, RFC 9449 §5): sent with the
    /// `DPoP` scheme and a proof.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dpop: bool,
    /// Seconds since the epoch, from the response's `expires_in`; `None` when the provider did
    /// not say (the token then counts as living as long as the session).
    pub expires_at: Option<i64>,
    /// When it was issued, seconds since the epoch: with `expires_at`, its lifetime, half of
    /// which is the most it is renewed ahead of its expiry. Records sealed before it was kept
    /// have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued_at: Option<i64>,
}

impl fmt::Debug for SessionRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionRecord")
            .field("id_token", &self.id_token)
            .field("refresh_token", &self.refresh_token)
            .field("access_token", &self.access_token)
            .field("expires_at", &self.expires_at)
            .field("renewed_at", &self.renewed_at)
            .field("auth_time", &self.auth_time)
            .field("api_tokens", &self.api_tokens)
            .field("dpop_key", &self.dpop_key)
            .field("profile", &self.profile.as_ref().map(|_| "[profile]"))
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .finish()
    }
}

impl fmt::Debug for TokenRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenRecord")
            .field("token", &self.token)
            .field("expires_at", &self.expires_at)
            .field("issued_at", &self.issued_at)
            .field("dpop", &self.dpop)
            .finish()
    }
}

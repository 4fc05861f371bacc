//! OpenID Connect for a native app: Authorization Code flow with PKCE through the system
//! browser and a loopback redirect (RFC 8252), and the ID token rules of OIDC Core 3.1.3.7.

pub mod callback;
mod discovery;
pub mod http;
mod id_token;
mod jwks;
pub mod pkce;
mod token;

pub use discovery::ProviderMetadata;
pub use id_token::{validate_id_token, IdClaims, NonceCheck, TokenError, ValidationParams};
pub use jwks::{JwksCache, KeySource, RemoteKeys};
pub use token::{Grant, TokenEndpointError, TokenResponse};

pub(crate) use discovery::discover;
pub(crate) use token::{exchange_code, refresh, revoke};

/// The algorithms an ID token may be signed with: asymmetric only. Never `none`, never HMAC,
/// whose key would be the public client id or a public key (OIDC Core 10.1, RFC 8725 §3.1).
pub const ALLOWED_ALGORITHMS: [jsonwebtoken::Algorithm; 9] = {
    use jsonwebtoken::Algorithm::*;
    [
        RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, EdDSA,
    ]
};

//! OpenID Connect for a native app: Authorization Code flow with PKCE through the system
//! browser and a loopback redirect (RFC 8252), and the ID token rules of OIDC Core 3.1.3.7.
//!
//! Protocol only: each module speaks in its own error types ([`RequestError`],
//! [`DiscoveryError`], [`KeyError`], [`TokenError`], [`OAuthError`]); the sentences a person
//! reads are made from them in [`crate::Error`].

mod authorization;
pub mod callback;
mod discovery;
pub mod dpop;
mod error;
pub(crate) mod http;
mod id_token;
mod json;
mod jwks;
mod par;
mod pkce;
mod token;
mod types;

#[cfg(test)]
mod test_tokens;

pub use discovery::{DiscoveryError, Gaps, ProviderMetadata};
pub use error::{OAuthError, RequestError};
pub use http::CertificateProblem;
pub use id_token::{IdClaims, Origin, Profile, TokenError, UnverifiedIdToken, ValidationParams};
/// The JWS algorithms, as jsonwebtoken names them; [`ALLOWED_ALGORITHMS`] are the ones taken.
pub use jsonwebtoken::Algorithm;
#[cfg(feature = "test-util")]
pub use jwks::parse_key_set;
pub use jwks::{Jwk, KeyError, KeySet, VerificationKey, ALLOWED_ALGORITHMS};
#[cfg(feature = "test-util")]
pub use par::{parse_par_response, PushedRequest};
pub use pkce::{PkceChallenge, PkceVerifier};
pub use token::{parse_token_response, SecretMethod, TokenHint, TokenResponse};
pub use types::{ClientId, CsrfState, IssuerUrl, Nonce};

pub(crate) use authorization::AuthorizationRequest;
pub(crate) use discovery::{discover, revocation_endpoint_of};
pub(crate) use jwks::{JwksCache, RemoteKeys};
pub(crate) use par::push;
pub(crate) use token::{exchange_code, refresh, refresh_for, revoke, ClientAuth};

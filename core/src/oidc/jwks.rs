//! The provider's signing keys (`jwks_uri`): decoded once when fetched, cached, refetched once
//! on an unknown `kid`.
//!
//! Choosing the key is the only part of ID token validation that may need the network; it
//! happens here, before the pure check in [`super::id_token`].

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey};
use serde::Deserialize;
use tokio::sync::Mutex;
use tokio::time::Instant;

use super::http::get_json;
use super::RequestError;

/// An unknown `kid` triggers at most one refetch in this time, so that forged tokens cannot
/// turn Gatehouse into a flood of JWKS requests.
pub(crate) const REFETCH_INTERVAL: Duration = Duration::from_secs(60);

/// How long fetched keys are trusted: the response's `Cache-Control: max-age` within these
/// bounds, a day without one. A key the provider withdrew is dropped within a day at most,
/// and a provider that says `no-store` is still asked at most every five minutes.
pub(crate) const MAX_AGE_DEFAULT: Duration = Duration::from_secs(24 * 3600);
pub(crate) const MAX_AGE_BOUNDS: (Duration, Duration) =
    (Duration::from_secs(5 * 60), Duration::from_secs(24 * 3600));

/// Keys as a source gives them, with how long they may be trusted.
pub(crate) struct Fetched {
    pub jwks: Vec<Jwk>,
    pub max_age: Option<Duration>,
}

/// Why no key was found to verify a token with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The key set could not be fetched: a network failure, not a bad token.
    #[error("the provider's signing keys could not be fetched")]
    Fetch(#[source] RequestError),
    #[error("no signing key of the provider matches it")]
    Unknown,
    #[error("it names no signing key and the provider has several")]
    Ambiguous,
}

/// One public key of the provider, decoded and ready to verify with.
pub struct VerificationKey {
    kid: Option<String>,
    /// The `alg` the JWK states, if it states one (RFC 7517 §4.4).
    alg: Option<KeyAlgorithm>,
    kind: KeyKind,
    key: DecodingKey,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    Rsa,
    P256,
    P384,
    Ed25519,
}

impl VerificationKey {
    /// Decodes a JWK; `None` for one that cannot verify a signature (an encryption key, an
    /// unknown type or curve, broken parameters).
    pub fn from_jwk(jwk: &Jwk) -> Option<Self> {
        if matches!(&jwk.common.public_key_use, Some(u) if *u != PublicKeyUse::Signature) {
            return None;
        }
        let kind = match &jwk.algorithm {
            AlgorithmParameters::RSA(_) => KeyKind::Rsa,
            AlgorithmParameters::EllipticCurve(ec) => match ec.curve {
                EllipticCurve::P256 => KeyKind::P256,
                EllipticCurve::P384 => KeyKind::P384,
                _ => return None,
            },
            AlgorithmParameters::OctetKeyPair(okp) if okp.curve == EllipticCurve::Ed25519 => {
                KeyKind::Ed25519
            }
            _ => return None,
        };
        if jwk.common.key_algorithm == Some(KeyAlgorithm::UNKNOWN_ALGORITHM) {
            return None;
        }
        Some(Self {
            kid: jwk.common.key_id.clone(),
            alg: jwk.common.key_algorithm,
            kind,
            key: DecodingKey::from_jwk(jwk).ok()?,
        })
    }

    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    pub(crate) fn decoding_key(&self) -> &DecodingKey {
        &self.key
    }

    /// Whether this key may verify a signature made with `alg`: the right type and curve, and
    /// the JWK's own `alg`, if it states one, is `alg`.
    fn fits(&self, alg: Algorithm) -> bool {
        if let Some(key_alg) = self.alg {
            if format!("{key_alg:?}") != format!("{alg:?}") {
                return false;
            }
        }
        match (self.kind, alg.family()) {
            (KeyKind::Rsa, AlgorithmFamily::Rsa) => true,
            (KeyKind::P256, _) => alg == Algorithm::ES256,
            (KeyKind::P384, _) => alg == Algorithm::ES384,
            (KeyKind::Ed25519, AlgorithmFamily::Ed) => true,
            _ => false,
        }
    }
}

/// A decoded key set.
#[derive(Default)]
pub struct KeySet {
    keys: Vec<Arc<VerificationKey>>,
}

impl KeySet {
    /// Decodes `jwks`; keys that cannot verify signatures are left out rather than failing the
    /// whole set.
    pub fn new(jwks: &[Jwk]) -> Self {
        Self {
            keys: jwks
                .iter()
                .filter_map(VerificationKey::from_jwk)
                .map(Arc::new)
                .collect(),
        }
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The key that verifies a token signed with `alg` under `kid`.
    ///
    /// OIDC Core 10.1.1: with a `kid`, the key of that id; without one, the only key that fits
    /// `alg` (several candidates: refuse rather than guess).
    pub fn select(
        &self,
        kid: Option<&str>,
        alg: Algorithm,
    ) -> Result<Arc<VerificationKey>, KeyError> {
        let mut candidates = self.keys.iter().filter(|k| k.fits(alg));
        let key = match kid {
            Some(kid) => candidates.find(|k| k.kid() == Some(kid)),
            None => {
                let first = candidates.next();
                if candidates.next().is_some() {
                    return Err(KeyError::Ambiguous);
                }
                first
            }
        };
        key.cloned().ok_or(KeyError::Unknown)
    }
}

/// A JWKS as published (RFC 7517 §5): entries that are not JWKs at all are skipped rather than
/// failing the whole set.
#[derive(Deserialize)]
struct RawKeySet {
    keys: Vec<serde_json::Value>,
}

impl RawKeySet {
    fn into_jwks(self) -> Vec<Jwk> {
        self.keys
            .into_iter()
            .filter_map(|k| serde_json::from_value(k).ok())
            .collect()
    }
}

/// Where the keys come from: the provider's `jwks_uri`, or a fixed set in tests.
pub(crate) trait KeySource: Send + Sync {
    fn fetch(&self) -> impl Future<Output = Result<Fetched, RequestError>> + Send;
}

/// The provider at `jwks_uri`.
pub(crate) struct RemoteKeys {
    pub(crate) client: reqwest::Client,
    pub(crate) jwks_uri: url::Url,
}

impl KeySource for RemoteKeys {
    async fn fetch(&self) -> Result<Fetched, RequestError> {
        let (raw, max_age): (RawKeySet, _) = get_json(&self.client, self.jwks_uri.as_str()).await?;
        Ok(Fetched {
            jwks: raw.into_jwks(),
            max_age: max_age.map(Duration::from_secs),
        })
    }
}

/// The provider's keys, fetched on first need; see [`JwksCache::key_for`].
pub(crate) struct JwksCache<S> {
    source: S,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    keys: Option<Cached>,
    last_refetch: Option<Instant>,
}

struct Cached {
    keys: KeySet,
    expires: Instant,
}

impl<S: KeySource> JwksCache<S> {
    pub(crate) fn new(source: S) -> Self {
        Self {
            source,
            state: Mutex::new(State::default()),
        }
    }

    /// The key for a token signed with `alg` under `kid` (see [`KeySet::select`]). Keys older
    /// than their max age are fetched again first. A `kid` not in the cached set causes one
    /// refetch (the provider rotated its keys), rate-limited by [`REFETCH_INTERVAL`].
    pub(crate) async fn key_for(
        &self,
        kid: Option<&str>,
        alg: Algorithm,
    ) -> Result<Arc<VerificationKey>, KeyError> {
        let mut state = self.state.lock().await;
        let cached = match state.keys.take() {
            Some(cached) if Instant::now() < cached.expires => cached,
            _ => self.fetch().await?,
        };
        let found = cached.keys.select(kid, alg);
        state.keys = Some(cached);
        match found {
            Err(KeyError::Unknown) => {}
            found => return found,
        }
        let may_refetch = state
            .last_refetch
            .is_none_or(|t| t.elapsed() >= REFETCH_INTERVAL);
        if !may_refetch {
            return Err(KeyError::Unknown);
        }
        state.last_refetch = Some(Instant::now());
        let cached = self.fetch().await?;
        let found = cached.keys.select(kid, alg);
        state.keys = Some(cached);
        found
    }

    async fn fetch(&self) -> Result<Cached, KeyError> {
        let fetched = self.source.fetch().await.map_err(KeyError::Fetch)?;
        let (min, max) = MAX_AGE_BOUNDS;
        let max_age = fetched.max_age.unwrap_or(MAX_AGE_DEFAULT).clamp(min, max);
        Ok(Cached {
            keys: KeySet::new(&fetched.jwks),
            expires: Instant::now() + max_age,
        })
    }
}

#[cfg(test)]
mod tests;

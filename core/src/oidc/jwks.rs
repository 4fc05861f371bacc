//! The provider's signing keys (`jwks_uri`): decoded once when fetched, cached, refetched once
//! on an unknown `kid`.
//!
//! Choosing the key is the only part of ID token validation that may need the network; it
//! happens here, before the pure check in [`super::id_token`].

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;
use tokio::time::Instant;

use super::http::get_json;
use super::jws::{Algorithm, PublicKey};
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

/// A JSON Web Key (RFC 7517 §4; RFC 7518 §6 for the members of each type), as a key set lists
/// it: the members a signature key has.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    pub kty: String,
    #[serde(rename = "use", default, skip_serializing_if = "Option::is_none")]
    pub key_use: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    /// RSA modulus and exponent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e: Option<String>,
    /// EC or OKP curve and coordinates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crv: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
}

/// One public key of the provider, decoded and ready to verify with.
#[derive(Debug)]
pub struct VerificationKey {
    kid: Option<String>,
    /// The `alg` the JWK states, if it states one (RFC 7517 §4.4).
    alg: Option<Algorithm>,
    key: PublicKey,
}

/// A base64url member of a JWK (RFC 7518 §6: without padding).
fn member(value: &Option<String>) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(value.as_deref()?).ok()
}

/// A curve coordinate of exactly `len` bytes (RFC 7518 §6.2.1.2: the full size of the field).
fn coordinate(value: &Option<String>, len: usize) -> Option<Vec<u8>> {
    member(value).filter(|bytes| bytes.len() == len)
}

impl VerificationKey {
    /// Decodes a JWK; `None` for one that cannot verify a signature (an encryption key, an
    /// unknown type, curve or algorithm, broken parameters).
    pub fn from_jwk(jwk: &Jwk) -> Option<Self> {
        if jwk.key_use.as_deref().is_some_and(|u| u != "sig") {
            return None;
        }
        // A stated `alg` that is not one Gatehouse verifies: this key is for something else.
        let alg = match &jwk.alg {
            Some(name) => Some(name.parse::<Algorithm>().ok()?),
            None => None,
        };
        let key = match (jwk.kty.as_str(), jwk.crv.as_deref()) {
            ("RSA", _) => {
                let (n, e) = (member(&jwk.n)?, member(&jwk.e)?);
                if n.is_empty() || e.is_empty() {
                    return None;
                }
                PublicKey::Rsa { n, e }
            }
            ("EC", Some("P-256")) => PublicKey::P256(point(jwk, 32)?),
            ("EC", Some("P-384")) => PublicKey::P384(point(jwk, 48)?),
            ("OKP", Some("Ed25519")) => PublicKey::Ed25519(coordinate(&jwk.x, 32)?),
            _ => return None,
        };
        if alg.is_some_and(|alg| !key.fits(alg)) {
            return None;
        }
        Some(Self {
            kid: jwk.kid.clone(),
            alg,
            key,
        })
    }

    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// Whether `signature` over `message` verifies with this key under `alg`.
    pub(crate) fn verify(&self, alg: Algorithm, message: &[u8], signature: &[u8]) -> bool {
        self.fits(alg) && self.key.verify(alg, message, signature)
    }

    /// Whether this key may verify a signature made with `alg`: the right type and curve, and
    /// the JWK's own `alg`, if it states one, is `alg`.
    fn fits(&self, alg: Algorithm) -> bool {
        self.alg.is_none_or(|own| own == alg) && self.key.fits(alg)
    }
}

/// The uncompressed point `04 || x || y` of an EC JWK on a curve of `len`-byte coordinates.
fn point(jwk: &Jwk, len: usize) -> Option<Vec<u8>> {
    let mut point = vec![4];
    point.extend(coordinate(&jwk.x, len)?);
    point.extend(coordinate(&jwk.y, len)?);
    Some(point)
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

//! The provider's signing keys (`jwks_uri`), cached, refetched once on an unknown `kid`.

use std::future::Future;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey};
use serde::Deserialize;
use tokio::sync::Mutex;

use super::id_token::TokenError;
use crate::Result;

/// An unknown `kid` triggers at most one refetch in this time, so that forged tokens cannot
/// turn Gatehouse into a flood of JWKS requests.
pub const REFETCH_INTERVAL: Duration = Duration::from_secs(60);

/// Where the keys come from: the provider's `jwks_uri`, or a fixed set in tests.
pub trait KeySource: Send + Sync {
    fn fetch(&self) -> impl Future<Output = Result<Vec<Jwk>>> + Send;
}

/// A JWKS as published: keys Gatehouse cannot use (encryption keys, unknown types) are
/// skipped instead of failing the whole set.
#[derive(Deserialize)]
pub(crate) struct RawKeySet {
    keys: Vec<serde_json::Value>,
}

impl RawKeySet {
    pub(crate) fn usable(self) -> Vec<Jwk> {
        self.keys
            .into_iter()
            .filter_map(|k| serde_json::from_value(k).ok())
            .collect()
    }
}

/// The provider at `jwks_uri`.
pub struct RemoteKeys {
    pub client: reqwest::Client,
    pub jwks_uri: url::Url,
}

impl KeySource for RemoteKeys {
    async fn fetch(&self) -> Result<Vec<Jwk>> {
        let set: RawKeySet = super::http::get_json(&self.client, self.jwks_uri.as_str()).await?;
        Ok(set.usable())
    }
}

/// Cached keys; see [`JwksCache::key_for`].
pub struct JwksCache<S> {
    source: S,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    keys: Option<Vec<Jwk>>,
    last_refetch: Option<Instant>,
}

impl<S: KeySource> JwksCache<S> {
    pub fn new(source: S) -> Self {
        Self {
            source,
            state: Mutex::new(State::default()),
        }
    }

    /// The key that verifies a token signed with `alg` under `kid`.
    ///
    /// OIDC Core 10.1.1: with a `kid`, the key of that id; without one, the only key that fits
    /// `alg` (several candidates: refuse rather than guess). A `kid` not in the cached set
    /// causes one refetch (the provider rotated its keys), rate-limited by
    /// [`REFETCH_INTERVAL`].
    pub async fn key_for(
        &self,
        kid: Option<&str>,
        alg: Algorithm,
    ) -> Result<DecodingKey, TokenError> {
        let mut state = self.state.lock().await;
        if state.keys.is_none() {
            state.keys = Some(self.fetch().await?);
        }
        match select(state.keys.as_deref().unwrap_or_default(), kid, alg) {
            Err(TokenError::UnknownKey) => {}
            found => return found,
        }
        let may_refetch = state
            .last_refetch
            .is_none_or(|t| t.elapsed() >= REFETCH_INTERVAL);
        if !may_refetch {
            return Err(TokenError::UnknownKey);
        }
        state.last_refetch = Some(Instant::now());
        state.keys = Some(self.fetch().await?);
        select(state.keys.as_deref().unwrap_or_default(), kid, alg)
    }

    async fn fetch(&self) -> Result<Vec<Jwk>, TokenError> {
        self.source
            .fetch()
            .await
            .map_err(|e| TokenError::Keys(e.to_string()))
    }
}

fn select(keys: &[Jwk], kid: Option<&str>, alg: Algorithm) -> Result<DecodingKey, TokenError> {
    let mut candidates = keys.iter().filter(|k| fits(k, alg));
    let key = match kid {
        Some(kid) => candidates.find(|k| k.common.key_id.as_deref() == Some(kid)),
        None => {
            let first = candidates.next();
            if candidates.next().is_some() {
                return Err(TokenError::AmbiguousKey);
            }
            first
        }
    };
    let key = key.ok_or(TokenError::UnknownKey)?;
    DecodingKey::from_jwk(key).map_err(|_| TokenError::UnknownKey)
}

/// Whether `key` may verify a signature made with `alg`: a signing key of the right type and
/// curve, whose own `alg`, if it states one, is `alg`.
fn fits(key: &Jwk, alg: Algorithm) -> bool {
    if matches!(&key.common.public_key_use, Some(u) if *u != PublicKeyUse::Signature) {
        return false;
    }
    if let Some(key_alg) = key.common.key_algorithm {
        if key_alg == KeyAlgorithm::UNKNOWN_ALGORITHM
            || format!("{key_alg:?}") != format!("{alg:?}")
        {
            return false;
        }
    }
    match (&key.algorithm, alg.family()) {
        (AlgorithmParameters::RSA(_), AlgorithmFamily::Rsa) => true,
        (AlgorithmParameters::EllipticCurve(ec), AlgorithmFamily::Ec) => matches!(
            (&ec.curve, alg),
            (EllipticCurve::P256, Algorithm::ES256) | (EllipticCurve::P384, Algorithm::ES384)
        ),
        (AlgorithmParameters::OctetKeyPair(okp), AlgorithmFamily::Ed) => {
            okp.curve == EllipticCurve::Ed25519
        }
        _ => false,
    }
}

//! The provider's signing keys (`jwks_uri`): decoded once when fetched, cached, refetched once
//! on an unknown `kid`.
//!
//! Choosing the key is the only part of ID token validation that may need the network; it
//! happens here, before the pure check in [`super::id_token`].

use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};

use jsonwebtoken::{Algorithm, DecodingKey};

use super::json::Kind;
use super::RequestError;

/// The algorithms an ID token may be signed with: asymmetric only. Never `none`, never HMAC,
/// whose key would be the public client id or a public key (OIDC Core 10.1, RFC 8725 §3.1).
pub const ALLOWED_ALGORITHMS: [Algorithm; 9] = {
    use Algorithm::*;
    [
        RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, EdDSA,
    ]
};

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
    /// The key it names is there, but broken.
    #[error("the provider's signing key for it is malformed ({0})")]
    Malformed(&'static str),
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
    /// What the key may be used for (RFC 7517 §4.3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_ops: Option<Vec<String>>,
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

/// The type of a public key, which decides the algorithms it verifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyType {
    /// RSA of 2048 bits or more (RFC 7518 §3.3).
    Rsa,
    P256,
    P384,
    Ed25519,
}

impl KeyType {
    /// Whether this type of key verifies signatures made with `alg`.
    fn fits(self, alg: Algorithm) -> bool {
        use Algorithm::*;
        match self {
            Self::Rsa => matches!(alg, RS256 | RS384 | RS512 | PS256 | PS384 | PS512),
            Self::P256 => alg == ES256,
            Self::P384 => alg == ES384,
            Self::Ed25519 => alg == EdDSA,
        }
    }
}

/// One public key of the provider, decoded by jsonwebtoken and ready to verify with.
pub struct VerificationKey {
    kid: Option<String>,
    /// The `alg` the JWK states, if it states one (RFC 7517 §4.4).
    alg: Option<Algorithm>,
    key_type: KeyType,
    key: DecodingKey,
}

impl std::fmt::Debug for VerificationKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerificationKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("key_type", &self.key_type)
            .finish_non_exhaustive()
    }
}

/// A base64url member of a JWK (RFC 7518 §6: without padding).
fn member(value: &Option<String>) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(value.as_deref()?).ok()
}

/// A curve coordinate of exactly `len` bytes (RFC 7518 §6.2.1.2: the full size of the field).
fn coordinate(value: &Option<String>, len: usize) -> Option<&str> {
    member(value)
        .filter(|bytes| bytes.len() == len)
        .and(value.as_deref())
}

/// The smallest and largest RSA moduli taken, in bytes: 2048 bits (RFC 7518 §3.3) to 8192.
const RSA_MODULUS_BYTES: (usize, usize) = (256, 1024);

/// Why a JWK is not a key to verify ID tokens with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unusable {
    /// It is for something else: another `use`, `key_ops` without `verify`, another `alg`, a
    /// type or curve not accepted here.
    NotForSignatures,
    /// It is meant for signatures and broken: the reason.
    Malformed(&'static str),
}

impl VerificationKey {
    /// Decodes a JWK meant for verifying signatures: its `use` is `sig` or absent and its
    /// `key_ops` includes `verify` or is absent (RFC 7517 §4.2, §4.3).
    pub fn from_jwk(jwk: &Jwk) -> Result<Self, Unusable> {
        use Unusable::{Malformed, NotForSignatures};
        if jwk.key_use.as_deref().is_some_and(|u| u != "sig") {
            return Err(NotForSignatures);
        }
        if jwk
            .key_ops
            .as_ref()
            .is_some_and(|ops| !ops.iter().any(|op| op == "verify"))
        {
            return Err(NotForSignatures);
        }
        // A stated `alg` that is not one accepted here: this key is for something else.
        let alg = match &jwk.alg {
            Some(name) => Some(
                name.parse::<Algorithm>()
                    .ok()
                    .filter(|alg| ALLOWED_ALGORITHMS.contains(alg))
                    .ok_or(NotForSignatures)?,
            ),
            None => None,
        };
        let (key_type, key) = match (jwk.kty.as_str(), jwk.crv.as_deref()) {
            ("RSA", _) => {
                let (n, e) = (member(&jwk.n), member(&jwk.e));
                let (Some(n), Some(e)) = (n, e) else {
                    return Err(Malformed("its n or e is missing or not base64url"));
                };
                // RFC 7518 §6.3.1.1, §6.3.1.2: the minimal octets of the unsigned integers.
                if n.first() == Some(&0) || e.first() == Some(&0) {
                    return Err(Malformed("an RSA n or e with a leading zero octet"));
                }
                let (min, max) = RSA_MODULUS_BYTES;
                if !(min..=max).contains(&n.len()) || e.is_empty() {
                    return Err(Malformed("an RSA key of under 2048 or over 8192 bits"));
                }
                (KeyType::Rsa, DecodingKey::from_rsa_raw_components(&n, &e))
            }
            ("EC", Some(crv @ ("P-256" | "P-384"))) => {
                let (key_type, len) = match crv {
                    "P-256" => (KeyType::P256, 32),
                    _ => (KeyType::P384, 48),
                };
                let point = coordinate(&jwk.x, len).zip(coordinate(&jwk.y, len));
                let key = point.and_then(|(x, y)| DecodingKey::from_ec_components(x, y).ok());
                (
                    key_type,
                    key.ok_or(Malformed("an EC point not of its curve's size"))?,
                )
            }
            ("OKP", Some("Ed25519")) => {
                let key = coordinate(&jwk.x, 32)
                    .and_then(|x| DecodingKey::from_ed_components(x).ok())
                    .ok_or(Malformed("an Ed25519 key not of 32 octets"))?;
                (KeyType::Ed25519, key)
            }
            _ => return Err(NotForSignatures),
        };
        if alg.is_some_and(|alg| !key_type.fits(alg)) {
            return Err(NotForSignatures);
        }
        Ok(Self {
            kid: jwk.kid.clone(),
            alg,
            key_type,
            key,
        })
    }

    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// Whether `signature` (base64url) over `message` verifies with this key under `alg`,
    /// checked by jsonwebtoken. A key that does not fit `alg` never verifies.
    pub(crate) fn verify(&self, alg: Algorithm, message: &[u8], signature: &str) -> bool {
        self.fits(alg)
            && jsonwebtoken::crypto::verify(signature, message, &self.key, alg).unwrap_or(false)
    }

    /// Whether this key may verify a signature made with `alg`: the right type and curve, and
    /// the JWK's own `alg`, if it states one, is `alg`.
    fn fits(&self, alg: Algorithm) -> bool {
        self.alg.is_none_or(|own| own == alg) && self.key_type.fits(alg)
    }
}

/// A decoded key set.
#[derive(Default)]
pub struct KeySet {
    keys: Vec<Arc<VerificationKey>>,
    /// Signature keys that are broken: their `kid` and why, to say so rather than "unknown".
    malformed: Vec<(Option<String>, &'static str)>,
}

impl KeySet {
    /// Decodes `jwks`; keys that cannot verify signatures are left out rather than failing the
    /// whole set.
    pub fn new(jwks: &[Jwk]) -> Self {
        let mut set = Self::default();
        for jwk in jwks {
            match VerificationKey::from_jwk(jwk) {
                Ok(key) => set.keys.push(Arc::new(key)),
                Err(Unusable::Malformed(why)) => set.malformed.push((jwk.kid.clone(), why)),
                Err(Unusable::NotForSignatures) => {}
            }
        }
        set
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
        key.cloned().ok_or_else(|| {
            // The key it names (or, without a name, any signature key) is there but broken.
            let broken = self
                .malformed
                .iter()
                .find(|(named, _)| kid.is_none() || named.as_deref() == kid);
            broken.map_or(KeyError::Unknown, |(_, why)| KeyError::Malformed(why))
        })
    }
}

/// What a JWKS is called in a message, and the fields it must have.
const KEY_SET: &str = "a key set";
const KEY_SET_FIELDS: &[(&str, Kind)] = &[("keys", Kind::Array)];

/// A JWKS document as the fetch reads it, into the keys it holds. For the fuzz target.
#[cfg(feature = "test-util")]
pub fn parse_key_set(body: &[u8]) -> Result<KeySet, String> {
    let raw: RawKeySet = super::json::parse(body, KEY_SET, KEY_SET_FIELDS)?;
    Ok(KeySet::new(&raw.into_jwks()))
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

mod cache;

#[cfg(test)]
use cache::KeySource;
pub(crate) use cache::{JwksCache, RemoteKeys};

#[cfg(test)]
mod tests;

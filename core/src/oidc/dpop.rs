//! DPoP (RFC 9449): a P-256 key pair for each session, whose private key is sealed in the vault
//! with the tokens. The provider binds the session's tokens to the key's thumbprint (RFC 7638),
//! so a refresh or access token taken without the key is worth nothing. Each request to the
//! provider (and each API call) carries a fresh proof: a JWT signed with the key, naming the
//! request's method and URL.

use std::sync::Mutex;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::jwk::{Jwk, ThumbprintHash};
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use p256::pkcs8::EncodePrivateKey;
use serde::Serialize;
use sha2::{Digest, Sha256};
use url::Url;
use zeroize::ZeroizeOnDrop;

use crate::secret::Secret;

/// The only algorithm Gatehouse signs proofs with; the provider must list it in
/// `dpop_signing_alg_values_supported`.
pub const ALGORITHM: &str = "ES256";

/// A session's DPoP key pair. Its private parts are wiped from memory when it is dropped.
#[derive(ZeroizeOnDrop)]
pub struct DpopKey {
    /// The private key as PKCS #8 DER, base64url: what the vault seals.
    sealed: Secret,
    signing: EncodingKey,
    /// The public key, as every proof's header carries it.
    #[zeroize(skip)]
    jwk: Jwk,
    /// Its JWK SHA-256 thumbprint (RFC 7638): the `dpop_jkt` of the authorization request,
    /// the `cnf.jkt` of the tokens bound to it.
    #[zeroize(skip)]
    thumbprint: String,
}

/// Why a sealed key cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the session's DPoP key is not a P-256 private key")]
pub struct BadKey;

impl DpopKey {
    /// A new key pair from the operating system's random source.
    pub fn generate() -> Self {
        loop {
            let mut scalar = zeroize::Zeroizing::new([0u8; 32]);
            getrandom::getrandom(scalar.as_mut()).expect("the operating system's RNG is available");
            // Zero or a value past the curve's order, once in 2^32 tries: draw again.
            let Ok(secret) = p256::SecretKey::from_slice(scalar.as_ref()) else {
                continue;
            };
            let der = secret.to_pkcs8_der().expect("a P-256 key encodes");
            return Self::from_pkcs8(der.as_bytes()).expect("a fresh key is valid");
        }
    }

    /// The key the vault sealed with [`DpopKey::sealed`].
    pub fn from_sealed(sealed: &Secret) -> Result<Self, BadKey> {
        let der = zeroize::Zeroizing::new(
            URL_SAFE_NO_PAD
                .decode(sealed.secret())
                .map_err(|_| BadKey)?,
        );
        Self::from_pkcs8(&der)
    }

    fn from_pkcs8(der: &[u8]) -> Result<Self, BadKey> {
        use p256::pkcs8::DecodePrivateKey;
        p256::SecretKey::from_pkcs8_der(der).map_err(|_| BadKey)?;
        let signing = EncodingKey::from_ec_der(der);
        let jwk = Jwk::from_encoding_key(&signing, Algorithm::ES256).map_err(|_| BadKey)?;
        let thumbprint = jwk.thumbprint(ThumbprintHash::SHA256);
        Ok(Self {
            sealed: Secret::new(URL_SAFE_NO_PAD.encode(der)),
            signing,
            jwk,
            thumbprint,
        })
    }

    /// The private key, to be sealed with the session.
    pub fn sealed(&self) -> &Secret {
        &self.sealed
    }

    /// The JWK SHA-256 thumbprint of the public key (RFC 7638).
    pub fn thumbprint(&self) -> &str {
        &self.thumbprint
    }

    /// A proof for one request (RFC 9449 §4.2): `htm` and `htu` (the URL without its query and
    /// fragment), `iat`, a fresh `jti`, the server's `nonce` when it gave one, and with an
    /// access token its hash (`ath`).
    pub fn proof(
        &self,
        method: &str,
        url: &Url,
        now: i64,
        nonce: Option<&str>,
        access_token: Option<&Secret>,
    ) -> String {
        #[derive(Serialize)]
        struct Claims<'a> {
            jti: String,
            htm: &'a str,
            htu: String,
            iat: i64,
            #[serde(skip_serializing_if = "Option::is_none")]
            nonce: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            ath: Option<String>,
        }
        let mut htu = url.clone();
        htu.set_query(None);
        htu.set_fragment(None);
        let mut jti = [0u8; 16];
        getrandom::getrandom(&mut jti).expect("the operating system's RNG is available");
        let claims = Claims {
            jti: URL_SAFE_NO_PAD.encode(jti),
            htm: method,
            htu: htu.to_string(),
            iat: now,
            nonce,
            ath: access_token.map(|t| URL_SAFE_NO_PAD.encode(Sha256::digest(t.secret()))),
        };
        let mut header = Header::new(Algorithm::ES256);
        header.typ = Some("dpop+jwt".into());
        header.jwk = Some(self.jwk.clone());
        encode(&header, &claims, &self.signing).expect("a P-256 key signs")
    }
}

/// What a request's proofs need (RFC 9449 §4): the session's key, the last nonce of the
/// server the request goes to, and the time for `iat`. The same for the provider's endpoints
/// and for the APIs.
pub(crate) struct Prover<'a> {
    pub key: &'a DpopKey,
    pub nonce: &'a Nonce,
    pub now: i64,
}

impl Prover<'_> {
    /// A proof of `method` on `url` with the server's last nonce, and with `access_token` its
    /// hash (RFC 9449 §4.2, §7.1).
    pub(crate) fn proof(&self, method: &str, url: &Url, access_token: Option<&Secret>) -> String {
        let nonce = self.nonce.get();
        self.key
            .proof(method, url, self.now, nonce.as_deref(), access_token)
    }
}

/// The `DPoP-Nonce` a server's answer carries (RFC 9449 §8, §9).
pub(crate) fn nonce_in(headers: &reqwest::header::HeaderMap) -> Option<String> {
    headers
        .get("dpop-nonce")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The last `DPoP-Nonce` a server gave (RFC 9449 §8, §9): sent with the next proof.
#[derive(Default)]
pub struct Nonce(Mutex<Option<String>>);

impl Nonce {
    pub fn get(&self) -> Option<String> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn set(&self, nonce: &str) {
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(nonce.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonwebtoken::{decode, decode_header, DecodingKey, Validation};
    use serde_json::Value;

    #[test]
    fn a_proof_names_the_request_and_verifies_with_the_key_in_its_header_rfc9449_4_2() {
        let key = DpopKey::generate();
        let url = Url::parse("https://api.example/v1/orders?page=2#top").unwrap();
        let token = Secret::new("an-access-token".into());
        let proof = key.proof("GET", &url, 1_800_000_000, Some("n-1"), Some(&token));
        let header = decode_header(&proof).unwrap();
        assert_eq!(header.typ.as_deref(), Some("dpop+jwt"));
        assert_eq!(header.alg, Algorithm::ES256);
        let jwk = header.jwk.expect("the public key");
        assert_eq!(jwk.thumbprint(ThumbprintHash::SHA256), key.thumbprint());
        let mut validation = Validation::new(Algorithm::ES256);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        let claims = decode::<Value>(&proof, &DecodingKey::from_jwk(&jwk).unwrap(), &validation)
            .unwrap()
            .claims;
        assert_eq!(claims["htm"], "GET");
        assert_eq!(claims["htu"], "https://api.example/v1/orders");
        assert_eq!(claims["iat"], 1_800_000_000);
        assert_eq!(claims["nonce"], "n-1");
        // ath: base64url(SHA-256(the access token)).
        assert_eq!(
            claims["ath"],
            URL_SAFE_NO_PAD.encode(Sha256::digest("an-access-token"))
        );
        let again = key.proof("GET", &url, 1_800_000_000, None, None);
        let jti = |p: &str| {
            decode::<Value>(p, &DecodingKey::from_jwk(&jwk).unwrap(), &validation)
                .unwrap()
                .claims["jti"]
                .clone()
        };
        assert_ne!(jti(&proof), jti(&again), "a fresh jti each time");
        assert!(!again.contains("nonce") && !again.contains("ath"));
    }

    #[test]
    fn the_sealed_key_comes_back_the_same_and_a_damaged_one_is_refused() {
        let key = DpopKey::generate();
        let again = DpopKey::from_sealed(key.sealed()).unwrap();
        assert_eq!(again.thumbprint(), key.thumbprint());
        assert_ne!(DpopKey::generate().thumbprint(), key.thumbprint());
        for damaged in ["", "not base64!", "AAAA"] {
            assert_eq!(
                DpopKey::from_sealed(&Secret::new(damaged.into())).err(),
                Some(BadKey)
            );
        }
    }
}

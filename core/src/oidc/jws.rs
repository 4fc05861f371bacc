//! JWS signatures (RFC 7515) with the algorithms an ID token may use (RFC 7518 §3), verified
//! by `ring`, the crypto library the TLS stack already brings.

use std::fmt;
use std::str::FromStr;

use ring::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey};

/// The signing algorithms Gatehouse accepts: asymmetric only. `none` and HMAC, whose key would
/// be something public (the client id, a public key), have no variant (OIDC Core 10.1,
/// RFC 8725 §3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Algorithm {
    RS256,
    RS384,
    RS512,
    PS256,
    PS384,
    PS512,
    ES256,
    ES384,
    EdDSA,
}

impl Algorithm {
    pub const ALL: [Algorithm; 9] = {
        use Algorithm::*;
        [
            RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, EdDSA,
        ]
    };

    /// The name in a JWS header's `alg` and a JWK's `alg` (RFC 7518 §3.1).
    pub fn name(self) -> &'static str {
        match self {
            Self::RS256 => "RS256",
            Self::RS384 => "RS384",
            Self::RS512 => "RS512",
            Self::PS256 => "PS256",
            Self::PS384 => "PS384",
            Self::PS512 => "PS512",
            Self::ES256 => "ES256",
            Self::ES384 => "ES384",
            Self::EdDSA => "EdDSA",
        }
    }
}

impl FromStr for Algorithm {
    type Err = ();

    fn from_str(name: &str) -> Result<Self, ()> {
        Self::ALL
            .into_iter()
            .find(|alg| alg.name() == name)
            .ok_or(())
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A public key, as the bytes `ring` verifies with.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum PublicKey {
    /// Modulus and exponent, big-endian. RFC 7518 §3.3: 2048 bits or more (`ring` refuses
    /// smaller moduli).
    Rsa {
        n: Vec<u8>,
        e: Vec<u8>,
    },
    /// An uncompressed point `04 || x || y` (SEC 1 §2.3.3).
    P256(Vec<u8>),
    P384(Vec<u8>),
    Ed25519(Vec<u8>),
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self {
            Self::Rsa { n, .. } => return write!(f, "Rsa({} bits)", n.len() * 8),
            Self::P256(_) => "P256",
            Self::P384(_) => "P384",
            Self::Ed25519(_) => "Ed25519",
        };
        f.write_str(kind)
    }
}

impl PublicKey {
    /// Whether this key can verify a signature made with `alg`: the right type and curve.
    pub(crate) fn fits(&self, alg: Algorithm) -> bool {
        use Algorithm::*;
        match self {
            Self::Rsa { .. } => matches!(alg, RS256 | RS384 | RS512 | PS256 | PS384 | PS512),
            Self::P256(_) => alg == ES256,
            Self::P384(_) => alg == ES384,
            Self::Ed25519(_) => alg == EdDSA,
        }
    }

    /// Whether `signature` over `message` verifies with this key under `alg`. A key that does
    /// not fit `alg`, or is too weak, never verifies.
    pub(crate) fn verify(&self, alg: Algorithm, message: &[u8], signature: &[u8]) -> bool {
        use Algorithm::*;
        if !self.fits(alg) {
            return false;
        }
        match self {
            Self::Rsa { n, e } => {
                let params: &signature::RsaParameters = match alg {
                    RS256 => &signature::RSA_PKCS1_2048_8192_SHA256,
                    RS384 => &signature::RSA_PKCS1_2048_8192_SHA384,
                    RS512 => &signature::RSA_PKCS1_2048_8192_SHA512,
                    PS256 => &signature::RSA_PSS_2048_8192_SHA256,
                    PS384 => &signature::RSA_PSS_2048_8192_SHA384,
                    _ => &signature::RSA_PSS_2048_8192_SHA512,
                };
                RsaPublicKeyComponents { n, e }
                    .verify(params, message, signature)
                    .is_ok()
            }
            Self::P256(point) => UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point)
                .verify(message, signature)
                .is_ok(),
            Self::P384(point) => UnparsedPublicKey::new(&signature::ECDSA_P384_SHA384_FIXED, point)
                .verify(message, signature)
                .is_ok(),
            Self::Ed25519(key) => UnparsedPublicKey::new(&signature::ED25519, key)
                .verify(message, signature)
                .is_ok(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_asymmetric_algorithms_have_a_name_here() {
        for alg in Algorithm::ALL {
            assert_eq!(alg.name().parse::<Algorithm>(), Ok(alg));
        }
        for refused in ["none", "HS256", "HS384", "HS512", "rs256", "ES512", ""] {
            assert!(refused.parse::<Algorithm>().is_err(), "{refused}");
        }
    }

    #[test]
    fn a_key_verifies_only_for_the_algorithms_of_its_type() {
        let rsa = PublicKey::Rsa {
            n: vec![0xff; 256],
            e: vec![1, 0, 1],
        };
        assert!(rsa.fits(Algorithm::PS512));
        assert!(!rsa.fits(Algorithm::ES256));
        assert!(!PublicKey::P256(vec![4; 65]).fits(Algorithm::ES384));
        assert!(!PublicKey::Ed25519(vec![0; 32]).fits(Algorithm::RS256));
        // A key of the wrong type never verifies, whatever the bytes.
        assert!(!PublicKey::P256(vec![4; 65]).verify(Algorithm::RS256, b"m", b"s"));
    }
}

//! Proof Key for Code Exchange (RFC 7636) with the S256 method.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};

use super::types::random_value;
use crate::secret::Secret;

/// A code verifier: secret until the token request proves possession of it (RFC 7636 §4.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PkceVerifier(Secret);

impl PkceVerifier {
    /// RFC 7636 §4.1 and §7.1: 256 bits from the system RNG, 43 characters.
    pub fn new_random() -> Self {
        Self(Secret::new(random_value()))
    }

    pub fn new(value: String) -> Self {
        Self(Secret::new(value))
    }

    pub fn secret(&self) -> &str {
        self.0.secret()
    }

    /// RFC 7636 §4.2: `code_challenge = BASE64URL-ENCODE(SHA256(ASCII(code_verifier)))`.
    pub fn challenge(&self) -> PkceChallenge {
        PkceChallenge(URL_SAFE_NO_PAD.encode(Sha256::digest(self.secret().as_bytes())))
    }
}

/// The S256 challenge sent in the authorization request (RFC 7636 §4.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PkceChallenge(String);

impl PkceChallenge {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The only method Gatehouse sends (RFC 9700 §2.1.1: `plain` is not to be used).
    pub fn method(&self) -> &'static str {
        "S256"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_code_verifier_challenge_rfc7636_appendix_b() {
        // The 32 octets of the appendix, base64url-encoded, are the verifier.
        let octets = [
            116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212,
            37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
        ];
        let verifier = URL_SAFE_NO_PAD.encode(octets);
        assert_eq!(verifier, "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        let pkce = PkceVerifier::new(verifier);
        assert_eq!(
            pkce.challenge().as_str(),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn verifiers_are_fresh_43_character_values() {
        let a = PkceVerifier::new_random();
        assert_eq!(a.secret().len(), 43);
        assert_ne!(a, PkceVerifier::new_random());
        assert_eq!(format!("{a:?}"), "PkceVerifier(Secret([redacted]))");
    }
}

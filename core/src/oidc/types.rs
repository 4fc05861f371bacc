//! Protocol values that are easy to swap by mistake, each a type of its own: the issuer, the
//! client id, and the per-attempt `state` and `nonce`.

use std::fmt;
use std::ops::Deref;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

/// 32 bytes from the operating system's RNG, base64url without padding: 43 characters,
/// 256 bits of entropy.
///
/// RFC 7636 §4.1 asks for a high-entropy verifier of 43 to 128 characters; the same strength
/// serves `state` (RFC 6749 §10.10) and `nonce` (OIDC Core 15.5.2).
pub(crate) fn random_value() -> String {
    let mut bytes = zeroize::Zeroizing::new([0u8; 32]);
    getrandom::getrandom(bytes.as_mut()).expect("the operating system's RNG is available");
    URL_SAFE_NO_PAD.encode(bytes.as_ref())
}

macro_rules! string_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
    };
}

string_type!(
    /// The provider's Issuer Identifier, exactly as it spells it (OIDC Discovery §4.3: compared
    /// byte for byte; Auth0's ends with `/`, others' do not).
    IssuerUrl
);

string_type!(
    /// The public client id; a native app has no client secret (RFC 8252 §8.4).
    ClientId
);

string_type!(
    /// The CSRF `state` of one sign-in (RFC 6749 §10.12, RFC 9700 §2.1): fresh per attempt.
    CsrfState
);

string_type!(
    /// The `nonce` of one sign-in (OIDC Core 3.1.2.1), echoed in the ID token.
    Nonce
);

impl CsrfState {
    pub fn new_random() -> Self {
        Self(random_value())
    }
}

impl Nonce {
    pub fn new_random() -> Self {
        Self(random_value())
    }
}

impl fmt::Display for IssuerUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for IssuerUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IssuerUrl({:?})", self.0)
    }
}

impl fmt::Debug for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ClientId({:?})", self.0)
    }
}

/// `state` and `nonce` bind one attempt; they are not secrets once sent, but neither is there
/// a reason to print them.
impl fmt::Debug for CsrfState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CsrfState([redacted])")
    }
}

impl fmt::Debug for Nonce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Nonce([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_values_are_43_url_safe_characters_and_differ() {
        let a = random_value();
        let b = random_value();
        assert_eq!(a.len(), 43);
        assert!(a
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
        assert_ne!(a, b);
        assert_ne!(CsrfState::new_random(), CsrfState::new_random());
        assert_ne!(Nonce::new_random(), Nonce::new_random());
    }

    #[test]
    fn issuer_compares_exactly_and_state_does_not_print() {
        let issuer = IssuerUrl::new("https://t.auth0.com/");
        assert_eq!(issuer, "https://t.auth0.com/");
        assert_ne!(issuer, IssuerUrl::new("https://t.auth0.com"));
        assert_eq!(
            format!("{:?}", CsrfState::new("s1")),
            "CsrfState([redacted])"
        );
    }
}

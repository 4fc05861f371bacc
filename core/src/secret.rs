//! Secrets as newtypes: redacted `Debug`, explicit access, wiped on drop.

use std::fmt;

use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// A token or other secret string. `Debug` never prints it; `.secret()` is the only way in.
///
/// ```
/// use gatehouse_core::secret::Secret;
/// let token = Secret::new("eyJhbGciOi...".to_owned());
/// assert_eq!(format!("{token:?}"), "Secret([redacted])");
/// assert_eq!(token.secret(), "eyJhbGciOi...");
/// ```
#[derive(Clone, PartialEq, Eq, Zeroize, ZeroizeOnDrop, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Self(value)
    }

    /// The secret itself. Every call site is a place where a token leaves its box.
    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

//! The AEAD seal: XChaCha20-Poly1305, a fresh random 192-bit nonce per seal.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// The version of the sealed format; it is part of the associated data. Version 2 binds the
/// record's generation.
pub(crate) const FORMAT_VERSION: u32 = 2;

/// A 256-bit data key, wiped on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct DataKey([u8; 32]);

impl DataKey {
    /// 256 bits from the operating system's RNG.
    pub fn generate() -> Self {
        let mut key = Self([0u8; 32]);
        getrandom::getrandom(&mut key.0).expect("the operating system's RNG is available");
        key
    }

    /// The key as the keyring keeps it: base64 text.
    pub fn to_base64(&self) -> Zeroizing<String> {
        Zeroizing::new(STANDARD.encode(self.0))
    }

    pub fn from_base64(text: &str) -> Option<Self> {
        let bytes = Zeroizing::new(STANDARD.decode(text.trim()).ok()?);
        let array: [u8; 32] = bytes.as_slice().try_into().ok()?;
        Some(Self(array))
    }
}

/// What the keyring keeps: the data key, and the generation of the newest record sealed with
/// it. The generation is bound into each record's associated data, so an older copy of the
/// file put back does not open (a rollback could revive a rotated-away refresh token).
#[derive(Clone, Debug)]
pub struct KeyEntry {
    pub key: DataKey,
    pub generation: u64,
}

impl KeyEntry {
    /// A new key, before any record.
    pub fn generate() -> Self {
        Self {
            key: DataKey::generate(),
            generation: 0,
        }
    }

    /// The entry as the keyring keeps it: `v2:<base64 key>:<generation>`. 54 bytes or so:
    /// small enough for every platform store (Windows' Credential Manager takes 2560).
    pub fn to_text(&self) -> Zeroizing<String> {
        Zeroizing::new(format!(
            "v2:{}:{}",
            self.key.to_base64().as_str(),
            self.generation
        ))
    }

    /// `None` for anything but the current format (an entry from an older version included).
    pub fn from_text(text: &str) -> Option<Self> {
        let mut parts = text.trim().split(':');
        let (Some("v2"), Some(key), Some(generation), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        Some(Self {
            key: DataKey::from_base64(key)?,
            generation: generation.parse().ok()?,
        })
    }
}

/// Whether two keys are the same key (to tell whether the keyring still holds this vault's).
impl PartialEq for DataKey {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl Eq for DataKey {}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey([redacted])")
    }
}

/// A sealed record as stored: format, nonce and ciphertext (with its tag), in base64.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    pub format: u32,
    pub nonce: String,
    pub ciphertext: String,
}

/// Why a sealed record did not open.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("the record has format {0}, which this version cannot read")]
    UnknownFormat(u32),
    #[error("the record is not valid base64 or has a nonce of the wrong size")]
    Malformed,
    #[error("the record was altered, or sealed for another key, provider or client")]
    Rejected,
}

impl Sealed {
    pub fn seal(key: &DataKey, plaintext: &[u8], aad: &[u8]) -> Self {
        let cipher = XChaCha20Poly1305::new((&key.0).into());
        // 192 random bits: XChaCha20's nonce is large enough to be drawn at random per seal.
        let mut nonce = [0u8; 24];
        getrandom::getrandom(&mut nonce).expect("the operating system's RNG is available");
        let ciphertext = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .expect("XChaCha20-Poly1305 seals any message of this size");
        Self {
            format: FORMAT_VERSION,
            nonce: STANDARD.encode(nonce),
            ciphertext: STANDARD.encode(ciphertext),
        }
    }

    pub fn open(&self, key: &DataKey, aad: &[u8]) -> Result<Zeroizing<Vec<u8>>, SealError> {
        if self.format != FORMAT_VERSION {
            return Err(SealError::UnknownFormat(self.format));
        }
        let nonce = STANDARD
            .decode(&self.nonce)
            .map_err(|_| SealError::Malformed)?;
        if nonce.len() != 24 {
            return Err(SealError::Malformed);
        }
        let ciphertext = STANDARD
            .decode(&self.ciphertext)
            .map_err(|_| SealError::Malformed)?;
        let cipher = XChaCha20Poly1305::new((&key.0).into());
        cipher
            .decrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: &ciphertext,
                    aad,
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| SealError::Rejected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_then_open_round_trips() {
        let key = DataKey::generate();
        let sealed = Sealed::seal(&key, b"secret record", b"aad");
        assert_eq!(
            sealed.open(&key, b"aad").unwrap().as_slice(),
            b"secret record"
        );
    }

    #[test]
    fn every_flipped_byte_of_the_ciphertext_is_rejected() {
        let key = DataKey::generate();
        let sealed = Sealed::seal(&key, b"secret record", b"aad");
        let raw = STANDARD.decode(&sealed.ciphertext).unwrap();
        for i in 0..raw.len() {
            let mut bad = raw.clone();
            bad[i] ^= 0x80;
            let tampered = Sealed {
                ciphertext: STANDARD.encode(&bad),
                ..sealed.clone()
            };
            assert_eq!(
                tampered.open(&key, b"aad").unwrap_err(),
                SealError::Rejected,
                "byte {i}"
            );
        }
    }

    #[test]
    fn other_key_nonce_aad_or_format_do_not_open() {
        let key = DataKey::generate();
        let sealed = Sealed::seal(&key, b"x", b"aad");
        assert_eq!(
            sealed.open(&DataKey::generate(), b"aad").unwrap_err(),
            SealError::Rejected
        );
        assert_eq!(
            sealed.open(&key, b"other").unwrap_err(),
            SealError::Rejected
        );
        let other_nonce = Sealed {
            nonce: Sealed::seal(&key, b"x", b"aad").nonce,
            ..sealed.clone()
        };
        assert_eq!(
            other_nonce.open(&key, b"aad").unwrap_err(),
            SealError::Rejected
        );
        let next = Sealed {
            format: FORMAT_VERSION + 1,
            ..sealed.clone()
        };
        assert_eq!(
            next.open(&key, b"aad").unwrap_err(),
            SealError::UnknownFormat(FORMAT_VERSION + 1)
        );
        let v1 = Sealed {
            format: 1,
            ..sealed.clone()
        };
        assert_eq!(
            v1.open(&key, b"aad").unwrap_err(),
            SealError::UnknownFormat(1)
        );
        let short = Sealed {
            nonce: STANDARD.encode([0u8; 12]),
            ..sealed
        };
        assert_eq!(short.open(&key, b"aad").unwrap_err(), SealError::Malformed);
    }

    #[test]
    fn nonces_are_fresh_per_seal() {
        let key = DataKey::generate();
        assert_ne!(
            Sealed::seal(&key, b"x", b"").nonce,
            Sealed::seal(&key, b"x", b"").nonce
        );
    }

    #[test]
    fn key_entry_survives_its_text_form_and_refuses_the_old_one() {
        let entry = KeyEntry {
            key: DataKey::generate(),
            generation: 41,
        };
        let back = KeyEntry::from_text(&entry.to_text()).unwrap();
        assert_eq!((back.key.0, back.generation), (entry.key.0, 41));
        // Version 1 kept the bare base64 key.
        assert!(KeyEntry::from_text(&entry.key.to_base64()).is_none());
        assert!(KeyEntry::from_text("v2:c2hvcnQ=:1").is_none());
        assert!(KeyEntry::from_text(&format!("v2:{}:x", entry.key.to_base64().as_str())).is_none());
        assert!(!format!("{entry:?}").contains(entry.key.to_base64().as_str()));
    }

    #[test]
    fn data_key_survives_base64_and_rejects_wrong_lengths() {
        let key = DataKey::generate();
        let back = DataKey::from_base64(&key.to_base64()).unwrap();
        assert_eq!(back.0, key.0);
        assert!(DataKey::from_base64("c2hvcnQ=").is_none());
        assert!(DataKey::from_base64("not base64!").is_none());
        assert_eq!(format!("{key:?}"), "DataKey([redacted])");
    }
}

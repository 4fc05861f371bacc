//! The session vault: the session record sealed with XChaCha20-Poly1305 under a random 256-bit
//! key that lives in the OS keyring; the sealed record in a file.
//!
//! Opening never fails loudly: a tampered, truncated or foreign record is "no session" with a
//! warning. An unavailable keyring is reported as such, and never deletes the record.

mod file;
mod keyring;
mod record;
mod seal;
mod store;

use std::sync::Arc;

use zeroize::Zeroizing;

pub use file::FileRecordStore;
#[cfg(any(test, feature = "test-util"))]
pub use keyring::MemoryKeyStore;
pub use keyring::{KeyStore, KeyStoreError, OsKeyring};
pub use record::{SessionRecord, TokenRecord};
use seal::FORMAT_VERSION;
pub use seal::{DataKey, KeyEntry, SealError, Sealed};
pub use store::RecordStore;

/// The result of opening the vault.
// Opened once per start and unpacked at once: boxing the record would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Opened {
    /// A record sealed for this issuer and client.
    Session(SessionRecord),
    /// Nothing stored, or nothing usable (the reason was logged).
    Empty,
    /// The keyring cannot be reached; the record (if any) was left alone.
    KeyringUnavailable(KeyStoreError),
}

/// Why a stored record did not open.
enum Unopened {
    /// There is none.
    Nothing,
    /// The keyring cannot be reached: the record is left alone.
    Keyring(KeyStoreError),
    /// There is one, and it will never open: why, for the log.
    Unusable(String),
}

/// Why sealing or destroying failed.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    #[error("the keyring is unavailable")]
    Keyring(#[source] KeyStoreError),
    #[error("the session file could not be written")]
    Io(#[source] std::io::Error),
}

/// The vault of one issuer and client.
#[derive(Clone)]
pub struct Vault {
    keys: Arc<dyn KeyStore>,
    store: Arc<dyn RecordStore>,
    issuer: String,
    client_id: String,
    /// What this vault last read from or wrote to the keyring, so that a record is written
    /// with no keyring call once the key is there (each is a D-Bus round trip, with a key
    /// exchange, on Linux).
    known: Arc<std::sync::Mutex<Known>>,
    /// The highest generation this vault has sealed a record for under the current key, even
    /// where the keyring's update then failed: the next record is sealed past it, so that no
    /// two records ever share a generation.
    sealed: Arc<std::sync::atomic::AtomicU64>,
}

/// A record written whose generation the keyring does not name yet: until it is settled an
/// older copy of the session file, put back, would still open.
#[must_use = "settle it, or an older copy of the session file still opens"]
pub struct Pending {
    vault: Vault,
    advance: Option<(KeyEntry, u64)>,
}

impl Pending {
    /// Moves the keyring to the written record's generation (one keyring call). Blocking.
    pub fn settle(self) {
        if let Some((entry, generation)) = &self.advance {
            self.vault.advance(entry, *generation);
        }
    }
}

/// The keyring entry as last seen.
#[derive(Clone)]
enum Known {
    Unknown,
    Absent,
    Present(KeyEntry),
}

impl Vault {
    pub fn new(
        keys: Arc<dyn KeyStore>,
        store: Arc<dyn RecordStore>,
        issuer: &str,
        client_id: &str,
    ) -> Self {
        Self {
            keys,
            store,
            issuer: issuer.to_owned(),
            client_id: client_id.to_owned(),
            known: Arc::new(std::sync::Mutex::new(Known::Unknown)),
            sealed: Arc::new(std::sync::atomic::AtomicU64::new(0)),
        }
    }

    fn known(&self) -> std::sync::MutexGuard<'_, Known> {
        self.known.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn remember(&self, known: Known) {
        *self.known() = known;
    }

    /// Associated data: the format version, issuer, client id and the record's generation. A
    /// record sealed for another provider or client, or an older one put back, does not open
    /// here.
    fn associated_data(&self, generation: u64) -> Vec<u8> {
        let mut aad = format!("gatehouse.session.v{FORMAT_VERSION}").into_bytes();
        for part in [&self.issuer, &self.client_id, &generation.to_string()] {
            aad.push(0);
            aad.extend_from_slice(part.as_bytes());
        }
        aad
    }

    /// `plaintext`, whatever it holds, sealed under `key` as this vault seals a record of
    /// `generation`. For the fuzz target, which reaches the record's own format through the
    /// seal.
    #[cfg(feature = "test-util")]
    pub fn seal_as_record(&self, key: &DataKey, plaintext: &[u8], generation: u64) -> Sealed {
        Sealed::seal(key, plaintext, &self.associated_data(generation))
    }

    /// Opens the stored record. Blocking (keyring and file I/O).
    ///
    /// The record must be of the generation the keyring names, or of the next one: a save
    /// whose keyring update was lost (a crash, a keyring that went away) is still the newest
    /// record, and the keyring is brought up to it.
    pub fn open(&self) -> Opened {
        match self.try_open() {
            Ok(record) => Opened::Session(record),
            Err(Unopened::Nothing) => Opened::Empty,
            Err(Unopened::Keyring(e)) => Opened::KeyringUnavailable(e),
            Err(Unopened::Unusable(why)) => {
                tracing::warn!("{why}; the record is set aside and the session starts signed out");
                if let Err(e) = self.store.set_aside() {
                    tracing::warn!(error = %e, "the unusable record could not be set aside");
                }
                Opened::Empty
            }
        }
    }

    fn try_open(&self) -> Result<SessionRecord, Unopened> {
        let sealed = match self.store.load() {
            Ok(Some(sealed)) => sealed,
            Ok(None) => return Err(Unopened::Nothing),
            Err(e) if e.kind() == std::io::ErrorKind::InvalidData => {
                return Err(Unopened::Unusable(format!(
                    "the session file is not a session record ({e})"
                )))
            }
            Err(e) => {
                // Not the file's fault (permissions, I/O): leave it where it is.
                tracing::warn!(error = %e, "the session file cannot be read; starting signed out");
                return Err(Unopened::Nothing);
            }
        };
        let entry = match self.keys.get() {
            Ok(Some(entry)) => {
                self.remember(Known::Present(entry.clone()));
                entry
            }
            Ok(None) => {
                self.remember(Known::Absent);
                return Err(Unopened::Unusable(
                    "a session record exists but its key is gone".into(),
                ));
            }
            Err(KeyStoreError::Unavailable(reason)) => {
                self.remember(Known::Unknown);
                return Err(Unopened::Keyring(KeyStoreError::Unavailable(reason)));
            }
            Err(e) => {
                return Err(Unopened::Unusable(format!(
                    "the session key is unreadable ({e})"
                )))
            }
        };
        let current = entry.generation;
        let next = current.saturating_add(1);
        let (plain, generation) = sealed
            .open(&entry.key, &self.associated_data(current))
            .map(|plain| (plain, current))
            .or_else(|_| {
                sealed
                    .open(&entry.key, &self.associated_data(next))
                    .map(|plain| (plain, next))
            })
            .map_err(|e| {
                Unopened::Unusable(format!(
                    "the session record does not open: altered, foreign or an older copy ({e})"
                ))
            })?;
        if generation == next {
            self.advance(&entry, next);
        }
        match serde_json::from_slice::<SessionRecord>(&plain) {
            Ok(record) if record.issuer == self.issuer && record.client_id == self.client_id => {
                Ok(record)
            }
            Ok(_) => Err(Unopened::Unusable(
                "the session record belongs to another provider".into(),
            )),
            Err(_) => Err(Unopened::Unusable(
                "the session record is not in a known format".into(),
            )),
        }
    }

    /// Makes sure the data key is in the keyring, so that the next save writes no new key
    /// before its record: run while the person is at the browser, so that the keyring's round
    /// trip is not between the provider's redirect and the signed-in page. A new key is at
    /// generation 0, older than any record. Blocking.
    pub fn prepare(&self) -> Result<(), VaultError> {
        if self.current_key()?.is_none() {
            self.create_key(0)?;
        }
        Ok(())
    }

    /// Seals `record` and stores it, creating the data key on first use, then settles the
    /// keyring's generation ([`Vault::write`], [`Pending::settle`]). Blocking.
    pub fn store(&self, record: &SessionRecord) -> Result<(), VaultError> {
        self.write(record).map(Pending::settle)
    }

    /// Seals `record` and writes it, creating the data key on first use. Blocking.
    ///
    /// The key is in the keyring before the record that needs it is written, so a crash in
    /// between leaves at worst an unused key, never an unreadable record. The record is sealed
    /// for the key's next generation; the keyring moves to that generation when the returned
    /// [`Pending`] is settled, which makes every older copy of the file unopenable. The new
    /// record opens before and after.
    pub fn write(&self, record: &SessionRecord) -> Result<Pending, VaultError> {
        use std::sync::atomic::Ordering;
        let plain = Zeroizing::new(serde_json::to_vec(record).expect("a record serialises"));
        match self.current_key()? {
            Some(entry) => {
                // Past the keyring's generation, and past any this vault sealed already whose
                // keyring update failed: never two records for one generation.
                let next = entry
                    .generation
                    .max(self.sealed.load(Ordering::SeqCst))
                    .saturating_add(1);
                let sealed = Sealed::seal(&entry.key, &plain, &self.associated_data(next));
                self.store.save(&sealed).map_err(VaultError::Io)?;
                self.sealed.fetch_max(next, Ordering::SeqCst);
                Ok(Pending {
                    vault: self.clone(),
                    advance: Some((entry, next)),
                })
            }
            None => {
                // A new key goes into the keyring already at the generation of the record it
                // is made for: one keyring call, and still before the record is written.
                let entry = self.create_key(1)?;
                let sealed = Sealed::seal(&entry.key, &plain, &self.associated_data(1));
                self.store.save(&sealed).map_err(VaultError::Io)?;
                Ok(Pending {
                    vault: self.clone(),
                    advance: None,
                })
            }
        }
    }

    /// The data key in the keyring, from what this vault last saw of it, or asked.
    fn current_key(&self) -> Result<Option<KeyEntry>, VaultError> {
        let known = self.known().clone();
        match known {
            Known::Present(entry) => Ok(Some(entry)),
            Known::Absent => Ok(None),
            Known::Unknown => match self.keys.get() {
                Ok(entry) => {
                    self.remember(entry.clone().map_or(Known::Absent, Known::Present));
                    Ok(entry)
                }
                // One this version cannot read (an older format): start afresh.
                Err(KeyStoreError::Corrupt) => Ok(None),
                Err(e) => Err(VaultError::Keyring(e)),
            },
        }
    }

    /// Puts a new data key into the keyring at `generation`.
    fn create_key(&self, generation: u64) -> Result<KeyEntry, VaultError> {
        let entry = KeyEntry {
            generation,
            ..KeyEntry::generate()
        };
        if let Err(e) = self.keys.set(&entry) {
            self.remember(Known::Unknown);
            return Err(VaultError::Keyring(e));
        }
        // A new key: the generations of the old one mean nothing to it.
        self.sealed
            .store(generation, std::sync::atomic::Ordering::SeqCst);
        self.remember(Known::Present(entry.clone()));
        Ok(entry)
    }

    /// Moves the keyring to `generation`, never backwards: the keyring is read first, and left
    /// alone when it already names this generation or a later one (another vault moved on),
    /// holds another key, or holds none (the session was destroyed meanwhile). A failure is
    /// logged: the record on disk is of the next generation, which still opens, and the next
    /// save seals past it.
    fn advance(&self, entry: &KeyEntry, generation: u64) {
        match self.keys.get() {
            Ok(Some(current)) if current.key != entry.key => {
                tracing::warn!("the session key changed meanwhile; its generation is left alone");
                self.remember(Known::Present(current));
                return;
            }
            Ok(Some(current)) if current.generation >= generation => {
                self.remember(Known::Present(current));
                return;
            }
            Ok(Some(_)) => {}
            Ok(None) => {
                self.remember(Known::Absent);
                return;
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not read the session's generation in the keyring");
                return;
            }
        }
        let advanced = KeyEntry {
            key: entry.key.clone(),
            generation,
        };
        match self.keys.set(&advanced) {
            Ok(()) => self.remember(Known::Present(advanced)),
            Err(e) => {
                self.remember(Known::Present(entry.clone()));
                tracing::warn!(error = %e, "could not record the session's generation in the keyring");
            }
        }
    }

    /// Whether a sealed record is stored, without opening it (no keyring call); `None` when the
    /// file cannot be read or understood. Blocking (reads the file).
    pub fn has_record(&self) -> Option<bool> {
        self.store.load().ok().map(|sealed| sealed.is_some())
    }

    /// Whether the person signed out last (so the next sign-in asks for credentials). An
    /// unreadable mark counts as not signed out: the sign-in is then silent, as it would be
    /// without the mark.
    pub fn signed_out(&self) -> bool {
        self.store.signed_out().unwrap_or_else(|e| {
            tracing::warn!(error = %e, "cannot read whether the person signed out");
            false
        })
    }

    pub fn set_signed_out(&self, signed_out: bool) {
        if let Err(e) = self.store.set_signed_out(signed_out) {
            tracing::warn!(error = %e, "cannot record whether the person signed out");
        }
    }

    /// Deletes the record, then its key. Both are attempted; the first failure is returned.
    pub fn destroy(&self) -> Result<(), VaultError> {
        let record = self.store.clear().map_err(VaultError::Io);
        let key = self.keys.delete().map_err(VaultError::Keyring);
        self.remember(if key.is_ok() {
            Known::Absent
        } else {
            Known::Unknown
        });
        record.and(key)
    }
}

#[cfg(test)]
mod tests;

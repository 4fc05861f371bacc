//! The data key's home: the OS keyring (Keychain, Credential Manager, Secret Service).

use super::KeyEntry;

/// Why the keyring did not answer as hoped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyStoreError {
    /// No keyring service, a locked keyring, no session bus: nothing can be stored securely.
    #[error("the system keyring is unavailable ({0})")]
    Unavailable(String),
    /// An entry exists but does not hold a key Gatehouse wrote.
    #[error("the keyring entry does not hold a valid key")]
    Corrupt,
}

/// Keeps one data key and its record generation.
pub trait KeyStore: Send + Sync {
    fn get(&self) -> Result<Option<KeyEntry>, KeyStoreError>;
    fn set(&self, entry: &KeyEntry) -> Result<(), KeyStoreError>;
    /// Deletes the key; deleting a missing key is not an error.
    fn delete(&self) -> Result<(), KeyStoreError>;
}

/// The OS keyring through the `keyring` crate, one entry per issuer and client.
#[derive(Debug, Clone)]
pub struct OsKeyring {
    service: String,
    user: String,
}

impl OsKeyring {
    /// `service` is the app's identifier; the entry's user names the provider and client, so
    /// that two configurations never share a key.
    pub fn new(service: &str, issuer: &str, client_id: &str) -> Self {
        Self {
            service: service.to_owned(),
            user: format!("session-key:{client_id}@{issuer}"),
        }
    }

    fn entry(&self) -> Result<keyring::Entry, KeyStoreError> {
        keyring::Entry::new(&self.service, &self.user).map_err(classify)
    }
}

fn classify(err: keyring::Error) -> KeyStoreError {
    match err {
        keyring::Error::PlatformFailure(e) | keyring::Error::NoStorageAccess(e) => {
            KeyStoreError::Unavailable(e.to_string())
        }
        keyring::Error::BadEncoding(_) => KeyStoreError::Corrupt,
        other => KeyStoreError::Unavailable(other.to_string()),
    }
}

impl KeyStore for OsKeyring {
    fn get(&self) -> Result<Option<KeyEntry>, KeyStoreError> {
        match self.entry()?.get_password() {
            Ok(text) => {
                let text = zeroize::Zeroizing::new(text);
                KeyEntry::from_text(&text)
                    .map(Some)
                    .ok_or(KeyStoreError::Corrupt)
            }
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(classify(e)),
        }
    }

    fn set(&self, entry: &KeyEntry) -> Result<(), KeyStoreError> {
        self.entry()?
            .set_password(&entry.to_text())
            .map_err(classify)
    }

    fn delete(&self) -> Result<(), KeyStoreError> {
        match self.entry()?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(classify(e)),
        }
    }
}

/// A key store in memory, for unit tests of the vault and for failure injection.
#[cfg(any(test, feature = "test-util"))]
#[derive(Debug, Default)]
pub struct MemoryKeyStore {
    key: std::sync::Mutex<Option<KeyEntry>>,
    unavailable: std::sync::Mutex<bool>,
    corrupt: std::sync::Mutex<bool>,
    /// The next `set` fails once.
    fail_next_set: std::sync::Mutex<bool>,
    calls: std::sync::atomic::AtomicUsize,
}

#[cfg(any(test, feature = "test-util"))]
fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(any(test, feature = "test-util"))]
impl MemoryKeyStore {
    /// Makes the next `get` find an entry this version cannot read (an older format).
    pub fn set_corrupt(&self) {
        *lock(&self.corrupt) = true;
    }

    /// Makes every call fail as an unreachable keyring would (or stop failing).
    pub fn set_unavailable(&self, unavailable: bool) {
        *lock(&self.unavailable) = unavailable;
    }

    /// Makes the next `set` fail, once, as a keyring that went away for a moment would.
    pub fn fail_next_set(&self) {
        *lock(&self.fail_next_set) = true;
    }

    /// How many calls were made (each a D-Bus round trip for the real keyring on Linux).
    pub fn calls(&self) -> usize {
        self.calls.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn check(&self) -> Result<(), KeyStoreError> {
        self.calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if *lock(&self.unavailable) {
            Err(KeyStoreError::Unavailable("simulated".into()))
        } else {
            Ok(())
        }
    }
}

#[cfg(any(test, feature = "test-util"))]
impl KeyStore for MemoryKeyStore {
    fn get(&self) -> Result<Option<KeyEntry>, KeyStoreError> {
        self.check()?;
        if *lock(&self.corrupt) {
            return Err(KeyStoreError::Corrupt);
        }
        Ok(lock(&self.key).clone())
    }

    fn set(&self, entry: &KeyEntry) -> Result<(), KeyStoreError> {
        self.check()?;
        if std::mem::take(&mut *lock(&self.fail_next_set)) {
            return Err(KeyStoreError::Unavailable("simulated, once".into()));
        }
        *lock(&self.corrupt) = false;
        *lock(&self.key) = Some(entry.clone());
        Ok(())
    }

    fn delete(&self) -> Result<(), KeyStoreError> {
        self.check()?;
        *lock(&self.key) = None;
        Ok(())
    }
}

use gatehouse_tests::TempDir;

use super::file::write_atomic;
use super::*;

fn record(issuer: &str) -> SessionRecord {
    SessionRecord {
        id_token: Secret::new("header.payload-with-Ada.signature".into()),
        refresh_token: Some(Secret::new("refresh-token-value".into())),
        expires_at: 1_800_000_000,
        issuer: issuer.into(),
        client_id: "client-1".into(),
    }
}

fn vault(dir: &TempDir, keys: Arc<MemoryKeyStore>, issuer: &str) -> (Vault, FileRecordStore) {
    let store = FileRecordStore::new(dir.path().join("session.json"));
    (
        Vault::new(keys, Arc::new(store.clone()), issuer, "client-1"),
        store,
    )
}

#[test]
fn store_then_open_round_trips_and_writes_no_plain_text() {
    let dir = TempDir::new("vault");
    let (vault, store) = vault(&dir, Arc::default(), "https://id.example/");
    assert!(matches!(vault.open(), Opened::Empty));
    vault.store(&record("https://id.example/")).unwrap();
    let on_disk = std::fs::read_to_string(store.path()).unwrap();
    for needle in [
        "payload-with-Ada",
        "refresh-token-value",
        "id.example",
        "client-1",
    ] {
        assert!(
            !on_disk.contains(needle),
            "{needle} is on disk in the clear"
        );
    }
    match vault.open() {
        Opened::Session(r) => assert_eq!(r, record("https://id.example/")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_flipped_byte_on_disk_opens_as_no_session() {
    let dir = TempDir::new("vault");
    let (vault, store) = vault(&dir, Arc::default(), "https://id.example/");
    vault.store(&record("https://id.example/")).unwrap();
    let mut sealed = store.load().unwrap().unwrap();
    let mut raw = STANDARD.decode(&sealed.ciphertext).unwrap();
    raw[0] ^= 1;
    sealed.ciphertext = STANDARD.encode(raw);
    store.save(&sealed).unwrap();
    assert!(matches!(vault.open(), Opened::Empty));
}

#[test]
fn truncated_or_garbage_file_opens_as_no_session() {
    let dir = TempDir::new("vault");
    let (vault, store) = vault(&dir, Arc::default(), "https://id.example/");
    vault.store(&record("https://id.example/")).unwrap();
    let bytes = std::fs::read(store.path()).unwrap();
    std::fs::write(store.path(), &bytes[..bytes.len() / 2]).unwrap();
    assert!(matches!(vault.open(), Opened::Empty));
    std::fs::write(store.path(), b"\xff\xfe garbage").unwrap();
    assert!(matches!(vault.open(), Opened::Empty));
}

#[test]
fn a_record_sealed_for_another_issuer_does_not_open() {
    let dir = TempDir::new("vault");
    let keys: Arc<MemoryKeyStore> = Arc::default();
    let (theirs, _) = vault(&dir, keys.clone(), "https://other.example/");
    theirs.store(&record("https://other.example/")).unwrap();
    let (ours, _) = vault(&dir, keys, "https://id.example/");
    assert!(matches!(ours.open(), Opened::Empty));
}

#[test]
fn a_failed_save_rolls_back_to_the_previous_session() {
    let dir = TempDir::new("vault");
    let (vault, store) = vault(&dir, Arc::default(), "https://id.example/");
    let first = record("https://id.example/");
    vault.store(&first).unwrap();
    // Make the next write fail half way: its temporary file cannot be created.
    let tmp = dir
        .path()
        .join(format!(".session.json.{}.tmp", std::process::id()));
    std::fs::create_dir(&tmp).unwrap();
    let mut second = first.clone();
    second.expires_at += 3600;
    assert!(matches!(vault.store(&second), Err(VaultError::Io(_))));
    match vault.open() {
        Opened::Session(r) => assert_eq!(r, first, "the previous session is intact"),
        other => panic!("{other:?}"),
    }
    assert!(store.path().exists());
}

#[test]
fn unavailable_keyring_is_reported_and_keeps_the_record() {
    let dir = TempDir::new("vault");
    let keys: Arc<MemoryKeyStore> = Arc::default();
    let (vault, store) = vault(&dir, keys.clone(), "https://id.example/");
    vault.store(&record("https://id.example/")).unwrap();
    keys.set_unavailable(true);
    assert!(matches!(vault.open(), Opened::KeyringUnavailable(_)));
    assert!(
        store.path().exists(),
        "the record must survive an unavailable keyring"
    );
    assert!(matches!(
        vault.store(&record("https://id.example/")),
        Err(VaultError::Keyring(_))
    ));
    keys.set_unavailable(false);
    assert!(matches!(vault.open(), Opened::Session(_)));
}

#[test]
fn destroy_removes_record_and_key() {
    let dir = TempDir::new("vault");
    let keys: Arc<MemoryKeyStore> = Arc::default();
    let (vault, store) = vault(&dir, keys.clone(), "https://id.example/");
    vault.store(&record("https://id.example/")).unwrap();
    vault.destroy().unwrap();
    assert!(!store.path().exists());
    assert!(keys.get().unwrap().is_none());
    vault.destroy().unwrap();
}

#[test]
fn write_atomic_replaces_and_leaves_no_temporary_files() {
    let dir = TempDir::new("vault");
    let path = dir.path().join("nested").join("file.json");
    write_atomic(&path, b"one").unwrap();
    write_atomic(&path, b"two").unwrap();
    assert_eq!(std::fs::read(&path).unwrap(), b"two");
    let names: Vec<_> = std::fs::read_dir(path.parent().unwrap()).unwrap().collect();
    assert_eq!(names.len(), 1);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use gatehouse_tests::TempDir;

use super::file::{create_exclusive, replace_file, write_atomic};
use super::*;
use crate::secret::Secret;

fn record(issuer: &str) -> SessionRecord {
    SessionRecord {
        id_token: Secret::new("header.payload-with-Ada.signature".into()),
        refresh_token: Some(Secret::new("refresh-token-value".into())),
        access_token: Some(TokenRecord {
            token: Secret::new("access-token-value".into()),
            dpop: false,
            expires_at: Some(1_800_000_300),
            issued_at: Some(1_800_000_000),
        }),
        expires_at: 1_800_000_000,
        renewed_at: None,
        auth_time: None,
        api_tokens: Default::default(),
        dpop_key: None,
        profile: None,
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
        "access-token-value",
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
fn a_record_sealed_before_access_tokens_were_kept_still_opens() {
    let dir = TempDir::new("vault");
    let (vault, _) = vault(&dir, Arc::default(), "https://id.example/");
    let older = SessionRecord {
        access_token: None,
        ..record("https://id.example/")
    };
    let json = serde_json::to_string(&older).unwrap();
    assert!(
        !json.contains("access_token"),
        "the layout of older records"
    );
    vault.store(&older).unwrap();
    match vault.open() {
        Opened::Session(r) => assert_eq!(r, older),
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

/// The record file, whose saves fail half way through writing (a full disk).
struct HalfWrites(FileRecordStore);

impl RecordStore for HalfWrites {
    fn load(&self) -> std::io::Result<Option<Sealed>> {
        self.0.load()
    }
    fn save(&self, _: &Sealed) -> std::io::Result<()> {
        replace_file(self.0.path(), |file| {
            use std::io::Write;
            file.write_all(b"{\"session\": {\"format\"")?;
            Err(std::io::Error::other("no space left on device"))
        })
    }
    fn clear(&self) -> std::io::Result<()> {
        self.0.clear()
    }
    fn set_aside(&self) -> std::io::Result<()> {
        self.0.set_aside()
    }
    fn signed_out(&self) -> std::io::Result<bool> {
        self.0.signed_out()
    }
    fn set_signed_out(&self, signed_out: bool) -> std::io::Result<()> {
        self.0.set_signed_out(signed_out)
    }
}

#[test]
fn a_failed_save_rolls_back_to_the_previous_session() {
    let dir = TempDir::new("vault");
    let keys: Arc<MemoryKeyStore> = Arc::default();
    let (vault, store) = vault(&dir, keys.clone(), "https://id.example/");
    let first = record("https://id.example/");
    vault.store(&first).unwrap();
    let failing = Vault::new(
        keys,
        Arc::new(HalfWrites(store.clone())),
        "https://id.example/",
        "client-1",
    );
    let mut second = first.clone();
    second.expires_at += 3600;
    assert!(matches!(failing.store(&second), Err(VaultError::Io(_))));
    match vault.open() {
        Opened::Session(r) => assert_eq!(r, first, "the previous session is intact"),
        other => panic!("{other:?}"),
    }
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 1, "no temporary file is left behind");
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

#[test]
fn an_older_copy_of_the_file_put_back_opens_as_no_session() {
    let dir = TempDir::new("vault");
    let (vault, store) = vault(&dir, Arc::default(), "https://id.example/");
    let a = record("https://id.example/");
    vault.store(&a).unwrap();
    let copy_of_a = std::fs::read(store.path()).unwrap();
    let mut b = a.clone();
    b.refresh_token = Some(Secret::new("rotated-refresh-token".into()));
    vault.store(&b).unwrap();
    std::fs::write(store.path(), &copy_of_a).unwrap();
    assert!(
        matches!(vault.open(), Opened::Empty),
        "a rolled-back record must not open"
    );
}

#[test]
fn a_save_whose_keyring_update_was_lost_still_opens_and_catches_up() {
    let dir = TempDir::new("vault");
    let keys: Arc<MemoryKeyStore> = Arc::default();
    let (vault, store) = vault(&dir, keys.clone(), "https://id.example/");
    let a = record("https://id.example/");
    vault.store(&a).unwrap();
    let before = keys.get().unwrap().unwrap();
    // B is written, then the keyring goes back to where it was, as if the process died
    // between writing the file and updating the keyring.
    let mut b = a.clone();
    b.expires_at += 60;
    vault.store(&b).unwrap();
    keys.set(&before).unwrap();
    match vault.open() {
        Opened::Session(r) => assert_eq!(r, b),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        keys.get().unwrap().unwrap().generation,
        before.generation + 1
    );
    // A is now two generations behind.
    let _ = store;
}

#[test]
fn a_key_in_an_older_format_is_replaced_on_the_next_save() {
    let dir = TempDir::new("vault");
    let keys: Arc<MemoryKeyStore> = Arc::default();
    let (vault, _store) = vault(&dir, keys.clone(), "https://id.example/");
    keys.set_corrupt();
    assert!(matches!(vault.open(), Opened::Empty));
    vault.store(&record("https://id.example/")).unwrap();
    assert!(matches!(vault.open(), Opened::Session(_)));
}

#[cfg(unix)]
#[test]
fn the_folder_is_0700_the_file_0600_whatever_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new("vault");
    let data = dir.path().join("data").join("dev.gatehouse.desktop");
    // A folder made earlier by something with a wide umask is tightened too.
    std::fs::create_dir_all(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
    let store = FileRecordStore::new(data.join("session.json"));
    let vault = Vault::new(
        Arc::new(MemoryKeyStore::default()),
        Arc::new(store.clone()),
        "https://id.example/",
        "client-1",
    );
    vault.store(&record("https://id.example/")).unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(store.path()), 0o600);

    let fresh = dir.path().join("fresh").join("nested");
    write_atomic(&fresh.join("f"), b"x").unwrap();
    assert_eq!(mode(&fresh), 0o700);
}

#[cfg(unix)]
#[test]
fn a_planted_file_or_symlink_is_never_opened_or_followed() {
    let dir = TempDir::new("vault");
    let target = dir.path().join("elsewhere");
    std::fs::write(&target, b"not yours").unwrap();
    let link = dir.path().join(".session.json.planted.tmp");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    assert!(
        create_exclusive(&link).is_err(),
        "a symlink is not followed"
    );
    let planted = dir.path().join("planted");
    std::fs::write(&planted, b"old").unwrap();
    assert!(
        create_exclusive(&planted).is_err(),
        "an existing file is not reused"
    );
    assert_eq!(std::fs::read(&target).unwrap(), b"not yours");

    // A symlink at the record's own name is replaced, not written through.
    let record_path = dir.path().join("session.json");
    std::os::unix::fs::symlink(&target, &record_path).unwrap();
    write_atomic(&record_path, b"{}").unwrap();
    assert_eq!(std::fs::read(&target).unwrap(), b"not yours");
    assert!(!std::fs::symlink_metadata(&record_path)
        .unwrap()
        .file_type()
        .is_symlink());
}

#[test]
fn temporary_names_are_random() {
    let dir = TempDir::new("vault");
    let path = dir.path().join("session.json");
    let mut names = Vec::new();
    for _ in 0..2 {
        replace_file(&path, |_| {
            names.push(
                std::fs::read_dir(dir.path())
                    .unwrap()
                    .map(|e| e.unwrap().file_name())
                    .find(|n| n.to_string_lossy().ends_with(".tmp"))
                    .unwrap(),
            );
            Ok(())
        })
        .unwrap();
    }
    assert_ne!(names[0], names[1]);
    assert!(!names[0]
        .to_string_lossy()
        .contains(&std::process::id().to_string()));
}

/// Runs `f` with every log line at any level captured; returns them with `f`'s result.
fn logged<T>(f: impl FnOnce() -> T) -> (T, String) {
    #[derive(Clone, Default)]
    struct Lines(Arc<std::sync::Mutex<Vec<u8>>>);
    impl std::io::Write for Lines {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let lines = Lines::default();
    let sink = lines.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .finish();
    let result = tracing::subscriber::with_default(subscriber, f);
    let text = String::from_utf8_lossy(&lines.0.lock().unwrap()).into_owned();
    (result, text)
}

fn aside(store: &FileRecordStore) -> std::path::PathBuf {
    let mut path = store.path().as_os_str().to_owned();
    path.push(".unreadable");
    path.into()
}

#[test]
fn every_flipped_byte_of_the_file_opens_as_no_session_and_is_set_aside() {
    let dir = TempDir::new("vault");
    let (vault, store) = vault(&dir, Arc::default(), "https://id.example/");
    vault.store(&record("https://id.example/")).unwrap();
    let good = std::fs::read(store.path()).unwrap();
    for i in 0..good.len() {
        for bit in [0x01, 0x80] {
            let mut bad = good.clone();
            bad[i] ^= bit;
            std::fs::write(store.path(), &bad).unwrap();
            assert!(
                matches!(vault.open(), Opened::Empty),
                "byte {i} bit {bit:#x} opened"
            );
            if store.path().exists() {
                // The flip renamed the `session` entry: the file holds no record, only an
                // entry Gatehouse does not know, and is left alone.
                assert!(store.load().unwrap().is_none(), "byte {i}");
            } else {
                assert_eq!(
                    std::fs::read(aside(&store)).unwrap(),
                    bad,
                    "byte {i}: kept as it was"
                );
            }
        }
    }
}

#[test]
fn truncated_empty_garbage_or_unknown_format_is_set_aside_with_a_warning() {
    let dir = TempDir::new("vault");
    let (vault, store) = vault(&dir, Arc::default(), "https://id.example/");
    vault.store(&record("https://id.example/")).unwrap();
    let good = std::fs::read(store.path()).unwrap();
    let sealed = store.load().unwrap().unwrap();
    let unknown_format = serde_json::to_vec(&serde_json::json!({
        "session": {"format": 99, "nonce": sealed.nonce, "ciphertext": sealed.ciphertext}
    }))
    .unwrap();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("truncated", good[..good.len() / 2].to_vec()),
        ("empty", Vec::new()),
        ("garbage", b"\xff\xfe\x00 garbage".to_vec()),
        ("not an object", b"[1, 2, 3]".to_vec()),
        ("unknown format version", unknown_format),
    ];
    for (name, bytes) in cases {
        std::fs::write(store.path(), &bytes).unwrap();
        let (opened, log) = logged(|| vault.open());
        assert!(matches!(opened, Opened::Empty), "{name}");
        assert!(log.contains("WARN"), "{name}: no warning in {log:?}");
        assert!(log.contains("set aside"), "{name}: {log}");
        assert_eq!(
            std::fs::read(aside(&store)).unwrap(),
            bytes,
            "{name}: kept, not deleted"
        );
        assert!(!store.path().exists(), "{name}");
    }
    // The next save starts afresh.
    vault.store(&record("https://id.example/")).unwrap();
    assert!(matches!(vault.open(), Opened::Session(_)));
}

#[test]
fn a_file_whose_keyring_entry_is_gone_opens_as_no_session() {
    let dir = TempDir::new("vault");
    let keys: Arc<MemoryKeyStore> = Arc::default();
    let (vault, store) = vault(&dir, keys.clone(), "https://id.example/");
    vault.store(&record("https://id.example/")).unwrap();
    keys.delete().unwrap();
    assert!(matches!(vault.open(), Opened::Empty));
    assert!(aside(&store).exists(), "set aside, not deleted");
}

#[test]
fn an_unreachable_keyring_leaves_the_file_exactly_as_it_was() {
    let dir = TempDir::new("vault");
    let keys: Arc<MemoryKeyStore> = Arc::default();
    let (vault, store) = vault(&dir, keys.clone(), "https://id.example/");
    vault.store(&record("https://id.example/")).unwrap();
    let before = std::fs::read(store.path()).unwrap();
    keys.set_unavailable(true);
    let (opened, log) = logged(|| vault.open());
    assert!(matches!(opened, Opened::KeyringUnavailable(_)));
    assert!(vault.store(&record("https://id.example/")).is_err());
    assert_eq!(std::fs::read(store.path()).unwrap(), before);
    assert!(!aside(&store).exists());
    assert!(!log.contains("set aside"), "{log}");
}

#[test]
fn two_writers_at_once_never_interleave() {
    let dir = TempDir::new("vault");
    let path = dir.path().join("session.json");
    let key = DataKey::generate();
    let writers: Vec<_> = [b'a', b'b']
        .into_iter()
        .map(|fill| {
            let (path, key) = (path.clone(), key.clone());
            std::thread::spawn(move || {
                let store = FileRecordStore::new(path);
                let plain = vec![fill; 4096];
                for _ in 0..100 {
                    store.save(&Sealed::seal(&key, &plain, b"aad")).unwrap();
                }
            })
        })
        .collect();
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let reader = {
        let (path, key, done) = (path.clone(), key.clone(), done.clone());
        std::thread::spawn(move || {
            let store = FileRecordStore::new(path);
            let mut reads = 0;
            while !done.load(std::sync::atomic::Ordering::SeqCst) {
                if let Some(sealed) = store.load().expect("always a whole file") {
                    let plain = sealed.open(&key, b"aad").expect("always one whole record");
                    assert!(plain.iter().all(|b| *b == plain[0]), "records interleaved");
                    reads += 1;
                }
            }
            reads
        })
    };
    for writer in writers {
        writer.join().unwrap();
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    assert!(reader.join().unwrap() > 0);
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(names.len(), 1, "no temporary file is left behind");
}

#[test]
fn a_record_is_written_without_a_keyring_call_once_the_key_is_there() {
    let dir = TempDir::new("vault");
    let keys: Arc<MemoryKeyStore> = Arc::default();
    let (vault, _store) = vault(&dir, keys.clone(), "https://id.example/");
    // At start the stored session is opened: nothing stored, so the keyring is not asked.
    assert!(matches!(vault.open(), Opened::Empty));
    vault.destroy().unwrap();
    let before = keys.calls();
    vault.store(&record("https://id.example/")).unwrap();
    assert_eq!(
        keys.calls() - before,
        1,
        "the new key, at the record's generation"
    );
    for _ in 0..3 {
        let before = keys.calls();
        let pending = vault.write(&record("https://id.example/")).unwrap();
        assert_eq!(
            keys.calls() - before,
            0,
            "the record is written with the known key"
        );
        pending.settle();
        assert_eq!(
            keys.calls() - before,
            2,
            "settling reads the generation, then moves it on"
        );
    }
    // And what was saved opens in a fresh vault (another start of the app).
    let (fresh, _store) = self::vault(&dir, keys.clone(), "https://id.example/");
    assert!(matches!(fresh.open(), Opened::Session(_)));
    assert_eq!(keys.get().unwrap().unwrap().generation, 4);
}

#[test]
fn a_prepared_vault_writes_the_record_without_a_keyring_call() {
    let dir = TempDir::new("vault");
    let keys: Arc<MemoryKeyStore> = Arc::default();
    let (vault, _store) = vault(&dir, keys.clone(), "https://id.example/");
    vault.destroy().unwrap();
    vault.prepare().unwrap();
    assert_eq!(keys.get().unwrap().unwrap().generation, 0);
    let before = keys.calls();
    let pending = vault.write(&record("https://id.example/")).unwrap();
    assert_eq!(keys.calls() - before, 0, "the key was already there");
    // Written and not yet settled: the record opens already (another start of the app).
    let (fresh, _store) = self::vault(&dir, keys.clone(), "https://id.example/");
    assert!(matches!(fresh.open(), Opened::Session(_)));
    pending.settle();
    assert_eq!(keys.get().unwrap().unwrap().generation, 1);
    let (fresh, _store) = self::vault(&dir, keys.clone(), "https://id.example/");
    assert!(matches!(fresh.open(), Opened::Session(_)));
}

#[test]
fn preparing_a_vault_that_has_its_key_changes_nothing() {
    let dir = TempDir::new("vault");
    let keys: Arc<MemoryKeyStore> = Arc::default();
    let (vault, _store) = vault(&dir, keys.clone(), "https://id.example/");
    vault.store(&record("https://id.example/")).unwrap();
    let entry = keys.get().unwrap().unwrap();
    let before = keys.calls();
    vault.prepare().unwrap();
    assert_eq!(keys.calls() - before, 0, "the vault knows its key");
    let after = keys.get().unwrap().unwrap();
    assert_eq!(after.to_text(), entry.to_text());
    assert!(matches!(vault.open(), Opened::Session(_)));
}

#[test]
fn an_older_copy_put_back_after_the_write_is_settled_does_not_open() {
    let dir = TempDir::new("vault");
    let (vault, store) = vault(&dir, Arc::default(), "https://id.example/");
    vault.prepare().unwrap();
    let a = record("https://id.example/");
    vault.write(&a).unwrap().settle();
    let copy_of_a = std::fs::read(store.path()).unwrap();
    let mut b = a.clone();
    b.expires_at += 60;
    vault.write(&b).unwrap().settle();
    std::fs::write(store.path(), &copy_of_a).unwrap();
    assert!(matches!(vault.open(), Opened::Empty));
}

#[test]
fn two_records_never_share_a_generation_when_a_keyring_update_failed() {
    let dir = TempDir::new("vault");
    let keys: Arc<MemoryKeyStore> = Arc::default();
    let (vault, store) = vault(&dir, keys.clone(), "https://id.example/");
    vault.store(&record("https://id.example/")).unwrap();
    // A is written, and the keyring's update fails: the keyring stays a generation behind it.
    let mut a = record("https://id.example/");
    a.refresh_token = Some(Secret::new("refresh-token-a".into()));
    keys.fail_next_set();
    vault.store(&a).unwrap();
    let copy_of_a = std::fs::read(store.path()).unwrap();
    // B, settled: sealed past A's generation, not for the same one.
    let mut b = a.clone();
    b.refresh_token = Some(Secret::new("refresh-token-b".into()));
    vault.store(&b).unwrap();
    match vault.open() {
        Opened::Session(r) => assert_eq!(r, b),
        other => panic!("{other:?}"),
    }
    std::fs::write(store.path(), &copy_of_a).unwrap();
    assert!(
        matches!(vault.open(), Opened::Empty),
        "A's rotated-away refresh token does not come back"
    );
}

#[test]
fn a_vault_holding_an_older_generation_cannot_move_the_keyring_back() {
    let dir = TempDir::new("vault");
    let keys: Arc<MemoryKeyStore> = Arc::default();
    let (first, _store) = vault(&dir, keys.clone(), "https://id.example/");
    first.store(&record("https://id.example/")).unwrap();
    let (second, _store) = vault(&dir, keys.clone(), "https://id.example/");
    assert!(matches!(second.open(), Opened::Session(_)));
    let seen_by_second = keys.get().unwrap().unwrap().generation;
    for _ in 0..2 {
        first.store(&record("https://id.example/")).unwrap();
    }
    let ahead = keys.get().unwrap().unwrap().generation;
    assert_eq!(ahead, seen_by_second + 2);
    second.store(&record("https://id.example/")).unwrap();
    assert_eq!(
        keys.get().unwrap().unwrap().generation,
        ahead,
        "the keyring never moves backwards"
    );
}

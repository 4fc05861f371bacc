//! Without a reachable keyring (no Secret Service on the session bus), sign-in still works but
//! the session lives in memory only, nothing is written, and a record already on disk is kept
//! and reported, never opened in plain text or deleted.
//!
//! A test binary of its own: libdbus reads the session bus address once per process.

mod common;

use std::sync::Arc;

use common::{auth, config, WITH_REFRESH};
use gatehouse_contract::{ErrorKind, StorageStatus};
use gatehouse_core::clock::SystemClock;
use gatehouse_core::vault::{DataKey, FileRecordStore, RecordStore, Sealed};
use gatehouse_tests::idp::{Idp, IdpOptions};
use gatehouse_tests::TempDir;

#[tokio::test(flavor = "multi_thread")]
async fn without_a_keyring_the_session_is_memory_only_and_the_disk_untouched() {
    std::env::set_var(
        "DBUS_SESSION_BUS_ADDRESS",
        "unix:path=/nonexistent/gatehouse-test-bus",
    );
    let idp = Idp::start(IdpOptions::default());
    let home = TempDir::new("no-keyring");
    let config = config(&idp, WITH_REFRESH, 60);
    let record_file = home.path().join("session.json");

    let (first, _events) = auth(&home, &config, Arc::new(SystemClock));
    first.open().await;
    let view = first
        .login()
        .await
        .expect("sign-in works without a keyring");
    assert_eq!(view.storage, StorageStatus::MemoryOnly);
    assert!(first.logged_in());
    assert!(
        !record_file.exists(),
        "nothing is written without a key to seal it"
    );
    drop(first);

    // A record sealed earlier, when the keyring was there: kept, and the failure reported.
    let sealed = Sealed::seal(&DataKey::generate(), b"{}", b"aad");
    FileRecordStore::new(&record_file).save(&sealed).unwrap();
    let before = std::fs::read(&record_file).unwrap();
    let (second, _events) = auth(&home, &config, Arc::new(SystemClock));
    second.open().await;
    assert!(!second.logged_in());
    let err = second
        .session()
        .reason()
        .cloned()
        .expect("why there is none");
    assert_eq!(err.kind, ErrorKind::Storage);
    assert!(err.message.contains("keyring"), "{err}");
    assert_eq!(
        std::fs::read(&record_file).unwrap(),
        before,
        "the record is left alone"
    );
}

//! A sign-in that ends after the code exchange, while its session is being saved (Cancel, its
//! timeout): it leaves no record, and the refresh token it brought is revoked (RFC 7009).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use gatehouse_core::clock::SystemClock;
use gatehouse_core::session::Auth;
use gatehouse_core::vault::{
    FileRecordStore, KeyStore, Opened, OsKeyring, RecordStore, Sealed, Vault,
};
use gatehouse_tests::TempDir;

use super::*;

/// The session file, whose saves take three seconds and say when they begin.
struct SlowStore {
    file: FileRecordStore,
    saving: Arc<AtomicBool>,
}

impl RecordStore for SlowStore {
    fn load(&self) -> std::io::Result<Option<Sealed>> {
        self.file.load()
    }
    fn save(&self, sealed: &Sealed) -> std::io::Result<()> {
        self.saving.store(true, Ordering::SeqCst);
        std::thread::sleep(Duration::from_secs(3));
        self.file.save(sealed)
    }
    fn clear(&self) -> std::io::Result<()> {
        self.file.clear()
    }
    fn set_aside(&self) -> std::io::Result<()> {
        self.file.set_aside()
    }
    fn signed_out(&self) -> std::io::Result<bool> {
        self.file.signed_out()
    }
    fn set_signed_out(&self, signed_out: bool) -> std::io::Result<()> {
        self.file.set_signed_out(signed_out)
    }
}

fn vault(config: &Config, store: Arc<dyn RecordStore>) -> Vault {
    let keys = OsKeyring::new("dev.gatehouse.test", &config.issuer, &config.client_id);
    Vault::new(Arc::new(keys), store, &config.issuer, &config.client_id)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sign_in_cancelled_or_timed_out_while_its_session_is_saved_leaves_no_record() {
    for timed_out in [false, true] {
        let hostile = Hostile::start(Script::default());
        let home = TempDir::new("hostile-ending");
        let config = config(&hostile, |s| {
            // Long enough for the provider and the browser, shorter than them and the save.
            s.login_timeout_secs = Some(if timed_out { 2 } else { 10 });
        });
        let saving = Arc::new(AtomicBool::new(false));
        let file = FileRecordStore::new(home.path().join("session.json"));
        let slow = Arc::new(SlowStore {
            file: file.clone(),
            saving: saving.clone(),
        });
        let auth = Auth::new(
            config.clone(),
            vault(&config, slow),
            Arc::new(SystemClock),
            Arc::new(|_| {}),
        );
        let login = tokio::spawn({
            let auth = auth.clone();
            async move { auth.login().await }
        });
        if !timed_out {
            while !saving.load(Ordering::SeqCst) {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            auth.cancel_login();
        }
        let ended = login.await.unwrap().unwrap_err();
        assert!(saving.load(Ordering::SeqCst), "it ended during the save");
        assert_eq!(
            ended.kind(),
            if timed_out {
                ErrorKind::Timeout
            } else {
                ErrorKind::Cancelled
            }
        );
        // What the completion left once it is done: the app's exit waits for the same.
        auth.shut_down().await;
        assert!(!auth.logged_in());
        let fresh = vault(&config, Arc::new(file.clone()));
        assert!(
            matches!(fresh.open(), Opened::Empty),
            "a new start finds no session (timed out: {timed_out})"
        );
        let keys = OsKeyring::new("dev.gatehouse.test", &config.issuer, &config.client_id);
        assert!(keys.get().unwrap().is_none(), "nor its key");
        assert_eq!(
            Seen::count(&hostile.seen.revocations),
            1,
            "the provider heard the refresh token revoked"
        );
    }
}

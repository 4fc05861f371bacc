use std::sync::Arc;

use super::*;
use crate::access_token::Sendable;
use crate::clock::ManualClock;
use crate::secret::Secret;
use crate::vault::{FileRecordStore, MemoryKeyStore};

const NOW: i64 = 1_800_000_000;

/// A keeper on a keyring in memory and a file of its own, telling nothing.
fn keeper(name: &str) -> (Keeper, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("gatehouse-keeper-{name}-{}", std::process::id()));
    let vault = Vault::new(
        Arc::new(MemoryKeyStore::default()),
        Arc::new(FileRecordStore::new(dir.join("session.json"))),
        "https://id.example/",
        "client-1",
    );
    let config = Config::from_settings(crate::config::Settings {
        issuer: Some("https://id.example/".into()),
        client_id: Some("client-1".into()),
        ..Default::default()
    })
    .unwrap();
    let clock = Arc::new(ManualClock::new(NOW));
    let keeper = Keeper::new(vault, &config, clock, Arc::new(|_| {}));
    (keeper, dir)
}

/// A signed-in session whose tokens are DPoP-bound to `key` when given, with one API token.
fn active(key: Option<&DpopKey>, api_token_bound: bool) -> Active {
    let token = |value: &str, dpop| TokenRecord {
        token: Secret::new(value.into()),
        dpop,
        expires_at: Some(NOW + 600),
        issued_at: Some(NOW),
    };
    let record = SessionRecord {
        id_token: Secret::new("h.p.s".into()),
        refresh_token: Some(Secret::new("refresh".into())),
        access_token: Some(token("session-access", key.is_some())),
        expires_at: NOW + 600,
        renewed_at: None,
        auth_time: None,
        api_tokens: [(
            "urn:orders".to_owned(),
            token("orders-access", api_token_bound),
        )]
        .into(),
        dpop_key: key.map(|key| key.sealed().clone()),
        profile: None,
        issuer: "https://id.example/".into(),
        client_id: "client-1".into(),
    };
    let claims = IdClaims {
        issuer: "https://id.example/".into(),
        subject: "user-42".into(),
        audiences: vec!["client-1".into()],
        expires_at: NOW + 600,
        issued_at: NOW,
        auth_time: None,
        nonce: None,
        tenant: None,
        name: Some("Ada Lovelace".into()),
        nickname: None,
        preferred_username: None,
        email: None,
        picture: None,
    };
    Active {
        record,
        claims,
        storage: StorageStatus::MemoryOnly,
        stalled: false,
    }
}

/// Its parts wipe themselves when dropped (the sealed DER a `Secret`, the signing key
/// jsonwebtoken's `EncodingKey`): dropping the last handle wipes the key.
fn wiped_on_drop<T: zeroize::ZeroizeOnDrop>() {}

#[tokio::test]
async fn the_dpop_key_is_wiped_from_memory_at_logout() {
    wiped_on_drop::<DpopKey>();
    let (keeper, dir) = keeper("wiped");
    let key = DpopKey::generate();
    keeper.install(active(Some(&key), true));
    drop(key);
    let record = keeper.seen().active.unwrap().record;
    let read = keeper
        .session_key(&record)
        .unwrap()
        .expect("the session's key");
    let held = Arc::downgrade(&read);
    drop((read, record));
    assert!(held.upgrade().is_some(), "kept for the session's proofs");
    keeper.sign_out().await;
    assert!(
        held.upgrade().is_none(),
        "the session is over, its key still in memory"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_session_that_ends_by_itself_takes_its_dpop_key_with_it() {
    let (keeper, dir) = keeper("ended");
    let key = DpopKey::generate();
    keeper.install(active(Some(&key), true));
    let record = keeper.seen().active.unwrap().record;
    let held = Arc::downgrade(&keeper.session_key(&record).unwrap().unwrap());
    keeper.end(Ended::Expired, true).await;
    assert!(held.upgrade().is_none());
    let _ = std::fs::remove_dir_all(dir);
}

/// RFC 9449 §7.1: a token recorded as DPoP-bound goes with its own key's proof, and without
/// that key it is not sent at all, never as a bearer token; the scheme is the token's own.
#[test]
fn a_token_recorded_as_bound_is_never_sent_as_a_bearer_token() {
    let (keeper, dir) = keeper("scheme");
    let key = DpopKey::generate();
    let bound = active(Some(&key), true);
    let token = &bound.record.api_tokens["urn:orders"];
    let sendable = Sendable::of(token, keeper.session_key(&bound.record).unwrap()).unwrap();
    assert_eq!(
        sendable.key.as_ref().map(|k| k.thumbprint().to_owned()),
        Some(key.thumbprint().to_owned())
    );
    // A record that says bound, without the key it is bound to.
    let keyless = active(None, true);
    let token = &keyless.record.api_tokens["urn:orders"];
    assert!(matches!(
        Sendable::of(token, keeper.session_key(&keyless.record).unwrap()),
        Err(Error::Internal(_))
    ));
    // A bearer token of a bound session is sent as what it is.
    let mixed = active(Some(&key), false);
    let token = &mixed.record.api_tokens["urn:orders"];
    let key = keeper.session_key(&mixed.record).unwrap();
    assert!(key.is_some());
    assert!(Sendable::of(token, key).unwrap().key.is_none());
    let _ = std::fs::remove_dir_all(dir);
}

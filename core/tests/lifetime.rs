//! A session's lifetime against the real local provider with short-lived tokens, the real
//! Secret Service (the test command runs inside a private keyring session) and a real
//! browser (headless Chromium) for the sign-in.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::{auth, config, config_with, vault, Events, WITHOUT_REFRESH, WITH_REFRESH};
use gatehouse_contract::{ErrorKind, SessionView};
use gatehouse_core::clock::{Clock, ManualClock, SystemClock};
use gatehouse_core::vault::Opened;
use gatehouse_core::Error;
use gatehouse_tests::idp::{Idp, IdpOptions};
use gatehouse_tests::TempDir;

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// Sleeps until `expires_at` (seconds) is past by `margin`.
async fn sleep_past(expires_at: i64, margin: Duration) {
    let wait = (expires_at * 1000 - now_ms()).max(0) as u64;
    tokio::time::sleep(Duration::from_millis(wait) + margin).await;
}

async fn next_event(events: &mut Events, within: Duration) -> (Instant, Option<SessionView>) {
    tokio::time::timeout(within, events.recv())
        .await
        .expect("an event in time")
        .expect("the session is alive")
}

#[tokio::test(flavor = "multi_thread")]
async fn without_offline_access_the_session_ends_at_expiry_minus_min_ttl() {
    let idp = Idp::start(IdpOptions {
        id_token_ttl_secs: 6,
        ..Default::default()
    });
    let home = TempDir::new("life-end");
    let config = config(&idp, WITHOUT_REFRESH, 2);
    let (auth, mut events) = auth(&home, &config, Arc::new(SystemClock));
    let view = auth.login().await.expect("login");
    assert!(!view.can_renew);
    next_event(&mut events, Duration::from_secs(1)).await;
    let _watcher = auth.watch_lifetime();

    let (_, ended) = next_event(&mut events, Duration::from_secs(15)).await;
    let arrived = now_ms();
    assert_eq!(ended, None);
    // `exp` has whole seconds: the session stops being fresh within the second after this.
    let due = (view.expires_at - 2) * 1000;
    let delay = arrived - due;
    println!("expiry minus min_ttl to session-changed: {delay} ms");
    assert!(
        (0..=2000).contains(&delay),
        "ended {delay} ms after it was due"
    );
    assert!(!auth.logged_in());
    let err = auth.session().reason().cloned().expect("why it ended");
    assert_eq!(err.kind, ErrorKind::Expired);
    assert_eq!(err.message, "Your session expired. Log in again.");
}

#[tokio::test(flavor = "multi_thread")]
async fn with_offline_access_the_session_renews_for_three_lifetimes() {
    let ttl = 6;
    let idp = Idp::start(IdpOptions {
        id_token_ttl_secs: ttl,
        ..Default::default()
    });
    let home = TempDir::new("life-renew");
    let config = config(&idp, WITH_REFRESH, 2);
    let (auth, mut events) = auth(&home, &config, Arc::new(SystemClock));
    let first = auth.login().await.expect("login");
    assert!(first.can_renew);
    let watcher = auth.watch_lifetime();

    tokio::time::sleep(Duration::from_secs(3 * ttl)).await;
    assert!(auth.logged_in(), "still signed in after three lifetimes");
    let now = auth.session().session().cloned().expect("a session");
    assert!(
        now.expires_at > first.expires_at + ttl as i64,
        "expiry moved forward"
    );
    let stats = idp.stats();
    assert!(
        stats.refresh_token >= 3,
        "a refresh each lifetime: {stats:?}"
    );
    assert_eq!(stats.refresh_errors, 0);
    let mut announced = 0;
    while let Ok((_, view)) = events.try_recv() {
        assert!(view.is_some(), "the session never ended");
        announced += 1;
    }
    assert!(announced >= 4, "the login and every renewal were announced");

    // A new instance on the same files renews with the rotated token it finds there; a stale
    // one would make the provider revoke the whole grant. The first instance stops right
    // after a renewal was persisted and announced, as an app that quits would.
    next_event(&mut events, Duration::from_secs(5)).await;
    watcher.abort();
    let _ = watcher.await;
    drop(auth);
    let (second, _events) = self::auth(&home, &config, Arc::new(SystemClock));
    second.open().await;
    let before = idp.stats().refresh_token;
    let renewed = second
        .renew()
        .await
        .expect("the persisted rotated token works");
    assert!(renewed.expires_at >= now.expires_at);
    assert_eq!(idp.stats().refresh_token, before + 1);
    assert_eq!(idp.stats().refresh_errors, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn two_renewals_at_once_send_one_refresh_request() {
    let idp = Idp::start(IdpOptions::default());
    let home = TempDir::new("life-once");
    let config = config(&idp, WITH_REFRESH, 60);
    let (auth, _events) = auth(&home, &config, Arc::new(SystemClock));
    auth.login().await.expect("login");
    let (a, b) = tokio::join!(auth.renew(), auth.renew());
    assert_eq!(a.expect("renewed"), b.expect("the same renewal"));
    assert_eq!(idp.stats().refresh_token, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refresh_token_revoked_at_the_provider_ends_the_session_as_expired() {
    let idp = Idp::start(IdpOptions::default());
    let home = TempDir::new("life-revoked");
    let config = config(&idp, WITH_REFRESH, 60);
    let (auth, mut events) = auth(&home, &config, Arc::new(SystemClock));
    auth.login().await.expect("login");
    next_event(&mut events, Duration::from_secs(1)).await;

    let Opened::Session(record) = vault(&home, &config).open() else {
        panic!("a stored session")
    };
    let token = record.refresh_token.expect("a refresh token");
    let status = reqwest::Client::new()
        .post(format!("{}/token/revocation", idp.issuer))
        .form(&[
            ("token", token.secret()),
            ("client_id", idp.client_id.as_str()),
        ])
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 200);

    assert!(matches!(auth.renew().await, Err(Error::Expired)));
    assert_eq!(
        next_event(&mut events, Duration::from_secs(1)).await.1,
        None
    );
    assert!(!auth.logged_in());
    assert_eq!(auth.session().reason().unwrap().kind, ErrorKind::Expired);
    assert!(
        matches!(vault(&home, &config).open(), Opened::Empty),
        "the dead session is gone"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_clock_jump_past_expiry_ends_the_session_at_the_next_check() {
    let idp = Idp::start(IdpOptions::default());
    let home = TempDir::new("life-jump-end");
    let config = config(&idp, WITHOUT_REFRESH, 60);
    let clock = Arc::new(ManualClock::new(SystemClock.now()));
    let (auth, mut events) = auth(&home, &config, clock.clone());
    auth.login().await.expect("login");
    next_event(&mut events, Duration::from_secs(1)).await;
    let _watcher = auth.watch_lifetime();

    clock.advance(2 * 3600);
    let (_, ended) = next_event(&mut events, Duration::from_secs(3)).await;
    assert_eq!(ended, None);
    assert!(!auth.logged_in());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_clock_jump_into_the_last_minute_renews_at_the_next_check() {
    let idp = Idp::start(IdpOptions::default());
    let home = TempDir::new("life-jump-renew");
    let config = config(&idp, WITH_REFRESH, 60);
    let clock = Arc::new(ManualClock::new(SystemClock.now()));
    let (auth, mut events) = auth(&home, &config, clock.clone());
    let first = auth.login().await.expect("login");
    next_event(&mut events, Duration::from_secs(1)).await;
    let _watcher = auth.watch_lifetime();

    // Into the last minute of the token: no longer fresh, still valid for the provider.
    clock.set(first.expires_at - 30);
    let (_, renewed) = next_event(&mut events, Duration::from_secs(3)).await;
    let renewed = renewed.expect("renewed, not ended");
    assert!(renewed.expires_at >= first.expires_at);
    assert_eq!(idp.stats().refresh_token, 1);
    // This machine's clock now runs an hour ahead of the provider's: every token it issues
    // looks nearly expired here. The session is not renewed again at every tick; it ends.
    let (_, ended) = next_event(&mut events, Duration::from_secs(3)).await;
    assert_eq!(ended, None);
    assert_eq!(idp.stats().refresh_token, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn at_start_an_expired_token_is_renewed_before_the_session_shows() {
    let idp = Idp::start(IdpOptions {
        id_token_ttl_secs: 4,
        ..Default::default()
    });
    let home = TempDir::new("life-start-renew");
    let config = config(&idp, WITH_REFRESH, 1);
    let (first, _events) = auth(&home, &config, Arc::new(SystemClock));
    let view = first.login().await.expect("login");
    drop(first);
    sleep_past(view.expires_at, Duration::from_millis(500)).await;

    let (second, _events) = auth(&home, &config, Arc::new(SystemClock));
    second.open().await;
    assert!(second.logged_in(), "renewed while opening");
    assert_eq!(idp.stats().refresh_token, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn at_start_with_the_provider_unreachable_the_app_says_so() {
    let idp = Idp::start(IdpOptions {
        id_token_ttl_secs: 4,
        ..Default::default()
    });
    let home = TempDir::new("life-start-down");
    let config = config(&idp, WITH_REFRESH, 1);
    let (first, _events) = auth(&home, &config, Arc::new(SystemClock));
    let view = first.login().await.expect("login");
    drop(first);
    drop(idp);
    sleep_past(view.expires_at, Duration::from_millis(500)).await;

    let (second, _events) = auth(&home, &config, Arc::new(SystemClock));
    second.open().await;
    assert!(!second.logged_in());
    let err = second.session().reason().cloned().expect("why it ended");
    assert_eq!(err.kind, ErrorKind::Network);
    assert!(err.message.contains("could not be renewed"), "{err}");
    assert!(
        matches!(vault(&home, &config).open(), Opened::Session(_)),
        "kept for a later start"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_valid_stored_token_opens_with_no_network() {
    let idp = Idp::start(IdpOptions::default());
    let home = TempDir::new("life-offline");
    let config = config(&idp, WITH_REFRESH, 60);
    let (first, _events) = auth(&home, &config, Arc::new(SystemClock));
    let view = first.login().await.expect("login");
    drop(first);
    drop(idp);

    let (second, _events) = auth(&home, &config, Arc::new(SystemClock));
    second.open().await;
    assert!(second.logged_in());
    assert_eq!(second.session().session(), Some(&view));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_access_token_is_kept_sealed_and_renewed_before_it_expires() {
    // Six-second tokens (the provider gives access tokens the ID token's lifetime), a
    // two-second minimum lifetime: the access token counts as fresh for four seconds.
    let idp = Idp::start(IdpOptions {
        id_token_ttl_secs: 6,
        ..Default::default()
    });
    let home = TempDir::new("life-access");
    let config = config(&idp, WITH_REFRESH, 2);
    let (auth, _events) = auth(&home, &config, Arc::new(SystemClock));
    auth.login().await.expect("login");
    let first = auth.access_token().await.expect("an access token");
    let Opened::Session(record) = vault(&home, &config).open() else {
        panic!("a stored session")
    };
    let sealed = record.access_token.expect("sealed with the session");
    assert_eq!(&sealed.token, first.token());
    assert!(sealed.expires_at.is_some(), "its expires_in is kept");
    assert_eq!(
        auth.access_token().await.unwrap(),
        first,
        "still fresh: no refresh"
    );
    assert_eq!(idp.stats().refresh_token, 0);

    sleep_past(sealed.expires_at.unwrap() - 2, Duration::from_millis(200)).await;
    let second = auth.access_token().await.expect("renewed");
    assert_ne!(second, first, "a new access token");
    assert_eq!(idp.stats().refresh_token, 1, "one refresh brought it");
    let Opened::Session(record) = vault(&home, &config).open() else {
        panic!("a stored session")
    };
    assert_eq!(
        &record.access_token.unwrap().token,
        second.token(),
        "sealed again"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn without_a_refresh_token_a_stale_access_token_is_an_expired_session() {
    let idp = Idp::start(IdpOptions {
        id_token_ttl_secs: 6,
        ..Default::default()
    });
    let home = TempDir::new("life-access-end");
    let config = config(&idp, WITHOUT_REFRESH, 2);
    let (auth, _events) = auth(&home, &config, Arc::new(SystemClock));
    let view = auth.login().await.expect("login");
    auth.access_token().await.expect("fresh at first");
    sleep_past(view.expires_at - 2, Duration::from_millis(200)).await;
    assert!(matches!(auth.access_token().await, Err(Error::Expired)));
}

/// The session's record as sealed in the vault.
fn stored(
    home: &TempDir,
    config: &gatehouse_core::config::Config,
) -> gatehouse_core::vault::SessionRecord {
    match vault(home, config).open() {
        Opened::Session(record) => record,
        _ => panic!("a stored session"),
    }
}

/// OIDC Core 3.1.2.1 `max_age`: the session ends when the person's authentication is that old,
/// however often its refresh token renewed it, and the refresh token dies with it (RFC 7009).
#[tokio::test(flavor = "multi_thread")]
async fn max_age_ends_the_session_at_its_time_even_with_a_refresh_token() {
    let idp = Idp::start(IdpOptions {
        id_token_ttl_secs: 4,
        ..Default::default()
    });
    let home = TempDir::new("life-max-age");
    let max_age = 14;
    let config = config_with(&idp, WITH_REFRESH, 1, |s| s.max_age_secs = Some(max_age));
    let (auth, mut events) = auth(&home, &config, Arc::new(SystemClock));
    let first = auth.login().await.expect("login");
    assert!(first.can_renew);
    let auth_time = stored(&home, &config)
        .auth_time
        .expect("with max_age sent, the ID token says when the person signed in");
    let ends_at = auth_time + max_age as i64;
    let _watcher = auth.watch_lifetime();

    // Renewed every few seconds until the limit; the rotated refresh token of the last
    // renewal is the one that could go on.
    let mut renewals = 0;
    let mut refresh_token = stored(&home, &config)
        .refresh_token
        .expect("a refresh token");
    let arrived = loop {
        let (_, view) = next_event(&mut events, Duration::from_secs(20)).await;
        match view {
            Some(view) => {
                renewals += 1;
                assert!(view.expires_at > first.expires_at || renewals == 1);
                refresh_token = stored(&home, &config).refresh_token.expect("rotated");
            }
            None => break now_ms(),
        }
    };
    assert!(renewals >= 3, "renewed up to the limit: {renewals}");
    let delay = arrived - ends_at * 1000;
    println!("time limit to session-changed: {delay} ms, after {renewals} renewals");
    assert!(
        (0..=2000).contains(&delay),
        "ended {delay} ms after its limit"
    );
    assert!(!auth.logged_in());
    let reason = auth.session().reason().cloned().expect("why it ended");
    assert_eq!(reason.kind, ErrorKind::Expired);
    assert_eq!(
        reason.message,
        "Your session reached its time limit. Log in again."
    );
    assert!(
        matches!(vault(&home, &config).open(), Opened::Empty),
        "the record is gone"
    );
    assert!(idp.stats().revocations >= 1);
    assert_eq!(
        idp.try_refresh(refresh_token.secret()),
        (400, Some("invalid_grant".into())),
        "the last refresh token no longer renews anything"
    );
    assert!(matches!(auth.renew().await, Err(Error::Expired)));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stored_session_past_its_time_limit_is_not_opened_at_start_and_its_refresh_token_is_revoked(
) {
    let idp = Idp::start(IdpOptions::default());
    let home = TempDir::new("life-max-age-start");
    let config = config_with(&idp, WITH_REFRESH, 60, |s| s.max_age_secs = Some(3600));
    let (first, _events) = auth(&home, &config, Arc::new(SystemClock));
    first.login().await.expect("login");
    let auth_time = stored(&home, &config).auth_time.expect("auth_time");
    drop(first);

    // Started again half-way, the session opens; at the limit it does not, though its
    // refresh token is still good at the provider.
    let before = Arc::new(ManualClock::new(auth_time + 1800));
    let (second, _events) = auth(&home, &config, before);
    second.open().await;
    assert!(second.logged_in());
    drop(second);
    let refresh_token = stored(&home, &config)
        .refresh_token
        .expect("a refresh token");
    let at_limit = Arc::new(ManualClock::new(auth_time + 3600));
    let (third, _events) = auth(&home, &config, at_limit);
    third.open().await;
    assert!(!third.logged_in());
    assert_eq!(
        third.session().reason().map(|r| r.message.as_str()),
        Some("Your session reached its time limit. Log in again.")
    );
    assert!(matches!(vault(&home, &config).open(), Opened::Empty));
    assert_eq!(idp.stats().refresh_token, 0, "not renewed past its limit");

    // The record is gone, but the provider would still renew with its refresh token: revoked
    // (RFC 7009) in the background, which the app's exit waits for.
    third.shut_down().await;
    let stats = idp.stats();
    assert_eq!(stats.refresh_token_revocations_asked, 1);
    assert_eq!(
        stats.access_token_revocations_asked, 1,
        "its access token too"
    );
    assert_eq!(stats.revocations, 2, "both revoked");
    assert_eq!(
        idp.try_refresh(refresh_token.secret()),
        (400, Some("invalid_grant".into())),
        "the refresh token of the session removed at start renews nothing"
    );
}

/// OIDC Core 3.1.2.1 `max_age` with RFC 7009 §2.1: at the session's time limit its access
/// tokens end too, the session's own and each API's (`token_type_hint=access_token`), not only
/// its refresh token: an API would take them until they expire.
#[tokio::test(flavor = "multi_thread")]
async fn at_the_time_limit_the_access_tokens_are_revoked_too() {
    const ORDERS: &str = "https://orders.gatehouse.test/";
    let idp = Idp::start(IdpOptions {
        resources: vec![ORDERS.into()],
        ..Default::default()
    });
    let home = TempDir::new("life-max-age-access");
    let apis = vec![gatehouse_core::config::ApiSettings {
        url: "http://127.0.0.1:9/v1".into(),
        resource: ORDERS.into(),
        ..Default::default()
    }];
    let config = config_with(&idp, WITH_REFRESH, 1, |s| {
        s.max_age_secs = Some(6);
        s.apis = Some(apis);
    });
    let (auth, mut events) = auth(&home, &config, Arc::new(SystemClock));
    auth.login().await.expect("login");
    auth.api_access_token(ORDERS)
        .await
        .expect("the API's token");
    let session_token = auth.access_token().await.expect("the session's token");
    assert_eq!(idp.userinfo_status(session_token.secret()), 200);
    let _watcher = auth.watch_lifetime();
    // The sign-in's own event, then the end at the limit.
    while next_event(&mut events, Duration::from_secs(20))
        .await
        .1
        .is_some()
    {}
    assert!(!auth.logged_in(), "ended at its limit");
    // The revocations follow the end, bounded; wait for them as the exit would.
    let deadline = Instant::now() + Duration::from_secs(5);
    while idp.stats().access_token_revocations_asked < 2 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let stats = idp.stats();
    assert_eq!(stats.refresh_token_revocations_asked, 1);
    assert_eq!(
        stats.access_token_revocations_asked, 2,
        "the session's and the API's"
    );
    // The session's (opaque) token is revoked; the API's is a self-contained JWT, which
    // oidc-provider cannot revoke (unsupported_token_type, RFC 7009 §2.2.1).
    assert_eq!(stats.revocations, 2);
    assert_eq!(
        idp.userinfo_status(session_token.secret()),
        401,
        "the session's access token no longer opens the userinfo endpoint"
    );
}

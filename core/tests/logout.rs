//! Logout against the real local provider: the refresh token is revoked, and ending the
//! provider's browser session puts no part of any token where other programs can read it.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{auth, browser_exits, config_with, recording_browser, vault, WITH_REFRESH};
use gatehouse_core::clock::SystemClock;
use gatehouse_core::vault::Opened;
use gatehouse_tests::idp::{Idp, IdpOptions};
use gatehouse_tests::TempDir;

/// Every window of `len` characters of `token`: none may appear anywhere.
fn pieces(token: &str, len: usize) -> impl Iterator<Item = &str> {
    (0..=token.len().saturating_sub(len)).map(move |i| &token[i..i + len])
}

#[tokio::test(flavor = "multi_thread")]
async fn rp_initiated_logout_puts_no_part_of_a_token_in_the_browser_argv() {
    let idp = Idp::start(IdpOptions::default());
    let home = TempDir::new("logout-argv");
    let log = home.path().join("argv.log");
    let browser = recording_browser(&home, &log);
    let config = config_with(&idp, WITH_REFRESH, 60, |s| {
        s.browser = browser;
        s.end_session = Some(true);
    });
    let (auth, _events) = auth(&home, &config, Arc::new(SystemClock));
    auth.login().await.expect("login");
    let Opened::Session(record) = vault(&home, &config).open() else {
        panic!("a stored session")
    };
    let id_token = record.id_token.secret().to_owned();
    let refresh_token = record.refresh_token.expect("a refresh token");

    auth.logout().await.expect("logout");
    // The logout page is opened after the revocation; wait until the browser has been there
    // and closed (the test browser gives up after 60 s).
    let exits = browser_exits(&log);
    let deadline = Instant::now() + Duration::from_secs(70);
    let statuses = loop {
        let statuses = std::fs::read_to_string(&exits).unwrap_or_default();
        if statuses.lines().count() >= 2 || Instant::now() > deadline {
            break statuses;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(
        statuses, "0\n0\n",
        "both browsers load their page and close"
    );
    let argv = std::fs::read_to_string(&log).unwrap_or_default();
    let lines: Vec<&str> = argv.lines().collect();
    assert_eq!(
        lines.len(),
        2,
        "the sign-in page, then the logout page:\n{argv}"
    );
    assert!(
        lines[1].contains("/session/end") && lines[1].contains("client_id="),
        "{}",
        lines[1]
    );
    for (name, token) in [
        ("ID token", id_token.as_str()),
        ("refresh token", refresh_token.secret()),
    ] {
        if let Some(piece) = pieces(token, 16).find(|p| argv.contains(p)) {
            panic!("part of the {name} is in the browser's argv: {piece}");
        }
    }
    assert_eq!(idp.stats().revocations, 1);
}

/// The mark the sign-out leaves beside the record, as the session file holds it.
fn signed_out_mark(home: &TempDir) -> Option<serde_json::Value> {
    let file = std::fs::read(home.path().join("session.json")).ok()?;
    let entries: serde_json::Value = serde_json::from_slice(&file).expect("a JSON object");
    entries.get("signedOut").cloned()
}

#[tokio::test(flavor = "multi_thread")]
async fn after_logout_the_next_sign_in_asks_for_credentials_even_after_a_restart() {
    let idp = Idp::start(IdpOptions::default());
    let home = TempDir::new("logout-prompt");
    let config = common::config(&idp, WITH_REFRESH, 60);

    let (first, _events) = auth(&home, &config, Arc::new(SystemClock));
    first.open().await;
    first.login().await.expect("the first sign-in");
    assert_eq!(idp.stats().login_prompts, 0, "a first sign-in is silent");
    first.logout().await.expect("logout");
    assert_eq!(signed_out_mark(&home), Some(serde_json::json!(true)));
    drop(first);

    // A restart: the next sign-in still asks (OIDC Core 3.1.2.1, prompt=login).
    let (second, _events) = auth(&home, &config, Arc::new(SystemClock));
    second.open().await;
    second.login().await.expect("the sign-in after logout");
    assert_eq!(idp.stats().login_prompts, 1);
    assert_eq!(signed_out_mark(&home), None, "a sign-in clears the mark");
    drop(second);

    // Restored, the session needs no sign-in; after the record is gone by other means (not a
    // logout) the sign-in is silent again.
    let (third, _events) = auth(&home, &config, Arc::new(SystemClock));
    third.open().await;
    assert!(third.logged_in());
    vault(&home, &config).destroy().unwrap();
    drop(third);
    let (fourth, _events) = auth(&home, &config, Arc::new(SystemClock));
    fourth.open().await;
    fourth.login().await.expect("a sign-in not after a logout");
    assert_eq!(idp.stats().login_prompts, 1, "no prompt without a logout");
}

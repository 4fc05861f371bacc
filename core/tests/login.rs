//! Sign-in failures against the real local provider: each ends as a clear, typed error and
//! leaves the session signed out.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{
    auth, auth_with_changes, command, config, config_with, recording_browser, WITH_REFRESH,
};
use gatehouse_contract::ErrorKind;
use gatehouse_core::clock::SystemClock;
use gatehouse_core::session::Change;
use gatehouse_core::Error;
use gatehouse_tests::idp::{Idp, IdpOptions};
use gatehouse_tests::TempDir;

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_sign_in_says_what_the_provider_said() {
    let idp = Idp::start(IdpOptions {
        deny: true,
        ..Default::default()
    });
    let home = TempDir::new("login-refused");
    let (auth, _events) = auth(
        &home,
        &config(&idp, WITH_REFRESH, 60),
        Arc::new(SystemClock),
    );
    let err = auth.login().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Refused);
    assert!(
        matches!(&err, Error::Refused { error, .. } if error == "access_denied"),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("The person declined to sign in."),
        "{err}"
    );
    assert!(!auth.logged_in());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sign_in_not_finished_in_time_times_out_and_frees_the_way() {
    let idp = Idp::start(IdpOptions {
        auto_login: false,
        ..Default::default()
    });
    let home = TempDir::new("login-timeout");
    // A browser that opens nothing: the person never comes back.
    let config = config_with(&idp, WITH_REFRESH, 60, |s| {
        s.browser = command("true");
        s.login_timeout_secs = Some(1);
    });
    let (auth, _events) = auth(&home, &config, Arc::new(SystemClock));
    let started = Instant::now();
    let err = auth.login().await.unwrap_err();
    assert!(matches!(err, Error::Timeout(1)), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(5));
    // The attempt is over: a new one starts (and times out) instead of being "busy".
    assert!(matches!(auth.login().await, Err(Error::Timeout(1))));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_issuer_that_differs_from_discovery_by_a_slash_is_refused() {
    let idp = Idp::start(IdpOptions::default());
    let home = TempDir::new("login-issuer");
    let issuer = format!("{}/", idp.issuer);
    let config = config_with(&idp, WITH_REFRESH, 60, |s| s.issuer = Some(issuer));
    let (auth, _events) = auth(&home, &config, Arc::new(SystemClock));
    let err = auth.login().await.unwrap_err();
    assert!(matches!(err, Error::IssuerMismatch { .. }), "{err:?}");
    assert_eq!(err.kind(), ErrorKind::Provider);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fixed_redirect_port_is_honoured() {
    let idp = Idp::start(IdpOptions::default());
    let home = TempDir::new("login-port");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = config_with(&idp, WITH_REFRESH, 60, |s| s.redirect_port = Some(port));
    assert_eq!(config.redirect_port, port);
    let (auth, _events) = auth(&home, &config, Arc::new(SystemClock));
    auth.login().await.expect("login through the fixed port");
    assert!(auth.logged_in());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_request_is_pushed_and_the_browser_sees_only_its_request_uri_rfc9126() {
    let idp = Idp::start(IdpOptions::default());
    let home = TempDir::new("login-par");
    let log = home.path().join("argv.log");
    let browser = recording_browser(&home, &log);
    let config = config_with(&idp, WITH_REFRESH, 60, |s| s.browser = browser);
    let (auth, _events) = auth(&home, &config, Arc::new(SystemClock));
    auth.login().await.expect("login through a pushed request");
    assert_eq!(idp.stats().pushed_requests, 1);
    let argv = std::fs::read_to_string(&log).unwrap();
    let url = url::Url::parse(argv.lines().last().unwrap()).unwrap();
    let names: Vec<String> = url.query_pairs().map(|(k, _)| k.into_owned()).collect();
    assert_eq!(names, ["client_id", "request_uri"], "{url}");
    for hidden in ["state", "nonce", "code_challenge", "redirect_uri", "scope"] {
        assert!(
            !argv.contains(&format!("{hidden}=")),
            "{hidden} is visible: {argv}"
        );
    }
}

/// The test browser, run as a person would open a pasted link.
fn open_in_test_browser(url: &str) {
    let status = std::process::Command::new(gatehouse_tests::test_browser())
        .arg(url)
        .status()
        .expect("the test browser runs");
    assert!(status.success(), "the test browser ended with {status}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_browser_that_does_not_open_leaves_the_sign_in_waiting_with_its_link() {
    let idp = Idp::start(IdpOptions::default());
    let home = TempDir::new("login-no-browser");
    let config = config_with(&idp, WITH_REFRESH, 60, |s| {
        s.browser = command("/nonexistent/browser")
    });
    let (auth, mut changes) = auth_with_changes(&home, &config);
    let login = tokio::spawn({
        let auth = auth.clone();
        async move { auth.login().await }
    });
    let waiting = match tokio::time::timeout(Duration::from_secs(10), changes.recv()).await {
        Ok(Some(Change::Waiting(waiting))) => waiting,
        other => panic!("expected the waiting page, got {other:?}"),
    };
    let reason = waiting
        .browser_error
        .as_deref()
        .expect("why the browser did not open");
    assert!(reason.contains("/nonexistent/browser"), "{reason}");
    assert!(
        waiting.url.starts_with(&idp.issuer),
        "the link is the provider's: {}",
        waiting.url
    );

    // "Open the browser again" tries again and says so again; the sign-in still waits.
    let err = auth.open_browser_again().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Browser);
    assert!(matches!(changes.recv().await, Some(Change::Waiting(_))));
    assert!(!login.is_finished());

    // The person pastes the link into a browser of their own.
    let url = waiting.url.clone();
    tokio::task::spawn_blocking(move || open_in_test_browser(&url))
        .await
        .unwrap();
    let view = tokio::time::timeout(Duration::from_secs(30), login)
        .await
        .expect("the sign-in finishes")
        .unwrap()
        .expect("signed in");
    assert_eq!(view.display_name, "Ada Lovelace");
}

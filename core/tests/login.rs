//! Sign-in failures against the real local provider: each ends as a clear, typed error and
//! leaves the session signed out.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{
    auth, auth_with_changes, command, config, config_with, recording_browser, WITH_REFRESH,
};
use gatehouse_contract::{ErrorKind, SessionView};
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
    signs_ada_in(login).await;
}

/// Waits for the sign-in `login` runs, which signs Ada in.
async fn signs_ada_in(login: tokio::task::JoinHandle<gatehouse_core::Result<SessionView>>) {
    let view = tokio::time::timeout(Duration::from_secs(30), login)
        .await
        .expect("the sign-in finishes")
        .unwrap()
        .expect("signed in");
    assert_eq!(view.display_name, "Ada Lovelace");
}

/// What `curl` got: the status, the address it ended at and the page.
struct Fetched {
    status: u16,
    address: String,
    page: String,
}

/// `curl` following redirects from `url` (cookies kept in memory, as a browser keeps them),
/// run as `user` through `runuser`, or as this process's user.
fn curl(user: Option<&str>, url: &str) -> Fetched {
    let curl = gatehouse_tests::require("curl", "curl");
    let mut command = match user {
        Some(user) => {
            let mut command =
                std::process::Command::new(gatehouse_tests::require("runuser", "util-linux"));
            command.args(["-u", user, "--"]).arg(curl);
            command
        }
        None => std::process::Command::new(curl),
    };
    let output = command
        .args([
            "-q",
            "-sS",
            "-L",
            "-b",
            "/dev/null",
            "-w",
            "\n%{http_code} %{url_effective}",
        ])
        .arg(url)
        .output()
        .expect("curl runs");
    assert!(output.status.success(), "curl failed: {output:?}");
    let text = String::from_utf8(output.stdout).unwrap();
    let (page, last) = text.rsplit_once('\n').unwrap();
    let (status, address) = last.split_once(' ').unwrap();
    Fetched {
        status: status.parse().unwrap(),
        address: address.to_owned(),
        page: page.to_owned(),
    }
}

/// RFC 8252 §8.3 leaves the loopback listener open to every local user, and the authorization
/// URL is in the browser's argv for any of them to read. Another user who follows it in a
/// browser of their own signs in there as themselves, and their browser brings the code to the
/// listener with the right `state`: that callback does not sign the person in, its page says
/// why, and the attempt goes on. The very same callback, sent as the person, signs in.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread")]
async fn a_callback_from_another_user_of_this_computer_does_not_sign_in() {
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    assert!(root, "this test runs a browser as another user (runuser): run it as root, as scripts/test.sh does");
    let idp = Idp::start(IdpOptions::default());
    let home = TempDir::new("login-another-user");
    // The browser opens nothing: the link is followed by hand below.
    let config = config_with(&idp, WITH_REFRESH, 60, |s| s.browser = command("true"));
    let (auth, mut changes) = auth_with_changes(&home, &config);
    let login = tokio::spawn({
        let auth = auth.clone();
        async move { auth.login().await }
    });
    let url = match tokio::time::timeout(Duration::from_secs(10), changes.recv()).await {
        Ok(Some(Change::Waiting(waiting))) => waiting.url.clone(),
        other => panic!("expected the waiting page, got {other:?}"),
    };

    let theirs = tokio::task::spawn_blocking(move || curl(Some("nobody"), &url))
        .await
        .unwrap();
    assert!(
        theirs.address.contains("/callback?") && theirs.address.contains("state="),
        "the provider sent the other user's browser back with a code: {}",
        theirs.address
    );
    assert_eq!(theirs.status, 403);
    assert!(
        theirs
            .page
            .contains("This sign-in belongs to another user of this computer"),
        "{}",
        theirs.page
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!login.is_finished(), "the attempt goes on");
    assert!(!auth.logged_in());

    let callback = theirs.address.clone();
    let mine = tokio::task::spawn_blocking(move || curl(None, &callback))
        .await
        .unwrap();
    assert_eq!(mine.status, 200, "{}", mine.page);
    assert!(mine.page.contains("You are signed in"), "{}", mine.page);
    signs_ada_in(login).await;
}

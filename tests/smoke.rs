//! End to end: the built app under Xvfb, driven over WebDriver (tauri-driver and
//! WebKitWebDriver), signing in through the local provider in headless Chromium.
//! Screenshots go to `target/test-artifacts/`.
//!
//! The app is the release binary the Tauri CLI built (`GATEHOUSE_APP` to point elsewhere);
//! a missing binary fails the test, it does not pass it.

use std::path::PathBuf;
use std::time::Duration;

use gatehouse_tests::idp::{Idp, IdpOptions};
use gatehouse_tests::webdriver::{Driver, Session};
use gatehouse_tests::xvfb::Xvfb;
use gatehouse_tests::{artifacts_dir, repo_root, test_browser, TempDir};

fn app_binary() -> PathBuf {
    std::env::var_os("GATEHOUSE_APP")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target/release/gatehouse"))
}

/// The app's environment: a private display, private data and config folders, the local
/// provider, and headless Chromium as the system browser.
fn start(idp: &Idp, home: &TempDir) -> (Xvfb, Driver) {
    let xvfb = Xvfb::start();
    let data = home.path().join("data");
    let config = home.path().join("config");
    let browser = test_browser();
    let driver = Driver::start(&[
        ("DISPLAY", xvfb.display.as_str()),
        ("XDG_DATA_HOME", data.to_str().unwrap()),
        ("XDG_CONFIG_HOME", config.to_str().unwrap()),
        ("GATEHOUSE_ISSUER", idp.issuer.as_str()),
        ("GATEHOUSE_CLIENT_ID", idp.client_id.as_str()),
        ("GATEHOUSE_BROWSER", browser.to_str().unwrap()),
    ]);
    (xvfb, driver)
}

#[test]
fn app_starts_under_xvfb_and_shows_the_login_screen() {
    let idp = Idp::start(IdpOptions::default());
    let home = TempDir::new("smoke");
    let (_xvfb, driver) = start(&idp, &home);
    let session = Session::new(&driver, &app_binary());

    let button = session.wait_for("#login-button", Duration::from_secs(30));
    assert_eq!(session.text(&button), "Log in");
    let title = session.wait_for("h1", Duration::from_secs(5));
    assert_eq!(session.text(&title), "Gatehouse");
    assert_eq!(session.path(), "/login");
    assert!(
        session.find("#auth-error").is_none(),
        "no error on a clean start"
    );
    session.screenshot(&artifacts_dir().join("login.png"));
}

#[test]
fn sign_in_through_the_browser_then_log_out() {
    let idp = Idp::start(IdpOptions::default());
    let home = TempDir::new("e2e");
    let (_xvfb, driver) = start(&idp, &home);
    let session = Session::new(&driver, &app_binary());

    let button = session.wait_for("#login-button", Duration::from_secs(30));
    session.click(&button);
    let welcome = session.wait_for("#welcome", Duration::from_secs(60));
    assert_eq!(session.text(&welcome), "Welcome, Ada Lovelace!");
    assert_eq!(session.path(), "/home");
    let expiry = session.wait_for("#session-expiry", Duration::from_secs(5));
    assert!(
        session.text(&expiry).starts_with("Session valid for"),
        "{}",
        session.text(&expiry)
    );
    session.screenshot(&artifacts_dir().join("home.png"));

    let logout = session.wait_for("#logout-button", Duration::from_secs(5));
    session.click(&logout);
    session.wait_for("#login-button", Duration::from_secs(20));
    assert_eq!(session.path(), "/login");
    assert_eq!(
        idp.stats().revocations,
        1,
        "logout revoked the refresh token"
    );
}

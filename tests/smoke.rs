//! End to end: the built app under Xvfb, driven over WebDriver (tauri-driver and
//! WebKitWebDriver), signing in through the local provider in headless Chromium.
//! Screenshots go to `target/test-artifacts/`.
//!
//! The app is the release binary the Tauri CLI built (`GATEHOUSE_APP` to point elsewhere);
//! a missing binary fails the test, it does not pass it.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

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
/// provider, headless Chromium as the system browser, and `extra` on top.
fn app_env(
    idp: &Idp,
    home: &TempDir,
    xvfb: &Xvfb,
    extra: &[(&str, &str)],
) -> Vec<(String, String)> {
    let path = |p: PathBuf| p.to_string_lossy().into_owned();
    let mut env = vec![
        ("DISPLAY".into(), xvfb.display.clone()),
        ("XDG_DATA_HOME".into(), path(home.path().join("data"))),
        ("XDG_CONFIG_HOME".into(), path(home.path().join("config"))),
        ("GATEHOUSE_ISSUER".into(), idp.issuer.clone()),
        ("GATEHOUSE_CLIENT_ID".into(), idp.client_id.clone()),
        ("GATEHOUSE_BROWSER".into(), path(test_browser())),
    ];
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    env
}

fn start(
    idp: &Idp,
    home: &TempDir,
    extra: &[(&str, &str)],
) -> (Xvfb, Driver, Vec<(String, String)>) {
    let xvfb = Xvfb::start();
    let env = app_env(idp, home, &xvfb, extra);
    let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let driver = Driver::start(&pairs);
    (xvfb, driver, env)
}

/// One app at a time: the app is single-instance on the session bus, so a second one started
/// by a test running alongside would hand over to the first and exit.
static ONE_APP: Mutex<()> = Mutex::new(());

fn one_app() -> MutexGuard<'static, ()> {
    ONE_APP
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

#[test]
fn app_starts_under_xvfb_and_shows_the_login_screen() {
    let _one = one_app();
    let idp = Idp::start(IdpOptions::default());
    let home = TempDir::new("smoke");
    let (_xvfb, driver, _env) = start(&idp, &home, &[]);
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
    let _one = one_app();
    let idp = Idp::start(IdpOptions::default());
    let home = TempDir::new("e2e");
    let (_xvfb, driver, _env) = start(&idp, &home, &[]);
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

#[test]
fn closing_the_window_leaves_the_sealed_file_as_it_was_and_a_relaunch_opens_home() {
    let _one = one_app();
    let idp = Idp::start(IdpOptions::default());
    let home = TempDir::new("e2e-close");
    let (_xvfb, driver, _env) = start(&idp, &home, &[]);
    let session = Session::new(&driver, &app_binary());
    session.click(&session.wait_for("#login-button", Duration::from_secs(30)));
    session.wait_for("#welcome", Duration::from_secs(60));
    let file = home.path().join("data/dev.gatehouse.desktop/session.json");
    let before = std::fs::read(&file).expect("the session is stored");

    // Quit the normal way: the window closes and the app's exit handlers run.
    session.close_window();
    let deadline = Instant::now() + Duration::from_secs(10);
    while app_running(&home) {
        assert!(
            Instant::now() < deadline,
            "the app quit after its window closed"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        std::fs::read(&file).expect("the file is still there"),
        before,
        "nothing rewrote the record at exit"
    );
    drop(session);

    // And it still opens: straight to Home, with no browser.
    let session = Session::new(&driver, &app_binary());
    let welcome = session.wait_for("#welcome", Duration::from_secs(30));
    assert_eq!(session.text(&welcome), "Welcome, Ada Lovelace!");
    assert_eq!(idp.stats().authorization_code, 1, "no new sign-in");
}

/// Whether an app process with `home`'s data folder in its environment is still running.
fn app_running(home: &TempDir) -> bool {
    let marker = format!("XDG_DATA_HOME={}", home.path().join("data").display());
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter(|entry| {
            std::fs::read_link(entry.path().join("exe"))
                .is_ok_and(|exe| exe.file_name().is_some_and(|n| n == "gatehouse"))
        })
        .any(|entry| {
            std::fs::read(entry.path().join("environ"))
                .is_ok_and(|env| env.split(|b| *b == 0).any(|v| v == marker.as_bytes()))
        })
}

#[test]
fn an_expired_session_returns_to_login_and_says_so() {
    let _one = one_app();
    let min_ttl = 2;
    let idp = Idp::start(IdpOptions {
        id_token_ttl_secs: 6,
        ..Default::default()
    });
    let home = TempDir::new("e2e-expiry");
    let (_xvfb, driver, _env) = start(
        &idp,
        &home,
        &[
            ("GATEHOUSE_SCOPES", "openid profile email"),
            ("GATEHOUSE_MIN_TTL_SECS", "2"),
        ],
    );
    let session = Session::new(&driver, &app_binary());
    session.click(&session.wait_for("#login-button", Duration::from_secs(30)));
    let expiry = session.wait_for("#session-expiry", Duration::from_secs(60));
    let expires_at: i64 = session
        .attribute(&expiry, "data-expires-at")
        .and_then(|v| v.parse().ok())
        .expect("the expiry is on the page");
    assert!(
        !session.text(&expiry).contains("renews"),
        "no refresh token, no renewal"
    );

    let notice = session.wait_for("#auth-error", Duration::from_secs(20));
    let delay = now_ms() - (expires_at - min_ttl) * 1000;
    println!("expiry minus min_ttl to the login screen: {delay} ms");
    assert_eq!(session.text(&notice), "Your session expired. Log in again.");
    assert_eq!(session.path(), "/login");
    assert!(
        delay <= 2500,
        "the UI reacted {delay} ms after the session ran out"
    );
    session.screenshot(&artifacts_dir().join("expired.png"));
}

#[test]
fn a_second_launch_exits_and_leaves_the_first_window() {
    let _one = one_app();
    let idp = Idp::start(IdpOptions::default());
    let home = TempDir::new("e2e-single");
    let (_xvfb, driver, env) = start(&idp, &home, &[]);
    let session = Session::new(&driver, &app_binary());
    session.wait_for("#login-button", Duration::from_secs(30));

    let mut second = Command::new(app_binary())
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the app starts a second time");
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = second
            .try_wait()
            .expect("the second launch can be waited on")
        {
            break status;
        }
        if Instant::now() > deadline {
            let _ = second.kill();
            panic!("a second instance kept running");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(
        status.success(),
        "the second launch exits cleanly: {status}"
    );
    assert!(
        session.find("#login-button").is_some(),
        "the first window is still there"
    );
}

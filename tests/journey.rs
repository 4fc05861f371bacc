//! The person's whole journey, end to end: the built app under Xvfb, driven over WebDriver
//! (tauri-driver and WebKitWebDriver), and the person's browser, real Chromium driven over
//! chromedriver, going through the local provider's real login and consent pages. Each
//! scenario leaves a screenshot in `target/test-artifacts/` and its duration in
//! `journey-timings.txt` there.
//!
//! The app is the release binary the Tauri CLI built (`GATEHOUSE_APP` to point elsewhere); a
//! missing binary, driver or browser fails the test with what to install, it never passes it.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use gatehouse_tests::idp::{Idp, IdpOptions, Profile};
use gatehouse_tests::person::Person;
use gatehouse_tests::resource::ResourceServer;
use gatehouse_tests::webdriver::{Driver, Session};
use gatehouse_tests::xvfb::Xvfb;
use gatehouse_tests::{artifacts_dir, poll, processes, repo_root, TempDir};

const START: Duration = Duration::from_secs(30);
const SIGN_IN: Duration = Duration::from_secs(30);
/// How long the address may take to follow the page it names.
const ADDRESS: Duration = Duration::from_secs(5);

fn app_binary() -> PathBuf {
    std::env::var_os("GATEHOUSE_APP")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target/release/gatehouse"))
}

/// One app at a time: the app is single-instance on the session bus, so a second one started
/// by a test running alongside would hand over to the first and exit.
static ONE_APP: Mutex<()> = Mutex::new(());

/// A scenario under way: one app at a time, and its duration noted when it passes.
struct Scenario {
    name: &'static str,
    started: Instant,
    _one: MutexGuard<'static, ()>,
}

impl Scenario {
    fn begin(name: &'static str) -> Self {
        let one = ONE_APP.lock().unwrap_or_else(|p| p.into_inner());
        Self {
            name,
            started: Instant::now(),
            _one: one,
        }
    }

    fn screenshot(&self, app: &Session, label: &str) {
        app.screenshot(&artifacts_dir().join(format!("{}-{label}.png", self.name)));
    }
}

impl Drop for Scenario {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        note(&format!(
            "{} {:.1} s",
            self.name,
            self.started.elapsed().as_secs_f64()
        ));
    }
}

/// The person's desktop: a private display, private data and config folders, and tauri-driver
/// ready to start the app with the provider at `issuer`, the person's browser and `extra`.
struct Desktop {
    driver: Driver,
    env: Vec<(String, String)>,
    home: TempDir,
    _xvfb: Xvfb,
}

impl Desktop {
    fn new(idp: &Idp, person: &Person, extra: &[(&str, &str)]) -> Self {
        Self::for_issuer(&idp.issuer, &idp.client_id, person, extra)
    }

    fn for_issuer(issuer: &str, client_id: &str, person: &Person, extra: &[(&str, &str)]) -> Self {
        let xvfb = Xvfb::start();
        let home = TempDir::new("journey");
        let path = |p: PathBuf| p.to_string_lossy().into_owned();
        let mut env = vec![
            ("DISPLAY".to_owned(), xvfb.display.clone()),
            ("XDG_DATA_HOME".into(), path(home.path().join("data"))),
            ("XDG_CONFIG_HOME".into(), path(home.path().join("config"))),
            ("GATEHOUSE_ISSUER".into(), issuer.to_owned()),
            ("GATEHOUSE_CLIENT_ID".into(), client_id.to_owned()),
            (
                "GATEHOUSE_BROWSER".into(),
                format!("'{}'", person.browser_command().display()),
            ),
        ];
        env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let driver = Driver::start(&pairs);
        Self {
            driver,
            env,
            home,
            _xvfb: xvfb,
        }
    }

    /// Launches the app and opens a WebDriver session on its window.
    fn launch(&self) -> Session {
        Session::new(&self.driver, &app_binary())
    }

    /// Closes the app's window as a person would, and waits for the app to quit.
    fn quit(&self, app: Session) {
        app.close_window();
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.app_running() {
            assert!(
                Instant::now() < deadline,
                "the app quit after its window closed"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn session_file(&self) -> PathBuf {
        self.home
            .path()
            .join("data/dev.gatehouse.desktop/session.json")
    }

    /// Whether an app process with this desktop's data folder in its environment is running.
    fn app_running(&self) -> bool {
        let marker = format!("XDG_DATA_HOME={}", self.home.path().join("data").display());
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
}

/// The local provider with its own login form (no auto-login), ID tokens living
/// `id_token_ttl_secs`.
fn provider_with_form(id_token_ttl_secs: u64) -> Idp {
    Idp::start(IdpOptions {
        auto_login: false,
        id_token_ttl_secs,
        ..Default::default()
    })
}

/// A scenario's cast: the app launched on a desktop with `extra` in its environment, the
/// person at their browser, and the provider. Fields end in this order: the app first.
struct Cast {
    app: Session,
    desktop: Desktop,
    person: Person,
    idp: Idp,
}

fn cast(idp: Idp, extra: &[(&str, &str)]) -> Cast {
    let person = Person::start();
    let desktop = Desktop::new(&idp, &person, extra);
    let app = desktop.launch();
    Cast {
        app,
        desktop,
        person,
        idp,
    }
}

/// Clicks "Log in" and returns the page the app asked the browser to open.
fn click_log_in(app: &Session, person: &mut Person) -> String {
    app.click(&app.wait_for("#login-button", START));
    person.next_page(Duration::from_secs(20))
}

/// Logs in as `name` through the provider's form and returns the welcome line on Home.
fn log_in_as(app: &Session, person: &mut Person, name: &str) -> String {
    let page = click_log_in(app, person);
    person.sign_in(&page, name);
    welcome(app)
}

/// Waits for Home and returns the welcome line.
fn welcome(app: &Session) -> String {
    let welcome = app.wait_for("#welcome", SIGN_IN);
    app.wait_for_path("/home", ADDRESS);
    app.text(&welcome)
}

#[test]
fn scenario_01_first_start_shows_login() {
    let scenario = Scenario::begin("01-first-start");
    let Cast {
        app,
        desktop: _desktop,
        person,
        idp: _idp,
    } = cast(Idp::start(IdpOptions::default()), &[]);

    let button = app.wait_for("#login-button", START);
    assert_eq!(app.text(&button), "Log in");
    assert_eq!(app.text(&app.wait_for("h1", START)), "Gatehouse");
    app.wait_for_path("/login", ADDRESS);
    assert!(
        app.find("#auth-error").is_none(),
        "no error on a clean start"
    );
    scenario.screenshot(&app, "login");
    assert_eq!(person.pages_opened(), 0, "no browser at start");
    assert_eq!(
        start_global(&app),
        serde_json::json!({"signedOut": true}),
        "configured, nothing stored: the page may show /login before asking"
    );
}

/// What the backend told the page before it ran (`gatehouse_contract::START_GLOBAL`).
fn start_global(app: &Session) -> serde_json::Value {
    app.execute_async(&format!(
        "arguments[arguments.length - 1](window.{} ?? null)",
        gatehouse_contract::START_GLOBAL
    ))
}

#[test]
fn scenario_02_log_in_through_the_providers_form_shows_home() {
    let scenario = Scenario::begin("02-log-in");
    let Cast {
        app,
        desktop: _desktop,
        mut person,
        idp,
    } = cast(provider_with_form(3600), &[]);

    let page = click_log_in(&app, &mut person);
    assert!(page.starts_with(&idp.issuer), "the provider's page: {page}");
    // While the person is at the browser: the link to the same page, and Cancel.
    let link = app.wait_for("#signin-link", Duration::from_secs(5));
    assert_eq!(app.attribute(&link, "href").as_deref(), Some(page.as_str()));
    assert!(app.find("#cancel-login").is_some());
    scenario.screenshot(&app, "waiting");

    let confirmed = person.sign_in(&page, "ada");
    person.screenshot(&artifacts_dir().join("02-log-in-callback.png"));
    let text = welcome(&app);
    let delay = confirmed.at.elapsed();
    assert_eq!(text, "Welcome, Ada Lovelace!");
    let expiry = app.wait_for("#session-expiry", Duration::from_secs(5));
    assert!(app.text(&expiry).starts_with("Session valid for"));
    println!(
        "consent confirmed to Home on screen: {} ms",
        delay.as_millis()
    );
    note(&format!(
        "02-log-in consent-to-home {} ms",
        delay.as_millis()
    ));
    scenario.screenshot(&app, "home");
    assert_eq!(idp.stats().authorization_code, 1);
}

#[test]
fn scenario_03_quit_and_relaunch_opens_home_without_a_browser() {
    let scenario = Scenario::begin("03-relaunch");
    let Cast {
        app,
        desktop,
        mut person,
        idp,
    } = cast(provider_with_form(3600), &[]);
    log_in_as(&app, &mut person, "ada");
    let sealed = std::fs::read(desktop.session_file()).expect("the session is stored");

    desktop.quit(app);
    assert_eq!(
        std::fs::read(desktop.session_file()).expect("the file is still there"),
        sealed,
        "nothing rewrote the record at exit"
    );

    let app = desktop.launch();
    assert_eq!(welcome(&app), "Welcome, Ada Lovelace!");
    assert_eq!(
        start_global(&app),
        serde_json::json!({"signedOut": false}),
        "a stored session is opened before anything is shown"
    );
    scenario.screenshot(&app, "home");
    assert_eq!(person.pages_opened(), 1, "no browser on relaunch");
    assert_eq!(idp.stats().authorization_code, 1, "no new sign-in");
}

#[test]
fn scenario_04_a_short_id_token_without_refresh_returns_to_login_saying_it_expired() {
    let scenario = Scenario::begin("04-expiry");
    let Cast {
        app,
        desktop: _desktop,
        mut person,
        idp,
    } = cast(
        provider_with_form(8),
        &[
            ("GATEHOUSE_SCOPES", "openid profile email"),
            ("GATEHOUSE_MIN_TTL_SECS", "2"),
        ],
    );
    let page = click_log_in(&app, &mut person);
    person.sign_in(&page, "ada");
    let expiry = app.wait_for("#session-expiry", SIGN_IN);
    assert!(
        !app.text(&expiry).contains("renews"),
        "no refresh token, no renewal"
    );

    let notice = app.wait_for("#auth-error", Duration::from_secs(20));
    assert_eq!(app.text(&notice), "Your session expired. Log in again.");
    app.wait_for_path("/login", ADDRESS);
    scenario.screenshot(&app, "expired");
    assert_eq!(idp.stats().refresh_token, 0);
}

#[test]
fn scenario_05_a_short_id_token_with_a_refresh_token_stays_home_for_three_lifetimes() {
    let scenario = Scenario::begin("05-renewal");
    let lifetime = Duration::from_secs(6);
    let Cast {
        app,
        desktop: _desktop,
        mut person,
        idp,
    } = cast(
        provider_with_form(lifetime.as_secs()),
        &[("GATEHOUSE_MIN_TTL_SECS", "2")],
    );
    log_in_as(&app, &mut person, "ada");

    let until = Instant::now() + lifetime * 3;
    while Instant::now() < until {
        assert!(
            app.find("#welcome").is_some(),
            "still Home at {:?}",
            until - Instant::now()
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    app.wait_for_path("/home", ADDRESS);
    assert!(app.find("#auth-error").is_none());
    let renewals = idp.stats().refresh_token;
    assert!(renewals >= 3, "renewed {renewals} times in three lifetimes");
    scenario.screenshot(&app, "home");
    assert_eq!(person.pages_opened(), 1, "renewal needs no browser");
}

#[test]
fn scenario_06_cancel_before_finishing_returns_to_login_and_a_new_login_works() {
    let scenario = Scenario::begin("06-cancel");
    let Cast {
        app,
        desktop: _desktop,
        mut person,
        idp: _idp,
    } = cast(provider_with_form(3600), &[]);

    let abandoned = click_log_in(&app, &mut person);
    // As a person would: Cancel once the waiting screen is whole (the sign-in link comes in just
    // after the browser was asked).
    app.wait_for("#signin-link", Duration::from_secs(5));
    app.click(&app.wait_for("#cancel-login", Duration::from_secs(5)));
    app.wait_for("#login-button", Duration::from_secs(10));
    app.wait_for_path("/login", ADDRESS);
    assert!(app.find("#auth-error").is_none(), "Cancel is not an error");
    assert!(app.find("#signin-link").is_none());
    scenario.screenshot(&app, "cancelled");

    let page = click_log_in(&app, &mut person);
    assert_ne!(page, abandoned, "a fresh attempt");
    person.sign_in(&page, "ada");
    assert_eq!(welcome(&app), "Welcome, Ada Lovelace!");
}

#[test]
fn scenario_07_refusing_at_the_providers_consent_says_so() {
    let scenario = Scenario::begin("07-refused");
    let Cast {
        app,
        desktop: _desktop,
        mut person,
        idp,
    } = cast(provider_with_form(3600), &[]);

    let page = click_log_in(&app, &mut person);
    person.refuse(&page, "ada");
    let notice = app.wait_for("#auth-error", SIGN_IN);
    let text = app.text(&notice);
    assert!(
        text.starts_with("The identity provider refused the sign-in (access_denied)"),
        "{text}"
    );
    assert_eq!(
        app.attribute(&notice, "data-kind").as_deref(),
        Some("refused")
    );
    app.wait_for_path("/login", ADDRESS);
    scenario.screenshot(&app, "refused");
    assert_eq!(idp.stats().authorization_code, 0);
}

#[test]
fn scenario_08_log_out_relaunch_and_log_in_asks_for_credentials_and_switches_account() {
    let scenario = Scenario::begin("08-switch-account");
    let Cast {
        app,
        desktop,
        mut person,
        idp,
    } = cast(provider_with_form(3600), &[]);
    assert_eq!(
        log_in_as(&app, &mut person, "ada"),
        "Welcome, Ada Lovelace!"
    );

    app.click(&app.wait_for("#logout-button", Duration::from_secs(5)));
    app.wait_for("#login-button", Duration::from_secs(20));
    app.wait_for_path("/login", ADDRESS);
    assert_eq!(
        idp.stats().revocations,
        1,
        "logout revoked the refresh token"
    );
    assert_eq!(person.pages_opened(), 1, "logout opened no browser");

    desktop.quit(app);
    let app = desktop.launch();
    app.wait_for("#login-button", START);
    app.wait_for_path("/login", ADDRESS);

    // The browser still holds Ada's session at the provider; the form asks all the same
    // (`Person::sign_in` requires it), and a different name signs in as that person.
    assert_eq!(log_in_as(&app, &mut person, "grace"), "Welcome, Grace!");
    scenario.screenshot(&app, "grace");
    assert_eq!(idp.stats().login_prompts, 1);
}

#[test]
fn scenario_09_a_provider_that_is_down_cannot_be_reached_then_log_in_works_once_it_is_up() {
    let scenario = Scenario::begin("09-provider-down");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let issuer = format!("http://127.0.0.1:{port}");
    let mut person = Person::start();
    let desktop = Desktop::for_issuer(&issuer, "gatehouse-local", &person, &[]);
    let app = desktop.launch();

    app.click(&app.wait_for("#login-button", START));
    let notice = app.wait_for("#auth-error", SIGN_IN);
    let text = app.text(&notice);
    assert!(
        text.starts_with(&format!(
            "Could not reach the identity provider at {issuer}/"
        )),
        "{text}"
    );
    assert_eq!(
        app.attribute(&notice, "data-kind").as_deref(),
        Some("network")
    );
    scenario.screenshot(&app, "unreachable");
    assert_eq!(person.pages_opened(), 0);

    let idp = Idp::start(IdpOptions {
        auto_login: false,
        port,
        ..Default::default()
    });
    assert_eq!(idp.issuer, issuer);
    assert_eq!(
        log_in_as(&app, &mut person, "ada"),
        "Welcome, Ada Lovelace!"
    );
}

#[test]
fn scenario_10_when_the_browser_does_not_open_the_link_on_screen_completes_the_sign_in() {
    let scenario = Scenario::begin("10-no-browser");
    let Cast {
        app,
        desktop: _desktop,
        person,
        idp,
    } = cast(
        provider_with_form(3600),
        &[("GATEHOUSE_BROWSER", "/nonexistent/browser")],
    );

    app.click(&app.wait_for("#login-button", START));
    let notice = app.wait_for("#auth-error", SIGN_IN);
    let text = app.text(&notice);
    assert!(
        text.starts_with("The browser did not open") && text.contains("/nonexistent/browser"),
        "{text}"
    );
    let link = app.wait_for("#signin-link", Duration::from_secs(5));
    let page = app.attribute(&link, "href").expect("the link has its page");
    assert!(page.starts_with(&idp.issuer), "{page}");
    assert!(app.find("#open-browser-again").is_some());
    assert!(app.find("#copy-signin-link").is_some());
    scenario.screenshot(&app, "link");

    // The person pastes the link into their own browser.
    person.sign_in(&page, "ada");
    assert_eq!(welcome(&app), "Welcome, Ada Lovelace!");
    assert_eq!(person.pages_opened(), 0, "the app's browser never ran");
}

/// The page calls the API through the plugin's `fetch` (the backend adds the API's DPoP-bound
/// token and a proof; the page holds none) and shows the answer on Home.
#[test]
fn scenario_11_home_shows_the_apis_answer_through_fetch() {
    const ORDERS: &str = "https://orders.gatehouse.test/";
    let scenario = Scenario::begin("11-api-probe");
    let idp = Idp::start(IdpOptions {
        auto_login: false,
        resources: vec![ORDERS.into()],
        dpop: true,
        ..Default::default()
    });
    let orders = ResourceServer::start(&idp, ORDERS);
    let apis = serde_json::json!([{
        "url": format!("{}/v1", orders.origin),
        "resource": ORDERS,
        "scopes": ["read"],
        "probe": "/me",
    }])
    .to_string();
    let Cast {
        app,
        desktop: _desktop,
        mut person,
        idp: _idp,
    } = cast(idp, &[("GATEHOUSE_APIS", &apis)]);
    assert_eq!(
        log_in_as(&app, &mut person, "ada"),
        "Welcome, Ada Lovelace!"
    );

    let probe = app.wait_for("#api-probe", SIGN_IN);
    let shown = poll(SIGN_IN, || {
        let text = app.text(&probe);
        text.starts_with("200 ").then_some(text)
    })
    .unwrap_or_else(|| panic!("the probe shows {:?}", app.text(&probe)));
    let body: serde_json::Value = serde_json::from_str(&shown["200 ".len()..]).unwrap();
    assert_eq!(body["aud"], ORDERS);
    assert_eq!(body["target"], "/v1/me");
    let call = orders.seen().pop().expect("the API was called");
    assert!(call.header("authorization").unwrap().starts_with("DPoP "));
    assert!(call.header("dpop").is_some());
    scenario.screenshot(&app, "home");
}

/// Stays on Home for three lifetimes of a short ID token, each renewal keeping the name on
/// screen; returns the welcome line at the end.
fn stays_home_through_renewals(app: &Session, lifetime: Duration) -> String {
    let until = Instant::now() + lifetime * 3;
    while Instant::now() < until {
        let welcome = app.find("#welcome");
        assert!(
            welcome.is_some(),
            "still Home at {:?}",
            until - Instant::now()
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    app.wait_for_path("/home", ADDRESS);
    assert!(app.find("#auth-error").is_none());
    welcome(app)
}

/// Google, played by the local provider: the preset leaves `offline_access` out (Google
/// refuses it) and the client secret goes to the token endpoint; renewals whose ID tokens
/// carry no name keep the one the sign-in gave; after a sign-out the next sign-in asks with
/// `select_account`, the value Google documents, not `login`.
#[test]
fn scenario_12_google_signs_in_with_its_preset_and_renewals_keep_the_name() {
    let scenario = Scenario::begin("12-google");
    let lifetime = Duration::from_secs(6);
    let idp = Idp::start(IdpOptions {
        auto_login: false,
        id_token_ttl_secs: lifetime.as_secs(),
        profile: Some(Profile::Google),
        ..Default::default()
    });
    let secret = idp.client_secret.clone().expect("a desktop client secret");
    let Cast {
        app,
        desktop: _desktop,
        mut person,
        idp,
    } = cast(
        idp,
        &[
            ("GATEHOUSE_PROVIDER", "google"),
            ("GATEHOUSE_CLIENT_SECRET", &secret),
            ("GATEHOUSE_MIN_TTL_SECS", "2"),
        ],
    );
    let page = click_log_in(&app, &mut person);
    assert!(!page.contains("offline_access"), "{page}");
    assert!(!page.contains(&secret), "the secret never goes in a URL");
    person.sign_in(&page, "ada");
    assert_eq!(welcome(&app), "Welcome, Ada Lovelace!");
    assert_eq!(
        stays_home_through_renewals(&app, lifetime),
        "Welcome, Ada Lovelace!"
    );
    let stats = idp.stats();
    assert!(
        stats.refresh_token >= 3,
        "renewed {} times",
        stats.refresh_token
    );
    assert_eq!(stats.refresh_errors, 0);
    scenario.screenshot(&app, "home");

    app.click(&app.wait_for("#logout-button", Duration::from_secs(5)));
    app.wait_for("#login-button", Duration::from_secs(20));
    assert_eq!(log_in_as(&app, &mut person, "grace"), "Welcome, Grace!");
    let prompts = idp.stats().prompts;
    assert_eq!(prompts.get("select_account"), Some(&1), "{prompts:?}");
    assert_eq!(prompts.get("login"), None, "{prompts:?}");
}

/// Microsoft Entra ID's common authority, played by the local provider: the app is set up with
/// `…/common/v2.0` and its tenant allowed, the browser comes back to `http://localhost:PORT`
/// (the listener is on 127.0.0.1), the ID token names the tenant's own issuer, and each renewal
/// brings a new refresh token.
#[test]
fn scenario_13_entra_id_signs_in_through_its_common_authority_and_localhost() {
    let scenario = Scenario::begin("13-entra");
    let lifetime = Duration::from_secs(6);
    let idp = Idp::start(IdpOptions {
        auto_login: false,
        id_token_ttl_secs: lifetime.as_secs(),
        profile: Some(Profile::Entra),
        ..Default::default()
    });
    assert!(idp.issuer.ends_with("/common/v2.0"), "{}", idp.issuer);
    let tenant = idp.tenant.clone().expect("a tenant");
    let Cast {
        app,
        desktop: _desktop,
        mut person,
        idp,
    } = cast(
        idp,
        &[
            ("GATEHOUSE_PROVIDER", "entra"),
            ("GATEHOUSE_ALLOWED_TENANTS", &tenant),
            ("GATEHOUSE_MIN_TTL_SECS", "2"),
        ],
    );
    let page = click_log_in(&app, &mut person);
    assert!(
        page.contains("redirect_uri=http%3A%2F%2Flocalhost%3A"),
        "{page}"
    );
    person.sign_in(&page, "ada");
    assert_eq!(welcome(&app), "Welcome, Ada Lovelace!");
    assert_eq!(
        stays_home_through_renewals(&app, lifetime),
        "Welcome, Ada Lovelace!"
    );
    let stats = idp.stats();
    assert!(
        stats.refresh_token >= 3,
        "renewed {} times",
        stats.refresh_token
    );
    assert_eq!(stats.refresh_errors, 0);
    scenario.screenshot(&app, "home");
}

#[test]
fn a_second_launch_exits_and_leaves_the_first_window() {
    let _scenario = Scenario::begin("single-instance");
    let Cast {
        app,
        desktop,
        person: _person,
        idp: _idp,
    } = cast(Idp::start(IdpOptions::default()), &[]);
    app.wait_for("#login-button", START);

    let mut second = Command::new(app_binary())
        .envs(desktop.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
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
        app.find("#login-button").is_some(),
        "the first window is still there"
    );
}

/// Any program of the person's can take the app's single-instance name on the session bus
/// first, and answer as the app would; Gatehouse then checks who holds it (the process from the
/// bus, its executable) and, finding another program, starts anyway instead of handing over
/// and exiting silently.
#[cfg(target_os = "linux")]
#[test]
fn a_single_instance_name_held_by_another_program_does_not_stop_the_start() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    use dbus::blocking::stdintf::org_freedesktop_dbus::RequestNameReply;
    use dbus::channel::{MatchingReceiver, Sender};
    use dbus::message::MatchRule;

    let _scenario = Scenario::begin("name-held-by-another");
    // This test process, which is not Gatehouse, holds the name on the tests' session bus and
    // answers every call to it, as Gatehouse's first instance would.
    let stop = Arc::new(AtomicBool::new(false));
    let (held, taken) = std::sync::mpsc::channel();
    let squatter = std::thread::spawn({
        let stop = stop.clone();
        move || {
            let bus = dbus::blocking::Connection::new_session().expect("the tests' session bus");
            // An app of an earlier scenario may still be on its way out, holding the name.
            let owned = poll(Duration::from_secs(10), || {
                let reply = bus
                    .request_name("dev.gatehouse.desktop.SingleInstance", false, false, true)
                    .expect("the name can be requested");
                (reply == RequestNameReply::PrimaryOwner).then_some(())
            });
            bus.start_receive(
                MatchRule::new_method_call(),
                Box::new(|call, bus| {
                    let _ = bus.send(call.method_return());
                    true
                }),
            );
            let _ = held.send(owned.is_some());
            while !stop.load(Ordering::SeqCst) {
                let _ = bus.process(Duration::from_millis(50));
            }
        }
    });
    assert_eq!(taken.recv(), Ok(true), "the name was taken for the test");

    let Cast {
        app,
        desktop: _desktop,
        person: _person,
        idp: _idp,
    } = cast(Idp::start(IdpOptions::default()), &[]);
    assert_eq!(app.text(&app.wait_for("#login-button", START)), "Log in");
    stop.store(true, Ordering::SeqCst);
    squatter.join().unwrap();
}

/// RFC 8252 §8.12: the window never shows a page that is not the app's. A script that sends it
/// elsewhere, or opens a new window, leaves it where it is, and the server it names (which
/// would answer with a page of its own) is asked for nothing.
#[test]
fn the_window_stays_on_the_apps_own_pages() {
    let _scenario = Scenario::begin("stays-home");
    let elsewhere = Elsewhere::start();
    let port = elsewhere.port;
    stays_home(
        &elsewhere,
        &[
            format!("location.href = 'http://127.0.0.1:{port}/x'"),
            format!("window.open('http://127.0.0.1:{port}/y')"),
            format!(
                "const a = document.createElement('a'); a.href = 'http://127.0.0.1:{port}/z'; \
                 a.target = '_blank'; document.body.appendChild(a); a.click()"
            ),
        ],
    );
}

/// Starts the app on its login page, runs each of `scripts` in its window, and checks that
/// the window stayed on the app's own login page and that `elsewhere` was asked for nothing.
fn stays_home(elsewhere: &Elsewhere, scripts: &[String]) {
    let Cast {
        app,
        desktop: _desktop,
        person: _person,
        idp: _idp,
    } = cast(Idp::start(IdpOptions::default()), &[]);
    app.wait_for("#login-button", START);
    for script in scripts {
        app.execute_async(&format!(
            "const done = arguments[arguments.length - 1]; {script}; setTimeout(() => done(null), 500);"
        ));
        std::thread::sleep(Duration::from_millis(500));
        assert_eq!(
            app.url().split('?').next(),
            Some("tauri://localhost/login"),
            "{script}"
        );
        assert!(
            app.find("#login-button").is_some() && app.find("#elsewhere").is_none(),
            "the page is still the app's after: {script}"
        );
        let asked = elsewhere.asked();
        assert!(
            asked.is_empty(),
            "the server was asked for {asked:?} after: {script}"
        );
    }
}

/// `http://tauri.localhost:{port}` is not the app, on any system: on Windows the app is
/// `http://tauri.localhost` with no port, elsewhere `tauri://localhost`. With the name resolving
/// to 127.0.0.1, as systemd-resolved answers every `*.localhost`, a neighbour's server on that
/// port must not get the window.
#[test]
fn a_neighbours_page_at_tauri_localhost_with_a_port_never_loads() {
    use std::net::ToSocketAddrs;
    let _scenario = Scenario::begin("tauri-localhost");
    let resolved: Vec<_> = ("tauri.localhost", 80)
        .to_socket_addrs()
        .map(|addresses| addresses.map(|a| a.ip()).collect())
        .unwrap_or_default();
    assert!(
        resolved.iter().any(|ip| ip.is_loopback()),
        "tauri.localhost must resolve to 127.0.0.1 on the test machine, as systemd-resolved \
         answers it (scripts/test.sh adds it to /etc/hosts); it resolved to {resolved:?}"
    );
    let elsewhere = Elsewhere::start();
    let port = elsewhere.port;
    stays_home(
        &elsewhere,
        &[
            format!("location.href = 'http://tauri.localhost:{port}/login'"),
            format!("location.href = 'http://tauri.localhost:{port}/'"),
        ],
    );
}

/// A web server on loopback that answers every request with a page of its own and remembers
/// each request line. WebKit may open a connection ahead of a navigation it then refuses (a
/// preconnect): a connection with no request in it is not one.
struct Elsewhere {
    port: u16,
    asked: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Elsewhere {
    fn start() -> Self {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let asked: std::sync::Arc<std::sync::Mutex<Vec<String>>> = std::sync::Arc::default();
        let heard = std::sync::Arc::clone(&asked);
        std::thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                let heard = std::sync::Arc::clone(&heard);
                std::thread::spawn(move || {
                    let mut head = [0; 1024];
                    let Ok(read @ 1..) = stream.read(&mut head) else {
                        return;
                    };
                    let line = String::from_utf8_lossy(&head[..read]);
                    let line = line.lines().next().unwrap_or_default().to_owned();
                    heard.lock().unwrap().push(line);
                    let page = "<!doctype html><title>Elsewhere</title><p id=elsewhere>Not the app";
                    let _ = write!(
                        stream,
                        "HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: {}\r\n\
                         connection: close\r\n\r\n{page}",
                        page.len()
                    );
                });
            }
        });
        Self { port, asked }
    }

    fn asked(&self) -> Vec<String> {
        self.asked.lock().unwrap().clone()
    }
}

/// Appends a measured figure to `journey-timings.txt`.
fn note(line: &str) {
    if let Ok(mut file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(artifacts_dir().join("journey-timings.txt"))
    {
        let _ = writeln!(file, "{line}");
    }
}

/// The processes a scenario may start, by name.
const STARTED: [&str; 9] = [
    "Xvfb",
    "tauri-driver",
    "WebKitWebDriver",
    "gatehouse",
    "chromedriver",
    "chromium",
    "node",
    "WebKitWebProces",
    "WebKitNetworkPr",
];

/// The running processes among [`STARTED`], by pid.
fn started_processes() -> std::collections::BTreeSet<(u32, String)> {
    processes()
        .into_iter()
        .filter(|p| STARTED.contains(&p.comm.as_str()) && !p.zombie)
        .map(|p| (p.pid, p.comm))
        .collect()
}

#[test]
fn a_scenario_that_panics_leaves_no_process_behind() {
    let _scenario = Scenario::begin("clean-up");
    let before = started_processes();
    let failed = std::thread::spawn(|| {
        let Cast {
            app,
            desktop,
            mut person,
            idp: _idp,
        } = cast(Idp::start(IdpOptions::default()), &[]);
        let page = click_log_in(&app, &mut person);
        assert!(desktop.app_running());
        panic!("a scenario failing half way, the page {page} still open");
    })
    .join();
    assert!(failed.is_err(), "the scenario panicked");

    // Every group was sent SIGTERM on drop; give them a moment to go.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let left: Vec<_> = started_processes().difference(&before).cloned().collect();
        if left.is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "left behind: {left:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

//! The backend through IPC, as the window calls it: `tauri::test` (mock runtime, no display),
//! the app's real context and capabilities, the real local provider, and the real Secret
//! Service (the test command runs this inside a private D-Bus session with gnome-keyring).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gatehouse_contract::{
    command, event, CommandError, ErrorKind, SessionState, SessionView, SignInWaiting,
};
use gatehouse_core::vault::{FileRecordStore, KeyStore, Opened, OsKeyring, Vault};
use gatehouse_tests::idp::{Idp, IdpOptions};
use gatehouse_tests::resource::ResourceServer;
use gatehouse_tests::{test_browser, TempDir};
use serde::de::DeserializeOwned;
use tauri::test::get_ipc_response;
use tauri::{App, Listener, WebviewWindow, WebviewWindowBuilder};

#[path = "support/request.rs"]
mod request;
use request::{gatehouse_app, invoke_request, invoke_request_with};

const IDENTIFIER: &str = "dev.gatehouse.desktop";

/// The process environment is shared by all tests in this binary: one at a time.
static ENV: Mutex<()> = Mutex::new(());

struct TestApp {
    app: App<tauri::test::MockRuntime>,
    window: WebviewWindow<tauri::test::MockRuntime>,
    events: Arc<Mutex<Vec<SessionState>>>,
}

fn set_env(home: &Path, idp: Option<&Idp>) {
    std::env::set_var("XDG_DATA_HOME", home.join("data"));
    std::env::set_var("XDG_CONFIG_HOME", home.join("config"));
    std::env::set_var("GATEHOUSE_BROWSER", test_browser());
    for name in [
        "AUTH0_DOMAIN",
        "AUTH0_CLIENT_ID",
        "GATEHOUSE_SCOPES",
        "GATEHOUSE_REDIRECT_PORT",
        "GATEHOUSE_MIN_TTL_SECS",
        "GATEHOUSE_LEEWAY_SECS",
        "GATEHOUSE_APIS",
    ] {
        std::env::remove_var(name);
    }
    match idp {
        Some(idp) => {
            std::env::set_var("GATEHOUSE_ISSUER", &idp.issuer);
            std::env::set_var("GATEHOUSE_CLIENT_ID", &idp.client_id);
        }
        None => {
            std::env::remove_var("GATEHOUSE_ISSUER");
            std::env::remove_var("GATEHOUSE_CLIENT_ID");
        }
    }
}

/// The session the last event announced.
fn signed_in(events: &[SessionState]) -> SessionView {
    match events.last() {
        Some(SessionState::SignedIn { session }) => session.clone(),
        other => panic!("no session announced: {other:?}"),
    }
}

fn start_app() -> TestApp {
    let (app, window) = gatehouse_app();
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = events.clone();
    app.listen_any(event::SESSION_CHANGED, move |e| {
        let state: SessionState = serde_json::from_str(e.payload()).expect("a SessionState");
        sink.lock().unwrap().push(state);
    });
    TestApp {
        app,
        window,
        events,
    }
}

impl TestApp {
    fn invoke<T: DeserializeOwned>(&self, cmd: &str) -> Result<T, CommandError> {
        invoke(&self.window, cmd)
    }

    fn store_file(&self) -> PathBuf {
        use tauri::Manager;
        self.app
            .path()
            .app_data_dir()
            .unwrap()
            .join(gatehouse_lib::STORE_FILE)
    }
}

/// Calls a command as the window's `invoke` would, from the window's own origin.
fn invoke<T: DeserializeOwned>(
    window: &WebviewWindow<tauri::test::MockRuntime>,
    cmd: &str,
) -> Result<T, CommandError> {
    match get_ipc_response(window, invoke_request(cmd)) {
        Ok(body) => Ok(body.deserialize::<T>().expect("the reply decodes")),
        Err(value) => Err(serde_json::from_value(value.clone())
            .unwrap_or_else(|_| panic!("{cmd} failed without a {{kind, message}}: {value}"))),
    }
}

#[test]
fn login_persists_restores_and_logout_revokes() {
    let _env = ENV.lock().unwrap_or_else(|p| p.into_inner());
    let idp = Idp::start(IdpOptions::default());
    let home = TempDir::new("ipc");
    set_env(home.path(), Some(&idp));
    let keyring = OsKeyring::new(IDENTIFIER, &idp.issuer, &idp.client_id);

    // First start: signed out.
    let first = start_app();
    assert_eq!(first.invoke::<bool>(command::LOGGED_IN), Ok(false));
    assert_eq!(
        first.invoke::<SessionState>(command::SESSION),
        Ok(SessionState::SignedOut { reason: None })
    );

    // Sign in through the browser; the provider signs "ada" in by itself. The reply says only
    // that it is done: the session reaches the window once, as an event.
    assert_eq!(first.invoke::<()>(command::LOGIN), Ok(()));
    let view = signed_in(&first.events.lock().unwrap());
    assert_eq!(view.display_name, "Ada Lovelace");
    assert_eq!(view.email.as_deref(), Some("ada@example.test"));
    assert!(view.can_renew, "offline_access gave a refresh token");
    assert_eq!(first.invoke::<bool>(command::LOGGED_IN), Ok(true));
    assert_eq!(
        first.invoke::<SessionState>(command::SESSION),
        Ok(SessionState::SignedIn {
            session: view.clone()
        })
    );
    assert_eq!(
        first.events.lock().unwrap().len(),
        1,
        "one event for one sign-in"
    );
    assert_eq!(idp.stats().authorization_code, 1);

    // On disk: sealed, no token or claim in the clear. The sealed fields are random base64, in
    // which a short needle turns up now and then: outside them, no needle at all; inside, no
    // whole token (checked below, once the tokens are known).
    let on_disk = std::fs::read_to_string(first.store_file()).expect("the store file exists");
    let mut outside: serde_json::Value =
        serde_json::from_str(&on_disk).expect("the store file is JSON");
    for sealed in ["ciphertext", "nonce"] {
        outside["session"][sealed] = serde_json::Value::Null;
    }
    let outside = outside.to_string();
    for needle in ["ada", "Ada", "example.test", "eyJ", &idp.issuer, "refresh"] {
        assert!(
            !outside.contains(needle),
            "{needle:?} is on disk in the clear:\n{on_disk}"
        );
    }
    assert!(
        keyring.get().unwrap().is_some(),
        "the data key is in the Secret Service"
    );

    // What an attacker with the keyring and the file could use: the refresh token.
    let vault = Vault::new(
        Arc::new(keyring.clone()),
        Arc::new(FileRecordStore::new(first.store_file())),
        &idp.issuer,
        &idp.client_id,
    );
    let Opened::Session(record) = vault.open() else {
        panic!("the record opens with the key")
    };
    let refresh_token = record
        .refresh_token
        .clone()
        .expect("a refresh token is stored");
    for token in [refresh_token.secret(), record.id_token.secret()] {
        assert!(!on_disk.contains(token), "a token is on disk in the clear");
    }

    // A new app instance on the same data directory is still signed in, with no sign-in.
    drop(first);
    let second = start_app();
    assert_eq!(second.invoke::<bool>(command::LOGGED_IN), Ok(true));
    assert_eq!(
        second.invoke::<SessionState>(command::SESSION),
        Ok(SessionState::SignedIn { session: view })
    );
    assert_eq!(idp.stats().authorization_code, 1);

    // Log out: record and key gone, the refresh token dead at the provider.
    assert_eq!(second.invoke::<()>(command::LOGOUT), Ok(()));
    assert_eq!(second.invoke::<bool>(command::LOGGED_IN), Ok(false));
    let signed_out = SessionState::SignedOut { reason: None };
    assert_eq!(
        second.invoke::<SessionState>(command::SESSION),
        Ok(signed_out.clone())
    );
    assert_eq!(second.events.lock().unwrap().last(), Some(&signed_out));
    assert!(
        keyring.get().unwrap().is_none(),
        "the keyring entry is gone"
    );
    assert!(matches!(vault.open(), Opened::Empty));
    assert_eq!(idp.stats().revocations, 1);
    let (status, error) = idp.try_refresh(refresh_token.secret());
    assert_eq!((status, error.as_deref()), (400, Some("invalid_grant")));

    // And a third start is signed out.
    drop(second);
    let third = start_app();
    assert_eq!(third.invoke::<bool>(command::LOGGED_IN), Ok(false));
}

/// The window's `fetch`, with `request` as its argument; the reply as the window gets it.
fn fetch(
    app: &TestApp,
    request: serde_json::Value,
) -> Result<serde_json::Value, serde_json::Value> {
    let body = tauri::ipc::InvokeBody::Json(serde_json::json!({ "request": request }));
    get_ipc_response(&app.window, invoke_request_with(command::FETCH, body))
        .map(|reply| reply.deserialize().expect("a JSON reply"))
        .map_err(|e| e.clone())
}

const ORDERS: &str = "https://orders.gatehouse.test/";
const PROFILE: &str = "https://profile.gatehouse.test/";

/// The local provider with two APIs, a resource server for each, and the app's environment on
/// private folders of `label`'s; the environment's lock held.
struct TwoApis {
    _env: std::sync::MutexGuard<'static, ()>,
    idp: Idp,
    orders: ResourceServer,
    profile: ResourceServer,
    _home: TempDir,
}

fn two_apis(label: &str) -> TwoApis {
    let _env = ENV.lock().unwrap_or_else(|p| p.into_inner());
    let idp = Idp::start(IdpOptions {
        resources: vec![ORDERS.into(), PROFILE.into()],
        ..Default::default()
    });
    let orders = ResourceServer::start(&idp, ORDERS);
    let profile = ResourceServer::start(&idp, PROFILE);
    let home = TempDir::new(label);
    set_env(home.path(), Some(&idp));
    TwoApis {
        _env,
        idp,
        orders,
        profile,
        _home: home,
    }
}

#[test]
fn the_window_reaches_only_the_configured_apis_and_never_sees_a_token() {
    let TwoApis {
        _env,
        idp,
        orders,
        profile,
        _home,
    } = two_apis("ipc-fetch");
    let apis = serde_json::json!([
        { "url": format!("{}/v1", orders.origin), "resource": ORDERS, "scopes": ["read"], "probe": "/me" },
        { "url": format!("{}/", profile.origin), "resource": PROFILE, "scopes": ["read"] },
    ]);
    std::env::set_var("GATEHOUSE_APIS", apis.to_string());
    let app = start_app();
    assert!(
        gatehouse_lib::app_script(app.app.handle())
            .contains(&format!("\"apiProbe\":\"{}/v1/me\"", orders.origin)),
        "the page learns where the probe is"
    );
    assert_eq!(app.invoke::<()>(command::LOGIN), Ok(()));

    let mut replies = Vec::new();
    for (url, audience) in [
        (format!("{}/v1/me", orders.origin), ORDERS),
        (format!("{}/me", profile.origin), PROFILE),
    ] {
        let reply = fetch(&app, serde_json::json!({ "url": url })).expect("an answer");
        assert_eq!(reply["status"], 200);
        let body: serde_json::Value =
            serde_json::from_str(reply["body"].as_str().unwrap()).unwrap();
        assert_eq!(body["aud"], audience);
        assert!(reply["headers"].get("set-cookie").is_none());
        replies.push(reply.to_string());
    }
    for (request, why) in [
        (
            serde_json::json!({ "url": format!("{}/v1/me", idp.issuer) }),
            "is not under any of the APIs this app is set up to call, so it was not sent.",
        ),
        (
            serde_json::json!({ "url": format!("{}/v1/me", orders.origin), "headers": { "Authorization": "Bearer x" } }),
            "The call cannot be sent: the page may not set the header Authorization.",
        ),
    ] {
        let refused = fetch(&app, request).unwrap_err();
        let refused: CommandError = serde_json::from_value(refused).unwrap();
        assert_eq!(refused.kind, ErrorKind::Config);
        assert!(refused.message.ends_with(why), "{}", refused.message);
        replies.push(refused.message);
    }
    assert_eq!((orders.seen().len(), profile.seen().len()), (1, 1));

    // Every token the session holds, and none in anything the window got.
    let keyring = OsKeyring::new(IDENTIFIER, &idp.issuer, &idp.client_id);
    let vault = Vault::new(
        Arc::new(keyring),
        Arc::new(FileRecordStore::new(app.store_file())),
        &idp.issuer,
        &idp.client_id,
    );
    let Opened::Session(record) = vault.open() else {
        panic!("a stored session")
    };
    let mut tokens = vec![record.id_token.secret().to_owned()];
    tokens.extend(record.refresh_token.iter().map(|t| t.secret().to_owned()));
    tokens.extend(
        record
            .api_tokens
            .values()
            .map(|t| t.token.secret().to_owned()),
    );
    assert_eq!(record.api_tokens.len(), 2);
    let events = format!("{:?}", app.events.lock().unwrap());
    for token in &tokens {
        assert!(!events.contains(token.as_str()));
        for reply in &replies {
            assert!(!reply.contains(token.as_str()));
        }
    }
    std::env::remove_var("GATEHOUSE_APIS");
}

/// `fetch` is granted on purpose: not in `gatehouse:default`, but as `gatehouse:allow-fetch`,
/// which the app gives its main window alone, and which a capability may scope to some of the
/// APIs (by `resource` or `url`). A window without it, or an API outside its scope, is refused
/// before anything is sent.
#[test]
fn fetch_is_granted_on_purpose_and_a_scoped_capability_reaches_only_its_apis() {
    use tauri::ipc::CapabilityBuilder;
    use tauri::Manager;
    let TwoApis {
        _env,
        idp: _idp,
        orders,
        profile,
        _home,
    } = two_apis("ipc-fetch-grant");
    let apis = serde_json::json!([
        { "url": format!("{}/v1", orders.origin), "resource": ORDERS },
        { "url": format!("{}/", profile.origin), "resource": PROFILE },
    ]);
    std::env::set_var("GATEHOUSE_APIS", apis.to_string());
    let app = start_app();
    assert_eq!(app.invoke::<()>(command::LOGIN), Ok(()));
    let orders_url = format!("{}/v1/me", orders.origin);
    let profile_url = format!("{}/me", profile.origin);
    let call = |window: &WebviewWindow<tauri::test::MockRuntime>, url: &str| {
        let body = tauri::ipc::InvokeBody::Json(serde_json::json!({ "request": { "url": url } }));
        get_ipc_response(window, invoke_request_with(command::FETCH, body))
            .map(|reply| reply.deserialize::<serde_json::Value>().unwrap()["status"].clone())
            .map_err(|e| e.clone())
    };
    let window = |label: &str| {
        WebviewWindowBuilder::new(&app.app, label, Default::default())
            .build()
            .expect("a window")
    };

    // The main window: every configured API.
    assert_eq!(call(&app.window, &orders_url), Ok(200.into()));
    assert_eq!(call(&app.window, &profile_url), Ok(200.into()));

    // A window with the sign-in's commands alone (gatehouse:default): no fetch.
    app.app
        .add_capability(
            CapabilityBuilder::new("sign-in-only")
                .window("sign-in-only")
                .permission("gatehouse:default"),
        )
        .unwrap();
    let sign_in_only = window("sign-in-only");
    assert_eq!(invoke::<bool>(&sign_in_only, command::LOGGED_IN), Ok(true));
    let refused = call(&sign_in_only, &orders_url).unwrap_err();
    assert!(refused.to_string().contains("not allowed"), "{refused}");
    // A window with no capability at all.
    let bare = window("bare");
    assert!(call(&bare, &orders_url).is_err());

    // A capability scoped to the orders API, named by its resource.
    app.app
        .add_capability(
            CapabilityBuilder::new("orders-only")
                .window("orders-only")
                .permission_scoped(
                    "gatehouse:allow-fetch",
                    vec![serde_json::json!({ "api": ORDERS })],
                    Vec::<serde_json::Value>::new(),
                ),
        )
        .unwrap();
    let orders_only = window("orders-only");
    assert_eq!(call(&orders_only, &orders_url), Ok(200.into()));
    let out_of_scope: CommandError =
        serde_json::from_value(call(&orders_only, &profile_url).unwrap_err()).unwrap();
    assert_eq!(out_of_scope.kind, ErrorKind::Config);
    assert_eq!(
        out_of_scope.message,
        format!(
            "This window may not call the API at {}/, so the call was not sent.",
            profile.origin
        )
    );
    // Nothing reached an API but the allowed calls: the main window's two, the scoped one's.
    assert_eq!((orders.seen().len(), profile.seen().len()), (2, 1));
    std::env::remove_var("GATEHOUSE_APIS");
}

#[test]
fn missing_configuration_is_a_config_error_not_a_crash() {
    let _env = ENV.lock().unwrap_or_else(|p| p.into_inner());
    let home = TempDir::new("ipc-noconfig");
    set_env(home.path(), None);
    let app = start_app();
    let err = app.invoke::<SessionState>(command::SESSION).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Config);
    assert!(err.message.contains("GATEHOUSE_ISSUER"), "{}", err.message);
    assert_eq!(app.invoke::<bool>(command::LOGGED_IN), Ok(false));
    assert_eq!(
        app.invoke::<()>(command::LOGIN).unwrap_err().kind,
        ErrorKind::Config
    );
    assert_eq!(app.invoke::<()>(command::LOGOUT), Ok(()));
}

#[test]
fn cancel_ends_a_pending_login() {
    let _env = ENV.lock().unwrap_or_else(|p| p.into_inner());
    // A provider without auto-login: the browser shows the login form and waits for a person.
    let idp = Idp::start(IdpOptions {
        auto_login: false,
        ..Default::default()
    });
    let home = TempDir::new("ipc-cancel");
    set_env(home.path(), Some(&idp));
    std::env::set_var("GATEHOUSE_BROWSER", "true");
    let app = start_app();
    let pending = {
        let window = app.window.clone();
        std::thread::spawn(move || invoke::<()>(&window, command::LOGIN))
    };
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        app.invoke::<()>(command::LOGIN).unwrap_err().kind,
        ErrorKind::Busy
    );
    assert_eq!(app.invoke::<()>(command::CANCEL_LOGIN), Ok(()));
    let err = pending.join().unwrap().unwrap_err();
    assert_eq!(err.kind, ErrorKind::Cancelled);
    assert_eq!(app.invoke::<bool>(command::LOGGED_IN), Ok(false));
}

#[test]
fn unreachable_provider_is_a_network_error() {
    let _env = ENV.lock().unwrap_or_else(|p| p.into_inner());
    let home = TempDir::new("ipc-down");
    set_env(home.path(), None);
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    std::env::set_var("GATEHOUSE_ISSUER", format!("http://127.0.0.1:{port}"));
    std::env::set_var("GATEHOUSE_CLIENT_ID", "gatehouse-local");
    let app = start_app();
    let err = app.invoke::<()>(command::LOGIN).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Network, "{}", err.message);
    assert_eq!(app.invoke::<bool>(command::LOGGED_IN), Ok(false));
}

#[test]
fn no_event_carries_the_sealed_record_through_login_renewal_and_logout() {
    let _env = ENV.lock().unwrap_or_else(|p| p.into_inner());
    // Four-second ID tokens with a one-second minimum lifetime: renewed every two seconds.
    let idp = Idp::start(IdpOptions {
        id_token_ttl_secs: 4,
        ..Default::default()
    });
    let home = TempDir::new("ipc-events");
    set_env(home.path(), Some(&idp));
    std::env::set_var("GATEHOUSE_MIN_TTL_SECS", "1");
    let app = start_app();
    let heard: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    // The store plugin announces every value set as `store://change`; the session's own
    // events carry a view, or the page the browser was asked to open.
    for name in [
        "store://change",
        event::SESSION_CHANGED,
        event::SIGN_IN_WAITING,
    ] {
        let sink = heard.clone();
        app.app.listen_any(name, move |e| {
            sink.lock()
                .unwrap()
                .push((name.to_owned(), e.payload().to_owned()));
        });
    }

    assert_eq!(app.invoke::<()>(command::LOGIN), Ok(()));
    let mut sealed = vec![std::fs::read_to_string(app.store_file()).unwrap()];
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while idp.stats().refresh_token < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "the session was renewed"
        );
        std::thread::sleep(Duration::from_millis(100));
        if let Ok(text) = std::fs::read_to_string(app.store_file()) {
            sealed.push(text);
        }
    }
    assert_eq!(app.invoke::<()>(command::LOGOUT), Ok(()));

    let heard = heard.lock().unwrap().clone();
    assert!(
        heard
            .iter()
            .all(|(name, _)| [event::SESSION_CHANGED, event::SIGN_IN_WAITING].contains(&&**name)),
        "only session views and the sign-in page reach the window: {heard:?}"
    );
    assert!(
        heard.len() >= 4,
        "login, two renewals and logout were announced"
    );
    let pieces: Vec<String> = sealed
        .iter()
        .filter_map(|text| serde_json::from_str::<serde_json::Value>(text).ok())
        .flat_map(|file| {
            let record = &file["session"];
            [record["nonce"].clone(), record["ciphertext"].clone()]
        })
        .filter_map(|v| v.as_str().map(|s| s[..16.min(s.len())].to_owned()))
        .collect();
    assert!(!pieces.is_empty());
    for (name, payload) in &heard {
        for piece in &pieces {
            assert!(
                !payload.contains(piece),
                "{name} carried part of the record"
            );
        }
        for needle in ["eyJ", "ciphertext", "refresh"] {
            assert!(
                !payload.contains(needle),
                "{name} carried {needle}: {payload}"
            );
        }
    }
}

#[test]
fn a_browser_that_does_not_open_is_told_to_the_window_and_the_sign_in_waits() {
    let _env = ENV.lock().unwrap_or_else(|p| p.into_inner());
    let idp = Idp::start(IdpOptions::default());
    let home = TempDir::new("ipc-no-browser");
    set_env(home.path(), Some(&idp));
    std::env::set_var("GATEHOUSE_BROWSER", "/nonexistent/browser");
    let app = start_app();
    let (tx, waiting) = std::sync::mpsc::channel();
    app.app.listen_any(event::SIGN_IN_WAITING, move |e| {
        let page: SignInWaiting = serde_json::from_str(e.payload()).expect("a SignInWaiting");
        let _ = tx.send(page);
    });

    let window = app.window.clone();
    let login = std::thread::spawn(move || invoke::<()>(&window, command::LOGIN));
    let page = waiting
        .recv_timeout(Duration::from_secs(20))
        .expect("the window hears of the waiting sign-in");
    assert!(page.url.starts_with(&idp.issuer), "{}", page.url);
    let reason = page.browser_error.expect("why the browser did not open");
    assert!(reason.contains("/nonexistent/browser"), "{reason}");

    let again = app.invoke::<()>(command::OPEN_BROWSER_AGAIN).unwrap_err();
    assert_eq!(again.kind, ErrorKind::Browser);
    assert!(waiting.recv_timeout(Duration::from_secs(5)).is_ok());
    assert!(!login.is_finished(), "the sign-in still waits");

    assert_eq!(app.invoke::<()>(command::CANCEL_LOGIN), Ok(()));
    let ended = login.join().unwrap().unwrap_err();
    assert_eq!(ended.kind, ErrorKind::Cancelled);
}

/// A ten-year leeway would make `exp`, `nbf` and `iat` mean nothing: the setting is refused
/// with a sentence naming it and its range, and nothing signs in.
#[test]
fn a_leeway_out_of_range_is_refused_on_the_setup_screen_and_nothing_signs_in() {
    let _env = ENV.lock().unwrap_or_else(|p| p.into_inner());
    let idp = Idp::start(IdpOptions::default());
    let home = TempDir::new("ipc-leeway");
    set_env(home.path(), Some(&idp));
    std::env::set_var("GATEHOUSE_LEEWAY_SECS", "315360000");
    let app = start_app();
    let err = app.invoke::<SessionState>(command::SESSION).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Config);
    assert_eq!(
        err.message,
        "The configuration is not valid: GATEHOUSE_LEEWAY_SECS must be from 0 to 300 \
         seconds, not 315360000."
    );
    let login = app.invoke::<()>(command::LOGIN).unwrap_err();
    assert_eq!(login.kind, ErrorKind::Config);
    assert_eq!(app.invoke::<bool>(command::LOGGED_IN), Ok(false));
    assert_eq!(idp.stats().authorization_code, 0, "no sign-in happened");
    std::env::remove_var("GATEHOUSE_LEEWAY_SECS");
}

/// The configuration file names a program to run and the provider to trust: used only when no
/// one else may write it (as ssh treats its config).
#[cfg(unix)]
#[test]
fn a_config_file_others_may_write_is_refused_and_the_screen_says_why() {
    use std::os::unix::fs::PermissionsExt;
    let _env = ENV.lock().unwrap_or_else(|p| p.into_inner());
    let idp = Idp::start(IdpOptions::default());
    let home = TempDir::new("ipc-config-file");
    set_env(home.path(), None);
    let folder = home.path().join("config").join(IDENTIFIER);
    std::fs::create_dir_all(&folder).unwrap();
    let file = folder.join("config.json");
    let json = serde_json::json!({"issuer": idp.issuer, "client_id": idp.client_id});
    std::fs::write(&file, json.to_string()).unwrap();
    let mode = |mode| std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode));

    mode(0o600).unwrap();
    let yours = start_app();
    assert_eq!(yours.invoke::<()>(command::LOGIN), Ok(()));
    assert_eq!(yours.invoke::<bool>(command::LOGGED_IN), Ok(true));
    drop(yours);

    mode(0o666).unwrap();
    let shared = start_app();
    let err = shared.invoke::<SessionState>(command::SESSION).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Config);
    assert!(
        err.message.contains("others may write to it"),
        "{}",
        err.message
    );
    assert!(
        err.message
            .contains(&format!("chmod 600 {}", file.display())),
        "{}",
        err.message
    );
    assert_eq!(shared.invoke::<bool>(command::LOGGED_IN), Ok(false));
}

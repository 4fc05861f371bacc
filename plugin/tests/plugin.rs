//! The plugin in a host app of its own on Tauri's mock runtime: its settings from
//! `tauri.conf.json` (typed, a bad value stopping the start with a sentence), its Rust API
//! (`app.gatehouse()`) against the real local provider and the real Secret Service, and a host
//! that keeps stores of its own beside the session.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use gatehouse_tests::idp::{Idp, IdpOptions};
use gatehouse_tests::resource::ResourceServer;
use gatehouse_tests::{test_browser, TempDir};
use serde_json::{json, Value};
use tauri::test::{mock_builder, mock_context, noop_assets, MockRuntime};
use tauri::{App, Listener, Manager};
use tauri_plugin_gatehouse::{ErrorKind, GatehouseExt, SessionState, Settings};
use tauri_plugin_store::StoreExt;

const IDENTIFIER: &str = "dev.gatehouse.plugin-test";

/// The process environment is shared by all tests in this binary: one at a time.
static ENV: Mutex<()> = Mutex::new(());

/// A host app with `plugins.gatehouse` set to `settings` and its data in `home`; the build's
/// result, which a bad setting makes an error.
fn host(
    home: &TempDir,
    settings: Value,
    plugin: tauri_plugin_gatehouse::Builder<MockRuntime>,
) -> tauri::Result<App<MockRuntime>> {
    std::env::set_var("XDG_DATA_HOME", home.path().join("data"));
    std::env::set_var("XDG_CONFIG_HOME", home.path().join("config"));
    let mut context = mock_context(noop_assets());
    context.config_mut().identifier = IDENTIFIER.into();
    context.config_mut().product_name = Some("Host".into());
    context
        .config_mut()
        .plugins
        .0
        .insert("gatehouse".into(), settings);
    mock_builder()
        .plugin(tauri_plugin_store::Builder::default().build())
        .plugin(plugin.build())
        .build(context)
}

fn start_error(settings: Value) -> String {
    let _env = ENV.lock().unwrap_or_else(|p| p.into_inner());
    let home = TempDir::new("plugin-bad");
    match host(&home, settings, tauri_plugin_gatehouse::Builder::new()) {
        Ok(_) => panic!("the app started"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_setting_out_of_range_in_tauri_conf_stops_the_start_with_a_sentence_naming_it() {
    let err = start_error(json!({"issuer": "https://id.example/", "leewaySecs": 900}));
    assert!(
        err.contains(
            "plugins.gatehouse in tauri.conf.json: leewaySecs must be from 0 to 300 seconds, \
             not 900."
        ),
        "{err}"
    );
}

#[test]
fn a_setting_of_the_wrong_type_or_name_stops_the_start_naming_it() {
    let err = start_error(json!({"redirectPort": "seven"}));
    assert!(err.contains("plugins.gatehouse"), "{err}");
    assert!(err.contains("invalid type"), "{err}");
    let err = start_error(json!({"leeway": 5}));
    assert!(err.contains("unknown field `leeway`"), "{err}");
}

#[test]
fn without_an_issuer_the_app_runs_and_says_what_to_set() {
    let _env = ENV.lock().unwrap_or_else(|p| p.into_inner());
    let home = TempDir::new("plugin-unset");
    let app =
        host(&home, Value::Null, tauri_plugin_gatehouse::Builder::new()).expect("the app starts");
    let err = tauri::async_runtime::block_on(app.gatehouse().session()).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert_eq!(
        err.to_string(),
        "Sign-in is not set up: issuer and clientId are not set (plugins.gatehouse in \
         tauri.conf.json)."
    );
    assert!(!tauri::async_runtime::block_on(app.gatehouse().logged_in()));
}

#[test]
fn the_rust_api_signs_in_keeps_the_access_token_and_a_hosts_own_store_sits_beside_it() {
    let _env = ENV.lock().unwrap_or_else(|p| p.into_inner());
    let idp = Idp::start(IdpOptions::default());
    let home = TempDir::new("plugin-host");
    let signed_in = Arc::new(AtomicUsize::new(0));
    let hook = signed_in.clone();
    let app = host(
        &home,
        json!({ "issuer": idp.issuer, "clientId": idp.client_id }),
        tauri_plugin_gatehouse::Builder::new()
            .settings(Settings {
                browser: Some(vec![test_browser().to_string_lossy().into_owned()]),
                ..Settings::default()
            })
            .on_sign_in(move |_, view| {
                assert_eq!(view.display_name, "Ada Lovelace");
                hook.fetch_add(1, Ordering::SeqCst);
            }),
    )
    .expect("the app starts");
    let store_changes = Arc::new(AtomicUsize::new(0));
    let changes = store_changes.clone();
    app.listen_any("store://change", move |_| {
        changes.fetch_add(1, Ordering::SeqCst);
    });

    // The host's own store, before and after the sign-in.
    let settings = app.store("settings.json").expect("the host's store opens");
    settings.set("theme", json!("dark"));
    settings.save().unwrap();

    let gatehouse = app.gatehouse();
    let view = tauri::async_runtime::block_on(gatehouse.login()).expect("signed in");
    assert_eq!(view.display_name, "Ada Lovelace");
    assert_eq!(signed_in.load(Ordering::SeqCst), 1, "the host heard once");
    assert!(tauri::async_runtime::block_on(gatehouse.logged_in()));
    assert!(matches!(
        tauri::async_runtime::block_on(gatehouse.session()),
        Ok(SessionState::SignedIn { .. })
    ));
    let token = tauri::async_runtime::block_on(gatehouse.access_token()).expect("a token");
    assert!(!token.secret().is_empty());
    assert_eq!(
        format!("{token:?}"),
        "AccessToken { scheme: Bearer, token: Secret([redacted]) }"
    );

    let data = app.path().app_data_dir().unwrap();
    let session_file = data.join(tauri_plugin_gatehouse::DEFAULT_STORE_FILE);
    let sealed = std::fs::read_to_string(&session_file).expect("the session's own file");
    assert!(!sealed.contains(token.secret()), "sealed, not in the clear");
    let host_file: Value =
        serde_json::from_str(&std::fs::read_to_string(data.join("settings.json")).unwrap())
            .unwrap();
    assert_eq!(
        host_file,
        json!({"theme": "dark"}),
        "the host's store untouched"
    );
    assert_eq!(
        store_changes.load(Ordering::SeqCst),
        1,
        "only the host's own set was announced: the session never is"
    );

    tauri::async_runtime::block_on(gatehouse.logout()).unwrap();
    assert!(!tauri::async_runtime::block_on(gatehouse.logged_in()));
    assert_eq!(idp.stats().revocations, 1);
}

/// The README's example of host code calling an API is this file, word for word.
#[allow(dead_code)]
#[path = "readme/host_api.rs"]
mod readme_example;

/// The README's Rust example, compiled here and run against the local provider with DPoP on
/// and an API that checks every proof (RFC 9449 §7.1): both ways of calling it send the token
/// with the DPoP scheme and a proof of their own, and the API takes them.
#[test]
fn the_readmes_rust_example_calls_a_dpop_api_against_the_local_provider() {
    const ORDERS: &str = "https://orders.gatehouse.test/";
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("the README");
    let example = include_str!("readme/host_api.rs");
    assert!(
        readme.contains(&format!("```rust\n{example}```")),
        "the README's Rust example differs from plugin/tests/readme/host_api.rs"
    );

    let _env = ENV.lock().unwrap_or_else(|p| p.into_inner());
    let idp = Idp::start(IdpOptions {
        resources: vec![ORDERS.into()],
        dpop: true,
        ..Default::default()
    });
    let server = ResourceServer::start(&idp, ORDERS);
    let home = TempDir::new("plugin-readme");
    let api = format!("{}/v1", server.origin);
    let app = host(
        &home,
        json!({
            "issuer": idp.issuer,
            "clientId": idp.client_id,
            "apis": [{ "url": api, "resource": ORDERS }],
        }),
        tauri_plugin_gatehouse::Builder::new().settings(Settings {
            browser: Some(vec![test_browser().to_string_lossy().into_owned()]),
            ..Settings::default()
        }),
    )
    .expect("the app starts");
    let handle = app.handle().clone();
    tauri::async_runtime::block_on(app.gatehouse().login()).expect("signed in");

    let through_gatehouse = tauri::async_runtime::block_on(readme_example::orders(&handle, &api))
        .expect("the API's answer");
    let own_client =
        tauri::async_runtime::block_on(readme_example::orders_with_own_client(&handle, &api))
            .expect("the API's answer");
    for body in [&through_gatehouse, &own_client] {
        let body: Value = serde_json::from_str(body).expect("the API's JSON");
        assert_eq!(body["aud"], ORDERS);
        assert_eq!(body["target"], "/v1/orders");
    }
    let accepted: Vec<_> = server
        .seen()
        .into_iter()
        .filter(|seen| seen.accepted.is_some())
        .collect();
    assert_eq!(accepted.len(), 2, "{:?}", server.why_refused());
    for seen in accepted {
        assert!(seen.header("authorization").unwrap().starts_with("DPoP "));
        assert!(seen.header("dpop").is_some());
    }
}

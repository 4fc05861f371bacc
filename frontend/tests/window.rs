//! The Gatehouse UI in a real browser (headless Chromium) on Tauri's own JavaScript API and
//! its mock IPC (see `gatehouse-yew`'s tests/support): the pages, their element ids, the routes
//! and what each session status shows.

#![cfg(target_arch = "wasm32")]

#[path = "../../yew/tests/support/mod.rs"]
mod support;

use gatehouse_ui::App;
use gloo_timers::future::TimeoutFuture;
use serde_json::{json, Value};
use support::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

type Window = Mounted<App>;

const LINK: &str = "http://127.0.0.1:4000/auth?client_id=gatehouse-local&request_uri=urn%3Aa";

#[wasm_bindgen_test]
async fn the_app_opens_on_login_when_signed_out() {
    tauri(json!({"session": {"ok": signed_out()}})).await;
    let app = Window::at("/").await;
    assert_eq!(app.text("#login-button"), "Log in");
    assert_eq!(path(), "/login");
    assert!(app.find("#auth-error").is_none());
}

#[wasm_bindgen_test]
async fn the_guard_sends_a_signed_out_person_from_home_to_login() {
    tauri(json!({"session": {"ok": signed_out()}})).await;
    let app = Window::at("/home").await;
    assert!(app.find("#login-button").is_some());
    assert_eq!(path(), "/login");
}

#[wasm_bindgen_test]
async fn the_guard_sends_a_signed_in_person_from_login_to_home() {
    tauri(json!({"session": {"ok": signed_in()}, "logged_in": {"ok": true}})).await;
    let app = Window::at("/login").await;
    assert_eq!(app.text("#welcome"), "Welcome, Ada Lovelace!");
    assert_eq!(path(), "/home");
}

#[wasm_bindgen_test]
async fn an_unknown_address_goes_where_the_session_says() {
    tauri(json!({"session": {"ok": signed_out()}})).await;
    let app = Window::at("/nowhere").await;
    assert!(app.find("#login-button").is_some());
    assert_eq!(path(), "/login");
}

#[wasm_bindgen_test]
async fn the_app_opens_on_home_with_a_session_and_leaves_when_it_ends() {
    tauri(json!({"session": {"ok": signed_in()}, "logged_in": {"ok": true}})).await;
    let app = Window::at("/").await;
    assert_eq!(app.text("#welcome"), "Welcome, Ada Lovelace!");
    assert!(app.text("#session-expiry").starts_with("Session valid for"));
    assert_eq!(path(), "/home");

    // The plugin ends the session and says why, in the event.
    send("gatehouse://session-changed", expired()).await;
    TimeoutFuture::new(100).await;
    assert_eq!(
        app.text("#auth-error"),
        "Your session expired. Log in again."
    );
    assert!(app.find("#login-button").is_some());
    assert_eq!(path(), "/login");
}

#[wasm_bindgen_test]
async fn logging_out_returns_to_login() {
    tauri(
        json!({"session": {"ok": signed_in()}, "logged_in": {"ok": true},
                 "logout": {"held": true}}),
    )
    .await;
    let app = Window::at("/home").await;
    app.click("#logout-button").await;
    assert_eq!(called("logout"), 1);
    assert_eq!(app.text("#logout-button"), "Logging out…");
    assert!(app.get("#logout-button").has_attribute("disabled"));
    release("logout", json!({"ok": null}));
    send("gatehouse://session-changed", signed_out()).await;
    assert!(app.find("#login-button").is_some());
    assert_eq!(path(), "/login");
}

#[wasm_bindgen_test]
async fn the_waiting_screen_offers_the_link_copy_and_open_again() {
    tauri(
        json!({"session": {"ok": signed_out()}, "login": {"held": true},
                 "open_browser_again": {"ok": null}, "cancel_login": {"ok": null}}),
    )
    .await;
    record_clipboard();
    let app = Window::at("/login").await;
    app.click("#login-button").await;
    assert!(app.find("#cancel-login").is_some());
    assert!(
        app.find("#signin-link").is_none(),
        "no link before the browser was asked"
    );

    send(
        "gatehouse://sign-in-waiting",
        json!({"url": LINK, "browserError": null}),
    )
    .await;
    let link = app.get("#signin-link");
    assert_eq!(link.get_attribute("href").as_deref(), Some(LINK));
    assert_eq!(link.text_content().as_deref(), Some(LINK));
    assert!(app.find("#auth-error").is_none(), "the browser opened");

    app.click("#copy-signin-link").await;
    assert_eq!(clipboard().as_deref(), Some(LINK));
    assert_eq!(app.text("#copy-signin-link"), "Copied");

    app.click("#open-browser-again").await;
    assert_eq!(called("open_browser_again"), 1);
    // The link opens the system browser too, never the provider in the app's own window.
    app.click("#signin-link").await;
    assert_eq!(called("open_browser_again"), 2);
    assert_eq!(path(), "/login");

    // The browser did not come up: the sentence is shown, the link stays.
    let reason = "The browser did not open (could not start firefox: No such file or directory \
                  (os error 2)). Open the sign-in link in any browser.";
    send(
        "gatehouse://sign-in-waiting",
        json!({"url": LINK, "browserError": reason}),
    )
    .await;
    assert_eq!(app.text("#auth-error"), reason);
    assert_eq!(
        app.get("#auth-error").get_attribute("data-kind").as_deref(),
        Some("browser")
    );
    assert!(app.find("#signin-link").is_some());

    // Cancel: back to the button, with no error.
    app.click("#cancel-login").await;
    assert_eq!(called("cancel_login"), 1);
    release(
        "login",
        json!({"err": {"kind": "cancelled", "message": "Sign-in was cancelled."}}),
    );
    TimeoutFuture::new(100).await;
    assert!(app.find("#login-button").is_some());
    assert!(app.find("#signin-link").is_none());
    assert!(app.find("#auth-error").is_none(), "Cancel is not an error");
}

#[wasm_bindgen_test]
async fn a_sign_in_that_succeeds_shows_home() {
    tauri(
        json!({"session": {"ok": signed_out()}, "login": {"held": true},
                 "logged_in": {"ok": true}}),
    )
    .await;
    let app = Window::at("/login").await;
    app.click("#login-button").await;
    release("login", json!({"ok": null}));
    send("gatehouse://session-changed", signed_in()).await;
    TimeoutFuture::new(100).await;
    assert_eq!(app.text("#welcome"), "Welcome, Ada Lovelace!");
    assert_eq!(path(), "/home");
}

#[wasm_bindgen_test]
async fn every_error_kind_is_a_sentence_on_the_login_screen() {
    let kinds = [
        "config",
        "network",
        "provider",
        "refused",
        "timeout",
        "invalid_token",
        "storage",
        "browser",
        "busy",
        "expired",
        "internal",
    ];
    for kind in kinds {
        let message = format!("Something about {kind}.");
        tauri(json!({"session": {"ok": signed_out()},
                     "login": {"err": {"kind": kind, "message": message}}}))
        .await;
        let app = Window::at("/login").await;
        app.click("#login-button").await;
        assert_eq!(app.text("#auth-error"), message, "{kind}");
        assert_eq!(
            app.get("#auth-error").get_attribute("data-kind").as_deref(),
            Some(kind)
        );
        let role = app.get("#auth-error").get_attribute("role");
        assert_eq!(role.as_deref(), Some("alert"), "read out: {kind}");
        // Missing configuration says what to set, and there is nothing to retry.
        let button = app.get("#login-button");
        assert_eq!(button.has_attribute("disabled"), kind == "config", "{kind}");
    }
}

#[wasm_bindgen_test]
async fn missing_configuration_at_start_says_what_to_set() {
    tauri(json!({"session": {"err": {"kind": "config",
        "message": "Gatehouse is not configured yet. Set GATEHOUSE_ISSUER."}}}))
    .await;
    let app = Window::at("/").await;
    assert!(app.text("#auth-error").contains("not configured"));
    assert!(app.get("#login-button").has_attribute("disabled"));
    assert!(app.root.inner_html().contains("GATEHOUSE_CLIENT_ID"));
}

#[wasm_bindgen_test]
async fn a_stored_session_that_cannot_be_opened_says_why_at_start() {
    tauri(
        json!({"session": {"ok": {"status": "signedOut", "reason": {"kind": "storage",
        "message": "Secure storage (the system keyring) is unavailable."}}}}),
    )
    .await;
    let app = Window::at("/").await;
    assert_eq!(
        app.text("#auth-error"),
        "Secure storage (the system keyring) is unavailable."
    );
    assert!(app.find("#login-button").is_some());
    assert!(!app.get("#login-button").has_attribute("disabled"));
}

#[wasm_bindgen_test]
async fn a_start_the_plugin_knows_is_signed_out_shows_login_before_any_reply() {
    tauri(json!({"session": {"held": true}})).await;
    set_start(json!({"signedOut": true}));
    let app = Window::at("/").await;
    set_start(Value::Null);
    assert_eq!(
        app.text("#login-button"),
        "Log in",
        "shown while `session` is unanswered"
    );
    assert_eq!(path(), "/login");
    release("session", json!({"ok": signed_out()}));
    TimeoutFuture::new(50).await;
    assert_eq!(app.text("#login-button"), "Log in");
    assert!(app.find("#auth-error").is_none());
}

#[wasm_bindgen_test]
async fn a_start_the_plugin_did_not_vouch_for_waits_for_the_stored_session() {
    tauri(json!({"session": {"held": true}, "logged_in": {"ok": true}})).await;
    set_start(json!({"signedOut": false}));
    let app = Window::at("/home").await;
    set_start(Value::Null);
    assert!(app.find("#login-button").is_none(), "nothing decided yet");
    assert!(app.root.inner_html().contains("Opening your session"));
    release("session", json!({"ok": signed_in()}));
    TimeoutFuture::new(50).await;
    assert_eq!(app.text("#welcome"), "Welcome, Ada Lovelace!");
}

#[wasm_bindgen_test]
async fn a_start_hint_as_old_as_the_window_is_corrected_by_the_stored_session() {
    // A reload after signing in: the script run before the page still says signed out.
    tauri(json!({"session": {"ok": signed_in()}, "logged_in": {"ok": true}})).await;
    set_start(json!({"signedOut": true}));
    let app = Window::at("/login").await;
    set_start(Value::Null);
    TimeoutFuture::new(100).await;
    assert_eq!(app.text("#welcome"), "Welcome, Ada Lovelace!");
    assert_eq!(path(), "/home");
}

#[wasm_bindgen::prelude::wasm_bindgen(inline_js = r#"
// The clipboard, as the page sees it: what was written, kept for the test.
export function record_clipboard() {
  Object.defineProperty(navigator, 'clipboard', {
    configurable: true,
    value: { writeText: async (text) => { window.__gatehouse_clipboard = text; } },
  });
}
export function clipboard() { return window.__gatehouse_clipboard ?? null; }

// What Gatehouse's backend tells its own page before it runs (null: nothing).
export function set_app_js(value) {
  delete window.__GATEHOUSE_APP__;
  if (value !== 'null') {
    Object.defineProperty(window, '__GATEHOUSE_APP__', { value: JSON.parse(value), configurable: true });
  }
}
"#)]
extern "C" {
    fn record_clipboard();
    fn clipboard() -> Option<String>;
    fn set_app_js(value: &str);
}

/// What Gatehouse's backend tells its page before it runs (`gatehouse_ui::start::APP_GLOBAL`).
fn set_app(value: Value) {
    set_app_js(&value.to_string());
}

#[wasm_bindgen_test]
async fn home_shows_the_apis_answer_through_fetch_when_a_probe_is_configured() {
    let probe = "http://127.0.0.1:4001/v1/me";
    set_start(json!({"signedOut": false}));
    set_app(json!({"apiProbe": probe}));
    tauri(json!({
        "session": {"ok": signed_in()},
        "logged_in": {"ok": true},
        "fetch": {"ok": {"status": 200, "headers": {"content-type": "application/json"}, "body": "{\"sub\":\"ada\"}"}},
    }))
    .await;
    let app = Window::at("/home").await;
    TimeoutFuture::new(50).await;
    assert_eq!(app.text("#api-probe"), "200 {\"sub\":\"ada\"}");
    assert_eq!(called("fetch"), 1);
    let request = invoked_args()
        .into_iter()
        .find_map(|args| args.get("request").cloned())
        .expect("fetch was asked");
    assert_eq!(
        request,
        json!({"url": probe, "method": "GET", "headers": {}, "body": null})
    );
    set_start(Value::Null);
    set_app(Value::Null);
}

#[wasm_bindgen_test]
async fn a_refused_probe_says_why_and_without_a_probe_home_calls_nothing() {
    set_start(json!({"signedOut": false}));
    set_app(json!({"apiProbe": "http://127.0.0.1:4001/v1/me"}));
    tauri(json!({
        "session": {"ok": signed_in()},
        "logged_in": {"ok": true},
        "fetch": {"err": {"kind": "network", "message": "Could not reach the API at http://127.0.0.1:4001."}},
    }))
    .await;
    let app = Window::at("/home").await;
    TimeoutFuture::new(50).await;
    assert_eq!(
        app.text("#api-probe"),
        "Could not reach the API at http://127.0.0.1:4001."
    );
    drop(app);

    set_start(Value::Null);
    set_app(Value::Null);
    tauri(json!({"session": {"ok": signed_in()}, "logged_in": {"ok": true}})).await;
    let app = Window::at("/home").await;
    TimeoutFuture::new(50).await;
    assert!(app.find("#api-probe").is_none());
    assert_eq!(called("fetch"), 0);
}

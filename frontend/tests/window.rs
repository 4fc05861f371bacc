//! The UI in a real browser (headless Chromium) on Tauri's own JavaScript API and its mock IPC:
//! `window.__TAURI__` is the pinned `@tauri-apps/api` (`core` and `event`, as the runtime
//! injects them), and `mockIPC` from `@tauri-apps/api/mocks` answers at the layer the real
//! runtime does, events included. So every call goes the real way from the UI to the IPC.

#![cfg(target_arch = "wasm32")]

use gatehouse_contract::{ErrorKind, SessionView, StorageStatus};
use gatehouse_ui::{ipc, App};
use gloo_timers::future::TimeoutFuture;
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const TSLIB: &str = include_str!("../../node_modules/@tauri-apps/api/external/tslib/tslib.es6.js");
const CORE: &str = include_str!("../../node_modules/@tauri-apps/api/core.js");
const EVENT: &str = include_str!("../../node_modules/@tauri-apps/api/event.js");
const MOCKS: &str = include_str!("../../node_modules/@tauri-apps/api/mocks.js");

#[wasm_bindgen(inline_js = r#"
// Loads the package's ES modules from their text (blob URLs, the relative imports pointed at
// each other), once per page.
export async function load_api(tslib, core, event, mocks) {
  if (window.__gatehouse_mocks) return;
  const url = (source) => URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  const tslibUrl = url(tslib);
  const coreUrl = url(core.replace("'./external/tslib/tslib.es6.js'", JSON.stringify(tslibUrl)));
  const eventUrl = url(event.replace("'./core.js'", JSON.stringify(coreUrl)));
  const [coreApi, eventApi, mocksApi] =
    await Promise.all([import(coreUrl), import(eventUrl), import(url(mocks))]);
  window.__TAURI__ = { core: coreApi, event: eventApi };
  window.__gatehouse_mocks = mocksApi;
}

// Answers each command as `replies` says: {ok: value}, {err: value}, or {held: true} (the
// promise waits for `release`). Every command and event call is logged.
export function answer(replies) {
  const mocks = window.__gatehouse_mocks;
  mocks.clearMocks();
  mocks.mockWindows('main');
  const test = { replies: JSON.parse(replies), calls: [], held: {} };
  window.__gatehouse_test = test;
  mocks.mockIPC((cmd) => {
    test.calls.push(cmd);
    const reply = test.replies[cmd];
    if (reply === undefined) return Promise.reject('no reply for ' + cmd);
    if (reply.held) return new Promise((resolve, reject) => { test.held[cmd] = { resolve, reject }; });
    return 'ok' in reply ? reply.ok : Promise.reject(reply.err);
  }, { shouldMockEvents: true });
}

export function set_reply(cmd, reply) { window.__gatehouse_test.replies[cmd] = JSON.parse(reply); }

export function release(cmd, outcome) {
  const held = window.__gatehouse_test.held[cmd];
  const value = JSON.parse(outcome);
  'ok' in value ? held.resolve(value.ok) : held.reject(value.err);
}

// What the backend defines before the page runs (null: nothing, as in the other tests).
export function set_start(value) {
  delete window.__GATEHOUSE_START__;
  if (value !== 'null') {
    Object.defineProperty(window, '__GATEHOUSE_START__', { value: JSON.parse(value), configurable: true });
  }
}

export function calls() { return JSON.stringify(window.__gatehouse_test.calls); }

export function emit(event, payload) { return window.__TAURI__.event.emit(event, JSON.parse(payload)); }

// The clipboard, as the page sees it: what was written, kept for the test.
export function record_clipboard() {
  Object.defineProperty(navigator, 'clipboard', {
    configurable: true,
    value: { writeText: async (text) => { window.__gatehouse_clipboard = text; } },
  });
}
export function clipboard() { return window.__gatehouse_clipboard ?? null; }
"#)]
extern "C" {
    async fn load_api(tslib: &str, core: &str, event: &str, mocks: &str);
    fn answer(replies: &str);
    fn set_reply(cmd: &str, reply: &str);
    fn release(cmd: &str, outcome: &str);
    fn calls() -> String;
    fn set_start(value: &str);
    fn emit(event: &str, payload: &str) -> js_sys::Promise;
    fn record_clipboard();
    fn clipboard() -> Option<String>;
}

/// Tauri's API on the mock IPC, answering as `replies` says.
async fn tauri(replies: Value) {
    load_api(TSLIB, CORE, EVENT, MOCKS).await;
    answer(&replies.to_string());
}

async fn send(event: &str, payload: Value) {
    JsFuture::from(emit(event, &payload.to_string()))
        .await
        .expect("the event is emitted");
    TimeoutFuture::new(50).await;
}

fn called(cmd: &str) -> usize {
    let calls: Vec<String> = serde_json::from_str(&calls()).unwrap();
    calls.iter().filter(|c| *c == cmd).count()
}

fn ada() -> Value {
    json!({"displayName": "Ada Lovelace", "email": "ada@example.test", "picture": null,
           "expiresAt": 4102444800i64, "canRenew": true, "storage": "persisted"})
}

const LINK: &str = "http://127.0.0.1:4000/auth?client_id=gatehouse-local&request_uri=urn%3Aa";

#[wasm_bindgen_test]
async fn session_null_is_signed_out() {
    tauri(json!({"session": {"ok": null}})).await;
    assert_eq!(ipc::session().await, Ok(None));
}

#[wasm_bindgen_test]
async fn session_view_is_decoded() {
    tauri(json!({"session": {"ok": ada()}})).await;
    let view = ipc::session().await.unwrap().expect("a session");
    assert_eq!(view.display_name, "Ada Lovelace");
    assert_eq!(view.storage, StorageStatus::Persisted);
}

#[wasm_bindgen_test]
async fn a_command_error_keeps_its_kind_and_sentence() {
    tauri(json!({"login": {"err": {"kind": "refused",
        "message": "The identity provider refused the sign-in."}}}))
    .await;
    let err = ipc::login().await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Refused);
    assert_eq!(err.message, "The identity provider refused the sign-in.");
}

#[wasm_bindgen_test]
async fn a_rejection_outside_the_contract_is_internal() {
    tauri(json!({"logout": {"err": "state not managed"}})).await;
    let err = ipc::logout().await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Internal);
    assert!(err.message.contains("state not managed"), "{}", err.message);
}

#[wasm_bindgen_test]
async fn a_malformed_reply_is_an_error_not_a_panic() {
    tauri(json!({"session": {"ok": 42}, "logged_in": {"ok": "yes"}})).await;
    assert_eq!(ipc::session().await.unwrap_err().kind, ErrorKind::Internal);
    assert_eq!(
        ipc::logged_in().await.unwrap_err().kind,
        ErrorKind::Internal
    );
}

#[wasm_bindgen_test]
async fn session_changed_events_reach_the_listener() {
    tauri(json!({})).await;
    let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::<Option<SessionView>>::new()));
    let sink = seen.clone();
    ipc::on_session_changed(move |view| sink.borrow_mut().push(view))
        .await
        .unwrap();
    send("session-changed", ada()).await;
    send("session-changed", Value::Null).await;
    send("session-changed", json!({"not": "a view"})).await;
    let seen = seen.borrow();
    assert_eq!(seen.len(), 2, "the malformed event is dropped");
    assert_eq!(
        seen[0].as_ref().map(|v| v.display_name.as_str()),
        Some("Ada Lovelace")
    );
    assert_eq!(seen[1], None);
}

/// The whole app, mounted at `path` in a fresh element; dropped, it is destroyed.
struct Mounted {
    root: web_sys::Element,
    app: Option<yew::AppHandle<App>>,
}

impl Mounted {
    async fn at(path: &str) -> Self {
        let window = web_sys::window().unwrap();
        window
            .history()
            .unwrap()
            .replace_state_with_url(&JsValue::NULL, "", Some(path))
            .unwrap();
        let document = window.document().unwrap();
        let root = document.create_element("div").unwrap();
        document.body().unwrap().append_child(&root).unwrap();
        let app = yew::Renderer::<App>::with_root(root.clone()).render();
        TimeoutFuture::new(200).await;
        Self {
            root,
            app: Some(app),
        }
    }

    fn find(&self, css: &str) -> Option<web_sys::Element> {
        self.root.query_selector(css).unwrap()
    }

    fn get(&self, css: &str) -> web_sys::Element {
        self.find(css)
            .unwrap_or_else(|| panic!("no {css} in:\n{}", self.root.inner_html()))
    }

    fn text(&self, css: &str) -> String {
        self.get(css).text_content().unwrap_or_default()
    }

    async fn click(&self, css: &str) {
        let element: web_sys::HtmlElement = self.get(css).dyn_into().unwrap();
        element.click();
        TimeoutFuture::new(100).await;
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        if let Some(app) = self.app.take() {
            app.destroy();
        }
        self.root.remove();
    }
}

fn path() -> String {
    web_sys::window().unwrap().location().pathname().unwrap()
}

#[wasm_bindgen_test]
async fn the_app_opens_on_login_when_signed_out() {
    tauri(json!({"session": {"ok": null}})).await;
    let app = Mounted::at("/").await;
    assert_eq!(app.text("#login-button"), "Log in");
    assert_eq!(path(), "/login");
    assert!(app.find("#auth-error").is_none());
}

#[wasm_bindgen_test]
async fn the_guard_sends_a_signed_out_person_from_home_to_login() {
    tauri(json!({"session": {"ok": null}})).await;
    let app = Mounted::at("/home").await;
    assert!(app.find("#login-button").is_some());
    assert_eq!(path(), "/login");
}

#[wasm_bindgen_test]
async fn the_guard_sends_a_signed_in_person_from_login_to_home() {
    tauri(json!({"session": {"ok": ada()}})).await;
    let app = Mounted::at("/login").await;
    assert_eq!(app.text("#welcome"), "Welcome, Ada Lovelace!");
    assert_eq!(path(), "/home");
}

#[wasm_bindgen_test]
async fn the_app_opens_on_home_with_a_session_and_leaves_when_it_ends() {
    tauri(json!({"session": {"ok": ada()}})).await;
    let app = Mounted::at("/").await;
    assert_eq!(app.text("#welcome"), "Welcome, Ada Lovelace!");
    assert!(app.text("#session-expiry").starts_with("Session valid for"));
    assert_eq!(path(), "/home");

    // The backend ends the session and says why.
    set_reply(
        "session",
        &json!({"err": {"kind": "expired", "message": "Your session expired. Log in again."}})
            .to_string(),
    );
    send("session-changed", Value::Null).await;
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
    tauri(json!({"session": {"ok": ada()}, "logout": {"ok": null}})).await;
    let app = Mounted::at("/home").await;
    app.click("#logout-button").await;
    assert_eq!(called("logout"), 1);
    assert!(app.find("#login-button").is_some());
    assert_eq!(path(), "/login");
}

#[wasm_bindgen_test]
async fn the_waiting_screen_offers_the_link_copy_and_open_again() {
    tauri(json!({"session": {"ok": null}, "login": {"held": true},
                 "open_browser_again": {"ok": null}, "cancel_login": {"ok": null}}))
    .await;
    record_clipboard();
    let app = Mounted::at("/login").await;
    app.click("#login-button").await;
    assert!(app.find("#cancel-login").is_some());
    assert!(
        app.find("#signin-link").is_none(),
        "no link before the browser was asked"
    );

    send(
        "sign-in-waiting",
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
        "sign-in-waiting",
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
        &json!({"err": {"kind": "cancelled", "message": "Sign-in was cancelled."}}).to_string(),
    );
    TimeoutFuture::new(100).await;
    assert!(app.find("#login-button").is_some());
    assert!(app.find("#signin-link").is_none());
    assert!(app.find("#auth-error").is_none(), "Cancel is not an error");
}

#[wasm_bindgen_test]
async fn a_sign_in_that_succeeds_shows_home() {
    tauri(json!({"session": {"ok": null}, "login": {"held": true}})).await;
    let app = Mounted::at("/login").await;
    app.click("#login-button").await;
    release("login", &json!({"ok": ada()}).to_string());
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
        tauri(json!({"session": {"ok": null},
                     "login": {"err": {"kind": kind, "message": message}}}))
        .await;
        let app = Mounted::at("/login").await;
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
async fn a_stored_session_that_cannot_be_opened_says_why_at_start() {
    tauri(json!({"session": {"err": {"kind": "storage",
        "message": "Secure storage (the system keyring) is unavailable."}}}))
    .await;
    let app = Mounted::at("/").await;
    assert_eq!(
        app.text("#auth-error"),
        "Secure storage (the system keyring) is unavailable."
    );
    assert!(app.find("#login-button").is_some());
}

#[wasm_bindgen_test]
async fn a_start_the_backend_knows_is_signed_out_shows_login_before_any_reply() {
    tauri(json!({"session": {"held": true}})).await;
    set_start(r#"{"signedOut": true}"#);
    let app = Mounted::at("/").await;
    set_start("null");
    assert_eq!(
        app.text("#login-button"),
        "Log in",
        "shown while `session` is unanswered"
    );
    assert_eq!(path(), "/login");
    release("session", r#"{"ok": null}"#);
    TimeoutFuture::new(50).await;
    assert_eq!(app.text("#login-button"), "Log in");
    assert!(app.find("#auth-error").is_none());
}

#[wasm_bindgen_test]
async fn a_start_the_backend_did_not_vouch_for_waits_for_the_stored_session() {
    tauri(json!({"session": {"held": true}})).await;
    set_start(r#"{"signedOut": false}"#);
    let app = Mounted::at("/home").await;
    set_start("null");
    assert!(app.find("#login-button").is_none(), "nothing decided yet");
    assert!(app.root.inner_html().contains("Opening your session"));
    release("session", &json!({"ok": ada()}).to_string());
    TimeoutFuture::new(50).await;
    assert_eq!(app.text("#welcome"), "Welcome, Ada Lovelace!");
}

#[wasm_bindgen_test]
async fn a_start_hint_as_old_as_the_window_is_corrected_by_the_stored_session() {
    // A reload after signing in: the script run before the page still says signed out.
    tauri(json!({"session": {"ok": ada()}})).await;
    set_start(r#"{"signedOut": true}"#);
    let app = Mounted::at("/login").await;
    set_start("null");
    assert_eq!(app.text("#welcome"), "Welcome, Ada Lovelace!");
    assert_eq!(path(), "/home");
}

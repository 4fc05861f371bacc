//! Tauri's own JavaScript API on its mock IPC, in headless Chromium: `window.__TAURI__` is the
//! pinned `@tauri-apps/api` (`core` and `event`, as the runtime injects them with
//! `withGlobalTauri`), and `mockIPC` from `@tauri-apps/api/mocks` answers at the layer the real
//! runtime does, events included. So every call goes the real way from Rust to the IPC.
//! Shared by `gatehouse-yew`'s tests and the Gatehouse UI's (`#[path]`).

#![allow(dead_code)] // each test file uses its own part

use gloo_timers::future::TimeoutFuture;
use serde_json::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

const TSLIB: &str =
    include_str!("../../../node_modules/@tauri-apps/api/external/tslib/tslib.es6.js");
const CORE: &str = include_str!("../../../node_modules/@tauri-apps/api/core.js");
const EVENT: &str = include_str!("../../../node_modules/@tauri-apps/api/event.js");
const MOCKS: &str = include_str!("../../../node_modules/@tauri-apps/api/mocks.js");

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

// Answers each command as `replies` says, keyed by the command's name without the plugin's
// prefix: {ok: value}, {err: value}, or {held: true} (the promise waits for `release`). Every
// command is logged, with its arguments.
export function answer(replies) {
  const mocks = window.__gatehouse_mocks;
  mocks.clearMocks();
  mocks.mockWindows('main');
  const test = { replies: JSON.parse(replies), calls: [], args: [], held: {} };
  window.__gatehouse_test = test;
  mocks.mockIPC((cmd, args) => {
    const name = cmd.replace(/^plugin:gatehouse\|/, '');
    test.calls.push(name);
    test.args.push(args ?? null);
    const reply = test.replies[name];
    if (reply === undefined) return Promise.reject('no reply for ' + cmd);
    if (reply.held) return new Promise((resolve, reject) => { test.held[name] = { resolve, reject }; });
    return 'ok' in reply ? reply.ok : Promise.reject(reply.err);
  }, { shouldMockEvents: true });
}

export function set_reply(cmd, reply) { window.__gatehouse_test.replies[cmd] = JSON.parse(reply); }

export function release(cmd, outcome) {
  const held = window.__gatehouse_test.held[cmd];
  const value = JSON.parse(outcome);
  'ok' in value ? held.resolve(value.ok) : held.reject(value.err);
}

// What the plugin's start script defines before the page runs (null: nothing).
export function set_start(value) {
  delete window.__GATEHOUSE_START__;
  if (value !== 'null') {
    Object.defineProperty(window, '__GATEHOUSE_START__', { value: JSON.parse(value), configurable: true });
  }
}

export function calls() { return JSON.stringify(window.__gatehouse_test.calls); }
export function args() { return JSON.stringify(window.__gatehouse_test.args); }

export function emit(event, payload) { return window.__TAURI__.event.emit(event, JSON.parse(payload)); }

// Takes Tauri's API out of the window, as in an app without withGlobalTauri.
export function remove_api() { const api = window.__TAURI__; delete window.__TAURI__; return api; }
export function restore_api(api) { window.__TAURI__ = api; }
"#)]
extern "C" {
    async fn load_api(tslib: &str, core: &str, event: &str, mocks: &str);
    fn answer(replies: &str);
    #[wasm_bindgen(js_name = set_reply)]
    fn set_reply_js(cmd: &str, reply: &str);
    #[wasm_bindgen(js_name = release)]
    fn release_js(cmd: &str, outcome: &str);
    fn calls() -> String;
    fn args() -> String;
    #[wasm_bindgen(js_name = set_start)]
    fn set_start_js(value: &str);
    fn emit(event: &str, payload: &str) -> js_sys::Promise;
    pub fn remove_api() -> JsValue;
    pub fn restore_api(api: JsValue);
}

/// A session's view as the plugin sends it.
pub fn ada() -> Value {
    serde_json::json!({"displayName": "Ada Lovelace", "email": "ada@example.test",
        "picture": null, "expiresAt": 4102444800i64, "canRenew": true, "storage": "persisted"})
}

/// `session`'s answer, or the event, for a signed-in person.
pub fn signed_in() -> Value {
    serde_json::json!({"status": "signedIn", "session": ada()})
}

/// `session`'s answer, or the event, for no session and nothing to say.
pub fn signed_out() -> Value {
    serde_json::json!({"status": "signedOut", "reason": null})
}

/// The event of a session that ended by itself: signed out, because it expired.
pub fn expired() -> Value {
    serde_json::json!({"status": "signedOut", "reason": {"kind": "expired",
        "message": "Your session expired. Log in again."}})
}

/// Tauri's API on the mock IPC, answering as `replies` says.
pub async fn tauri(replies: Value) {
    load_api(TSLIB, CORE, EVENT, MOCKS).await;
    answer(&replies.to_string());
}

pub fn set_reply(cmd: &str, reply: Value) {
    set_reply_js(cmd, &reply.to_string());
}

pub fn release(cmd: &str, outcome: Value) {
    release_js(cmd, &outcome.to_string());
}

/// What the start script says before the page runs; `Value::Null` for no script.
pub fn set_start(value: Value) {
    set_start_js(&value.to_string());
}

/// Emits `event` with `payload` as the backend would, and lets the page take it in.
pub async fn send(event: &str, payload: Value) {
    JsFuture::from(emit(event, &payload.to_string()))
        .await
        .expect("the event is emitted");
    TimeoutFuture::new(50).await;
}

/// How many times the command `cmd` (without the plugin's prefix) was invoked.
pub fn called(cmd: &str) -> usize {
    let calls: Vec<String> = serde_json::from_str(&calls()).unwrap();
    calls.iter().filter(|c| *c == cmd).count()
}

/// The arguments of every invoke so far, in order.
pub fn invoked_args() -> Vec<Value> {
    serde_json::from_str(&args()).unwrap()
}

/// A component mounted in a fresh element, at `path`; dropped, it is destroyed.
pub struct Mounted<C: yew::BaseComponent> {
    pub root: web_sys::Element,
    app: Option<yew::AppHandle<C>>,
}

impl<C: yew::BaseComponent> Mounted<C>
where
    C::Properties: Default,
{
    pub async fn at(path: &str) -> Self {
        let window = web_sys::window().unwrap();
        window
            .history()
            .unwrap()
            .replace_state_with_url(&JsValue::NULL, "", Some(path))
            .unwrap();
        let document = window.document().unwrap();
        let root = document.create_element("div").unwrap();
        document.body().unwrap().append_child(&root).unwrap();
        let app = yew::Renderer::<C>::with_root(root.clone()).render();
        TimeoutFuture::new(200).await;
        Self {
            root,
            app: Some(app),
        }
    }
}

impl<C: yew::BaseComponent> Mounted<C> {
    pub fn find(&self, css: &str) -> Option<web_sys::Element> {
        self.root.query_selector(css).unwrap()
    }

    pub fn get(&self, css: &str) -> web_sys::Element {
        self.find(css)
            .unwrap_or_else(|| panic!("no {css} in:\n{}", self.root.inner_html()))
    }

    pub fn text(&self, css: &str) -> String {
        self.get(css).text_content().unwrap_or_default()
    }

    pub async fn click(&self, css: &str) {
        let element: web_sys::HtmlElement = self.get(css).dyn_into().unwrap();
        element.click();
        TimeoutFuture::new(100).await;
    }
}

impl<C: yew::BaseComponent> Drop for Mounted<C> {
    fn drop(&mut self) {
        if let Some(app) = self.app.take() {
            app.destroy();
        }
        self.root.remove();
    }
}

/// The window's address.
pub fn path() -> String {
    web_sys::window().unwrap().location().pathname().unwrap()
}

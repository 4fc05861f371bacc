//! The plugin's commands and events, typed. Most apps use them through
//! [`crate::use_session`]; they are here for code that needs them directly.

use gatehouse_contract::{command, event, CommandError, SessionState, SignInWaiting};

use crate::ipc::{invoke, listen, Listening};

/// Starts a sign-in; resolves once signed in (the session arrives with
/// [`on_session_changed`]), or with why not: `cancelled`, `refused`, `timeout`…
pub async fn login() -> Result<(), CommandError> {
    invoke(command::LOGIN, &()).await
}

/// Ends the sign-in in progress; its [`login`] fails with the kind `cancelled`.
pub async fn cancel_login() -> Result<(), CommandError> {
    invoke(command::CANCEL_LOGIN, &()).await
}

/// Opens the waiting sign-in's page in the browser again.
pub async fn open_browser_again() -> Result<(), CommandError> {
    invoke(command::OPEN_BROWSER_AGAIN, &()).await
}

/// The seed's `loggedIn()`: a session is stored and its ID token outlives the minimum
/// remaining lifetime.
pub async fn logged_in() -> Result<bool, CommandError> {
    invoke(command::LOGGED_IN, &()).await
}

/// The session: signed in with its view, or signed out and why.
pub async fn session() -> Result<SessionState, CommandError> {
    invoke(command::SESSION, &()).await
}

/// Signs out.
pub async fn logout() -> Result<(), CommandError> {
    invoke(command::LOGOUT, &()).await
}

/// Calls `on_change` with the session at each of its changes.
pub async fn on_session_changed(
    on_change: impl FnMut(SessionState) + 'static,
) -> Result<Listening, CommandError> {
    listen(event::SESSION_CHANGED, on_change).await
}

/// Calls `on_waiting` whenever a sign-in waits for the browser: the page it was asked to open,
/// and whether it came up.
pub async fn on_sign_in_waiting(
    on_waiting: impl FnMut(SignInWaiting) + 'static,
) -> Result<Listening, CommandError> {
    listen(event::SIGN_IN_WAITING, on_waiting).await
}

/// Whether the plugin's start script said, before the page ran, that sign-in is configured and
/// no session is stored; false when there is no such script (and outside a browser).
#[cfg(target_arch = "wasm32")]
pub fn known_signed_out_at_start() -> bool {
    use wasm_bindgen::JsValue;
    let global = JsValue::from_str(gatehouse_contract::START_GLOBAL);
    let start = js_sys::Reflect::get(&js_sys::global(), &global).unwrap_or(JsValue::UNDEFINED);
    start.is_object()
        && js_sys::Reflect::get(&start, &JsValue::from_str("signedOut"))
            .ok()
            .and_then(|value| value.as_bool())
            == Some(true)
}

/// The URL of the first configured API's `probe`, as the plugin's start script gave it: a
/// call a page may make with [`crate::fetch::fetch`] to show that the API answers.
#[cfg(target_arch = "wasm32")]
pub fn api_probe_at_start() -> Option<String> {
    use wasm_bindgen::JsValue;
    let global = JsValue::from_str(gatehouse_contract::START_GLOBAL);
    let start = js_sys::Reflect::get(&js_sys::global(), &global).ok()?;
    if !start.is_object() {
        return None;
    }
    js_sys::Reflect::get(&start, &JsValue::from_str("apiProbe"))
        .ok()?
        .as_string()
}

/// Outside a browser there is no start script: none.
#[cfg(not(target_arch = "wasm32"))]
pub fn api_probe_at_start() -> Option<String> {
    None
}

/// Outside a browser there is no start script: false.
#[cfg(not(target_arch = "wasm32"))]
pub fn known_signed_out_at_start() -> bool {
    false
}

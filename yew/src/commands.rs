//! The plugin's commands and events, typed. Most apps use them through
//! [`crate::use_session`]; they are here for code that needs them directly.

use gatehouse_contract::{command, event, CommandError, SessionState, SignInWaiting, StartHint};

use crate::ipc::{invoke, listen, Listening};

/// Starts a sign-in (the plugin's `login` command); resolves once signed in (the session arrives with
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

/// Whether the person is signed in: a session is stored and its ID token outlives the minimum
/// remaining lifetime.
pub async fn logged_in() -> Result<bool, CommandError> {
    invoke(command::LOGGED_IN, &()).await
}

/// The session: signed in with its view, or signed out and why.
pub async fn session() -> Result<SessionState, CommandError> {
    invoke(command::SESSION, &()).await
}

/// Signs out (the plugin's `logout` command).
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

/// What the plugin's start script told the window before the page ran (see
/// `Gatehouse::start_script` in `tauri-plugin-gatehouse`); `None` without such a script, and
/// outside a browser.
#[cfg(target_arch = "wasm32")]
pub fn start_hint() -> Option<StartHint> {
    use wasm_bindgen::JsValue;
    let global = JsValue::from_str(gatehouse_contract::START_GLOBAL);
    let start = js_sys::Reflect::get(&js_sys::global(), &global).ok()?;
    if start.is_undefined() {
        return None;
    }
    serde_wasm_bindgen::from_value(start).ok()
}

/// Outside a browser there is no start script: none.
#[cfg(not(target_arch = "wasm32"))]
pub fn start_hint() -> Option<StartHint> {
    None
}

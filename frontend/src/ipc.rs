//! The one way to the backend: typed wrappers over Tauri's `invoke` and `listen`.
//!
//! Every reply is decoded into the contract's types; a reply that does not decode is an
//! `internal` error, never a panic.

use gatehouse_contract::{command, event, CommandError, ErrorKind, SessionView, SignInWaiting};
use wasm_bindgen::prelude::*;

use crate::decode::{self, FromJs};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], js_name = invoke, catch)]
    async fn tauri_invoke(cmd: &str) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "event"], js_name = listen, catch)]
    async fn tauri_listen(
        event: &str,
        handler: &Closure<dyn FnMut(JsValue)>,
    ) -> Result<JsValue, JsValue>;
}

async fn call<T: FromJs>(cmd: &str) -> Result<T, CommandError> {
    match tauri_invoke(cmd).await {
        Ok(value) => T::from_js(&value).map_err(|e| {
            CommandError::new(
                ErrorKind::Internal,
                format!("The app sent an unexpected reply to {cmd}: {e}"),
            )
        }),
        Err(error) => Err(decode_error(cmd, error)),
    }
}

fn decode_error(cmd: &str, error: JsValue) -> CommandError {
    CommandError::from_js(&error).unwrap_or_else(|_| {
        let text = error.as_string().unwrap_or_else(|| format!("{error:?}"));
        CommandError::new(
            ErrorKind::Internal,
            format!("The app could not run {cmd}: {text}"),
        )
    })
}

/// Whether the backend said, before the page ran, that the app is configured and no session
/// is stored (the global [`gatehouse_contract::START_GLOBAL`]); false when it did not say.
pub fn known_signed_out_at_start() -> bool {
    let start = js_sys::Reflect::get(
        &js_sys::global(),
        &JsValue::from_str(gatehouse_contract::START_GLOBAL),
    )
    .unwrap_or(JsValue::UNDEFINED);
    !start.is_undefined()
        && !start.is_null()
        && js_sys::Reflect::get(&start, &JsValue::from_str("signedOut"))
            .ok()
            .and_then(|value| value.as_bool())
            == Some(true)
}

pub async fn login() -> Result<SessionView, CommandError> {
    call(command::LOGIN).await
}

pub async fn cancel_login() -> Result<(), CommandError> {
    call(command::CANCEL_LOGIN).await
}

pub async fn logged_in() -> Result<bool, CommandError> {
    call(command::LOGGED_IN).await
}

pub async fn session() -> Result<Option<SessionView>, CommandError> {
    call(command::SESSION).await
}

pub async fn logout() -> Result<(), CommandError> {
    call(command::LOGOUT).await
}

pub async fn open_browser_again() -> Result<(), CommandError> {
    call(command::OPEN_BROWSER_AGAIN).await
}

/// Calls `on_change` with every `session-changed` payload, for the life of the page.
pub async fn on_session_changed(
    on_change: impl FnMut(Option<SessionView>) + 'static,
) -> Result<(), CommandError> {
    listen(event::SESSION_CHANGED, on_change).await
}

/// Calls `on_waiting` with every `sign-in-waiting` payload, for the life of the page.
pub async fn on_sign_in_waiting(
    on_waiting: impl FnMut(SignInWaiting) + 'static,
) -> Result<(), CommandError> {
    listen(event::SIGN_IN_WAITING, on_waiting).await
}

/// Calls `handler` with each of `event`'s payloads that decodes; the others are logged and
/// dropped.
async fn listen<T: FromJs + 'static>(
    event: &'static str,
    mut handler: impl FnMut(T) + 'static,
) -> Result<(), CommandError> {
    let closure =
        Closure::<dyn FnMut(JsValue)>::new(move |message: JsValue| {
            match decode::payload::<T>(&message) {
                Ok(value) => handler(value),
                Err(e) => web_sys_log(&format!("ignoring a malformed {event} event: {e}")),
            }
        });
    tauri_listen(event, &closure)
        .await
        .map_err(|e| decode_error("listen", e))?;
    // The listener lives as long as the page.
    closure.forget();
    Ok(())
}

fn web_sys_log(message: &str) {
    #[cfg(target_arch = "wasm32")]
    web_sys::console::warn_1(&JsValue::from_str(message));
    #[cfg(not(target_arch = "wasm32"))]
    let _ = message;
}

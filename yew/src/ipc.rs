//! Typed `invoke` and `listen` over Tauri's JavaScript API (`window.__TAURI__`, which
//! `app.withGlobalTauri` puts in the window), through serde: every argument is serialised,
//! every reply and event payload deserialised into a type, or turned into a clear
//! [`CommandError`]. Never a panic, never an `unwrap` on what the backend sent.
//!
//! They serve the host app's own commands too:
//!
//! ```no_run
//! use gatehouse_yew::ipc::invoke;
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize)]
//! struct Query<'a> { customer: &'a str }
//!
//! #[derive(Deserialize)]
//! struct Orders { count: u32 }
//!
//! # async fn run() -> Result<(), gatehouse_contract::CommandError> {
//! let orders: Orders = invoke("orders", &Query { customer: "ada" }).await?;
//! # let _ = orders.count;
//! # Ok(())
//! # }
//! ```

use gatehouse_contract::{CommandError, ErrorKind};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], js_name = invoke, catch)]
    async fn tauri_invoke(cmd: &str, args: JsValue) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "event"], js_name = listen, catch)]
    async fn tauri_listen(
        event: &str,
        handler: &Closure<dyn FnMut(JsValue)>,
    ) -> Result<JsValue, JsValue>;
}

/// Invokes the command `cmd` with `args` (any serde value that serialises to a JSON object;
/// `&()` for none) and deserialises its reply.
///
/// A command's own error arrives as its `{ kind, message }`; anything else that goes wrong (no
/// Tauri API in the window, a reply of another shape) is a [`CommandError`] of the kind
/// `internal` that says what happened.
pub async fn invoke<A, T>(cmd: &str, args: &A) -> Result<T, CommandError>
where
    A: Serialize + ?Sized,
    T: DeserializeOwned,
{
    api_in_window()?;
    let args = args
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| internal(format!("The arguments of {cmd} cannot be sent: {e}")))?;
    // No arguments: let Tauri send its empty object.
    let args = if args.is_null() {
        JsValue::UNDEFINED
    } else {
        args
    };
    match tauri_invoke(cmd, args).await {
        Ok(reply) => serde_wasm_bindgen::from_value(reply)
            .map_err(|e| internal(format!("The app sent an unexpected reply to {cmd}: {e}"))),
        Err(rejection) => Err(rejected(cmd, rejection)),
    }
}

/// Calls `handler` with each payload of `event` that deserialises into `T`; a payload that
/// does not is logged to the console and dropped. Listens until the returned [`Listening`] is
/// dropped.
pub async fn listen<T, F>(event: &str, mut handler: F) -> Result<Listening, CommandError>
where
    T: DeserializeOwned + 'static,
    F: FnMut(T) + 'static,
{
    api_in_window()?;
    let name = event.to_owned();
    let closure = Closure::<dyn FnMut(JsValue)>::new(move |message: JsValue| {
        let payload = js_sys::Reflect::get(&message, &JsValue::from_str("payload"))
            .unwrap_or(JsValue::UNDEFINED);
        match serde_wasm_bindgen::from_value::<T>(payload) {
            Ok(value) => handler(value),
            Err(e) => warn(&format!("ignoring a malformed {name} event: {e}")),
        }
    });
    let unlisten = tauri_listen(event, &closure)
        .await
        .map_err(|e| rejected("listen", e))?;
    Ok(Listening {
        unlisten: unlisten.dyn_into().ok(),
        handler: Some(closure),
    })
}

/// An event listener; dropping it stops the listening.
#[must_use = "dropping it stops the listening at once"]
pub struct Listening {
    unlisten: Option<js_sys::Function>,
    handler: Option<Closure<dyn FnMut(JsValue)>>,
}

impl Listening {
    /// Keeps listening for the life of the page.
    pub fn forever(mut self) {
        if let Some(handler) = self.handler.take() {
            handler.forget();
        }
        self.unlisten = None;
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        let handler = self.handler.take();
        let Some(unlisten) = self.unlisten.take() else {
            return;
        };
        // The handler is freed once Tauri has let go of it, not before: an event on its way
        // must not find it gone.
        let done = unlisten
            .call0(&JsValue::NULL)
            .ok()
            .and_then(|promise| promise.dyn_into::<js_sys::Promise>().ok());
        wasm_bindgen_futures::spawn_local(async move {
            if let Some(done) = done {
                let _ = wasm_bindgen_futures::JsFuture::from(done).await;
            }
            drop(handler);
        });
    }
}

/// Tauri's JavaScript API is in the window (`app.withGlobalTauri`), or a sentence saying how to
/// put it there: calling into a missing one would throw past the bindings.
fn api_in_window() -> Result<(), CommandError> {
    let tauri = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("__TAURI__"))
        .unwrap_or(JsValue::UNDEFINED);
    if tauri.is_object() {
        Ok(())
    } else {
        Err(internal(
            "Tauri's JavaScript API is not in this window: set \"withGlobalTauri\": true under \
             \"app\" in tauri.conf.json."
                .to_owned(),
        ))
    }
}

/// A rejection as the command sent it (`{ kind, message }`), or what it was when it is not one.
fn rejected(cmd: &str, rejection: JsValue) -> CommandError {
    serde_wasm_bindgen::from_value::<CommandError>(rejection.clone()).unwrap_or_else(|_| {
        let text = rejection
            .as_string()
            .or_else(|| {
                rejection
                    .dyn_ref::<js_sys::Error>()
                    .map(|e| String::from(e.message()))
            })
            .unwrap_or_else(|| format!("{rejection:?}"));
        internal(format!("The app could not run {cmd}: {text}"))
    })
}

fn internal(message: String) -> CommandError {
    CommandError::new(ErrorKind::Internal, message)
}

fn warn(message: &str) {
    #[cfg(target_arch = "wasm32")]
    web_sys::console::warn_1(&JsValue::from_str(message));
    #[cfg(not(target_arch = "wasm32"))]
    let _ = message;
}

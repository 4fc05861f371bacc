//! What Gatehouse's backend tells its window before the page runs, beyond the plugin's
//! `StartHint`: the app's own demo of an API call.

/// The global the backend's start script defines: `{ apiProbe: string | null }`, the URL of
/// the first configured API's `probe`, which Home calls through the plugin's `fetch`.
pub const APP_GLOBAL: &str = "__GATEHOUSE_APP__";

/// The probe's URL, when the backend gave one.
#[cfg(target_arch = "wasm32")]
pub fn api_probe() -> Option<String> {
    use wasm_bindgen::JsValue;
    let app = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str(APP_GLOBAL)).ok()?;
    if !app.is_object() {
        return None;
    }
    js_sys::Reflect::get(&app, &JsValue::from_str("apiProbe"))
        .ok()?
        .as_string()
}

/// Outside a browser there is no start script: none.
#[cfg(not(target_arch = "wasm32"))]
pub fn api_probe() -> Option<String> {
    None
}

//! Gatehouse on Tauri's mock runtime, and an invoke request as its main window's `invoke`
//! sends it, from the window's own origin: shared by the IPC tests and the IPC bench.

use tauri::test::{mock_builder, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow, WebviewWindowBuilder};

/// The app as the window runs it, with its main window.
pub fn gatehouse_app() -> (App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let app = gatehouse_lib::build(mock_builder())
        .build(tauri::generate_context!())
        .expect("the app builds on the mock runtime");
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("the main window opens");
    (app, window)
}

pub fn invoke_request(cmd: &str) -> InvokeRequest {
    invoke_request_with(cmd, tauri::ipc::InvokeBody::default())
}

/// An invoke request with `body` as its arguments.
pub fn invoke_request_with(cmd: &str, body: tauri::ipc::InvokeBody) -> InvokeRequest {
    InvokeRequest {
        cmd: cmd.into(),
        callback: tauri::ipc::CallbackFn(0),
        error: tauri::ipc::CallbackFn(1),
        url: "tauri://localhost".parse().unwrap(),
        body,
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    }
}

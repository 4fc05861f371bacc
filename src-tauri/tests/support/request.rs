//! An invoke request as the main window's `invoke` sends it, from the window's own origin:
//! shared by the IPC tests and the IPC bench.

use tauri::test::INVOKE_KEY;
use tauri::webview::InvokeRequest;

pub fn invoke_request(cmd: &str) -> InvokeRequest {
    InvokeRequest {
        cmd: cmd.into(),
        callback: tauri::ipc::CallbackFn(0),
        error: tauri::ipc::CallbackFn(1),
        url: "tauri://localhost".parse().unwrap(),
        body: tauri::ipc::InvokeBody::default(),
        headers: Default::default(),
        invoke_key: INVOKE_KEY.to_string(),
    }
}

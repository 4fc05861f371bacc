//! The bare app: one window, one page, one command that does nothing.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

/// The reply of [`noop`], which the page decodes with serde.
#[derive(serde::Serialize)]
struct Pong {
    ok: bool,
}

/// Does nothing: the cost of a round trip through the IPC alone.
#[tauri::command]
fn noop() -> Pong {
    Pong { ok: true }
}

fn main() {
    tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![noop])
        .run(tauri::generate_context!())
        .expect("the bare app could not start its window");
}

//! `logged_in` through Tauri's IPC (`tauri::test`, the mock runtime: the same invoke path as the
//! window's, without a display) against a no-op command through the same IPC, alternating, as
//! a ratio. `logged_in` reads memory only: no disk, keyring or network after start.
//!
//! The no-op is a command of the same name in a plugin of the same name, in the same app
//! context, so both invokes pass the same capability check: the ratio is what the plugin's
//! command adds to a plugin command that does nothing.
//!
//! `cargo bench -p gatehouse --bench ipc`; `cargo test --benches` runs one short round.

use std::hint::black_box;
use std::time::{Duration, Instant};

use gatehouse_contract::command;
use tauri::test::{get_ipc_response, mock_builder, MockRuntime};
use tauri::{WebviewWindow, WebviewWindowBuilder};

#[path = "../tests/support/request.rs"]
mod request;
use request::{gatehouse_app, invoke_request};

/// Does nothing: the IPC's own cost, under the name the capability allows.
#[tauri::command]
fn logged_in() -> bool {
    false
}

/// A plugin named like Gatehouse's whose `logged_in` does nothing.
fn noop_plugin() -> tauri::plugin::TauriPlugin<MockRuntime> {
    tauri::plugin::Builder::new(gatehouse_contract::PLUGIN)
        .invoke_handler(tauri::generate_handler![logged_in])
        .build()
}

/// The median time of one invoke of `cmd` on `window`, over rounds of `batch`.
fn time(window: &WebviewWindow<MockRuntime>, cmd: &str, batch: u32) -> Duration {
    let started = Instant::now();
    for _ in 0..batch {
        black_box(get_ipc_response(window, invoke_request(cmd)).expect("the command answers"));
    }
    started.elapsed() / batch
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (rounds, batch) = if full { (31, 500) } else { (3, 10) };

    // Gatehouse as the window runs it, configured, on private folders, with nothing stored.
    let home = std::env::temp_dir().join(format!("gatehouse-ipc-bench-{}", std::process::id()));
    std::env::set_var("XDG_DATA_HOME", home.join("data"));
    std::env::set_var("XDG_CONFIG_HOME", home.join("config"));
    std::env::set_var("GATEHOUSE_ISSUER", "http://127.0.0.1:9/");
    std::env::set_var("GATEHOUSE_CLIENT_ID", "bench");
    let (_app, gatehouse) = gatehouse_app();

    let bare = mock_builder()
        .plugin(noop_plugin())
        .build(tauri::generate_context!())
        .expect("the bare app builds");
    let bare_window = WebviewWindowBuilder::new(&bare, "main", Default::default())
        .build()
        .expect("the bare window opens");

    let (mut base, mut ours) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        base.push(time(&bare_window, command::LOGGED_IN, batch));
        ours.push(time(&gatehouse, command::LOGGED_IN, batch));
    }
    let (base, ours) = (median(base), median(ours));
    println!(
        "{:<40} baseline {:>10.2?}  gatehouse {:>10.2?}  ratio {:.2}",
        "ipc: logged_in vs no-op command",
        base,
        ours,
        ours.as_secs_f64() / base.as_secs_f64()
    );
    let _ = std::fs::remove_dir_all(home);
}

//! Gatehouse's desktop backend: the Tauri app around [`gatehouse_core`].
//!
//! The app is built by [`build`], which takes any [`tauri::Builder`], so the IPC tests drive
//! the very same app through `tauri::test::mock_builder()`. A mock app never runs its event
//! loop, so tests call [`setup`] themselves, as the builder's setup hook does for the real one.

mod cmd;
mod state;
mod store;

use tauri::{Manager, Runtime};

pub use state::AppAuth;

/// The name of the store file that holds the sealed session, in the app data directory.
pub const STORE_FILE: &str = "session.json";

/// Adds Gatehouse's plugins, commands and state to `builder`.
pub fn build<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder
        .invoke_handler(tauri::generate_handler![
            cmd::login,
            cmd::cancel_login,
            cmd::logged_in,
            cmd::session,
            cmd::logout,
            cmd::open_browser_again
        ])
        .setup(|app| {
            setup(app.handle());
            Ok(())
        })
}

/// Resolves the configuration and starts opening the stored session.
pub fn setup<R: Runtime>(app: &tauri::AppHandle<R>) {
    if app.try_state::<AppAuth>().is_none() {
        app.manage(AppAuth::start(app));
    }
}

/// Runs the desktop app. One instance at a time: a second launch brings the first window
/// forward and exits, so two processes never race on one refresh token.
pub fn run() {
    init_logging();
    let single_instance = tauri_plugin_single_instance::init(|app, _args, _cwd| {
        if let Some(window) = app.get_webview_window("main") {
            bring_forward(&window);
        }
    });
    // The single-instance plugin goes first, before anything else starts.
    build(tauri::Builder::default().plugin(single_instance))
        .run(tauri::generate_context!())
        .expect("Gatehouse could not start its window");
}

/// Unminimises, shows and focuses `window`. Best effort: a window manager may refuse focus.
fn bring_forward<R: Runtime>(window: &tauri::WebviewWindow<R>) {
    let _ = window.unminimize();
    let _ = window.show();
    if let Err(e) = window.set_focus() {
        tracing::debug!(error = %e, "the window could not take the focus");
    }
}

/// Logs to stderr, `info` by default, `RUST_LOG` to change it. Nothing logged carries a token.
fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,tao=warn,wry=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

//! Gatehouse's desktop backend: the Tauri app around [`gatehouse_core`].
//!
//! The app is built by [`build`], which takes any [`tauri::Builder`], so the IPC tests drive
//! the very same app through `tauri::test::mock_builder()`. A mock app never runs its event
//! loop, so tests call [`setup`] themselves, as the builder's setup hook does for the real one.

mod cli;
mod cmd;
#[cfg(target_os = "linux")]
mod single_instance;
mod state;
mod store;

use tauri::{Manager, Runtime};

pub use state::AppAuth;

/// The name of the store file that holds the sealed session, in the app data directory.
pub const STORE_FILE: &str = "session.json";

/// Adds Gatehouse's plugins, commands and state to `builder`.
pub fn build<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    let commands: fn(tauri::ipc::Invoke<R>) -> bool = tauri::generate_handler![
        cmd::login,
        cmd::cancel_login,
        cmd::logged_in,
        cmd::session,
        cmd::logout,
        cmd::open_browser_again
    ];
    builder
        // Tauri has checked the capabilities before a handler sees the invoke.
        .invoke_handler(move |invoke| match cmd::logged_in_now(&invoke) {
            Some(answer) => {
                invoke.resolver.resolve(answer);
                true
            }
            None => commands(invoke),
        })
        .setup(|app| start(app.handle()))
}

/// Resolves the configuration, starts opening the stored session, then opens the main window
/// (declared in `tauri.conf.json` with `create: false`) with what it may know at once.
fn start<R: Runtime>(app: &tauri::AppHandle<R>) -> Result<(), Box<dyn std::error::Error>> {
    setup(app);
    let Some(config) = app.config().app.windows.iter().find(|w| w.label == "main") else {
        return Ok(());
    };
    let script = app.state::<AppAuth>().start_script();
    tauri::WebviewWindowBuilder::from_config(app, config)?
        .initialization_script(&script)
        .build()?;
    Ok(())
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
    let context = tauri::generate_context!();
    let (product, identifier) = {
        let config = context.config();
        let product = config
            .product_name
            .clone()
            .unwrap_or_else(|| "Gatehouse".into());
        (product, config.identifier.clone())
    };
    match cli::parse(std::env::args().skip(1)) {
        cli::Command::Version => return print!("{}", cli::version(&product)),
        cli::Command::Help => return print!("{}", cli::help(&product, &identifier)),
        cli::Command::Run => {}
    }
    init_logging();
    #[cfg(target_os = "linux")]
    let builder = match single_instance::claim(&context.config().identifier) {
        single_instance::Instance::Second => return,
        single_instance::Instance::First(later_launches) => {
            build(tauri::Builder::default()).setup(move |app| {
                start(app.handle())?;
                let handle = app.handle().clone();
                std::thread::Builder::new()
                    .name("bring-forward".into())
                    .spawn(move || {
                        for () in later_launches {
                            if let Some(window) = handle.get_webview_window("main") {
                                bring_forward(&window);
                            }
                        }
                    })?;
                Ok(())
            })
        }
    };
    // Elsewhere the plugin keeps to one instance; it goes first, before anything else starts.
    #[cfg(not(target_os = "linux"))]
    let builder = build(
        tauri::Builder::default().plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            if let Some(window) = app.get_webview_window("main") {
                bring_forward(&window);
            }
        })),
    );
    builder
        .run(context)
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

/// Logs to stderr, `info` by default, `RUST_LOG` to change it (`level` or `target=level`
/// directives, comma-separated). Nothing logged carries a token. At `debug` the sign-in's
/// spans log their durations when they close (`RUST_LOG=gatehouse_core=debug`).
fn init_logging() {
    use tracing_subscriber::filter::Targets;
    use tracing_subscriber::fmt::format::FmtSpan;
    use tracing_subscriber::prelude::*;
    const DEFAULT: &str = "info,tao=warn,wry=warn";
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|directives| directives.parse::<Targets>().ok())
        .unwrap_or_else(|| DEFAULT.parse().expect("the default directives parse"));
    let _ = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_span_events(FmtSpan::CLOSE),
        )
        .with(filter)
        .try_init();
}

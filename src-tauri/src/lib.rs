//! Gatehouse's desktop backend: a Tauri app around `tauri-plugin-gatehouse`, its first user.
//!
//! The sign-in, the session and its commands are the plugin's. What stays here is the app's
//! own: its configuration layer for installed users ([`settings`]), one instance at a time,
//! the command line, logging, the window it opens, and bringing that window forward after a
//! sign-in.
//!
//! The app is built by [`build`], which takes any [`tauri::Builder`], so the IPC tests drive
//! the very same app through `tauri::test::mock_builder()`.

mod cli;
pub mod settings;
#[cfg(target_os = "linux")]
mod single_instance;

use tauri::{Manager, Runtime};
use tauri_plugin_gatehouse::GatehouseExt;

/// The store file that holds the sealed session, in the app data directory. Gatehouse's own
/// name from before it was a plugin, so that an installed app keeps its session.
pub const STORE_FILE: &str = "session.json";

/// Adds the sign-in to `builder`, with Gatehouse's own configuration layer over the
/// `plugins.gatehouse` settings of `tauri.conf.json`.
pub fn build<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder.plugin(
        tauri_plugin_gatehouse::Builder::new()
            .store_file(STORE_FILE)
            .layer(settings::layer)
            // The person was last looking at the browser.
            .on_sign_in(|app, _| bring_forward(app))
            .build(),
    )
}

/// Opens the main window (declared in `tauri.conf.json` with `create: false`) on the page the
/// start most likely shows, `/login` when nothing is stored and `/home` otherwise (its guard
/// sends the person on when the stored session is no good), with the plugin's start script,
/// so that a clean start draws `/login` without waiting for IPC and no start redraws its first
/// page at another address.
fn open_window<R: Runtime>(app: &tauri::AppHandle<R>) -> Result<(), Box<dyn std::error::Error>> {
    let _span = tracing::debug_span!("open_window").entered();
    let Some(config) = app.config().app.windows.iter().find(|w| w.label == "main") else {
        return Ok(());
    };
    let gatehouse = app.gatehouse();
    let page = if gatehouse.nothing_stored() {
        "login"
    } else {
        "home"
    };
    let config = tauri::utils::config::WindowConfig {
        url: tauri::WebviewUrl::App(page.into()),
        ..config.clone()
    };
    let dev_url = app.config().build.dev_url.clone();
    let platform = Platform::current(config.use_https_scheme);
    tauri::WebviewWindowBuilder::from_config(app, &config)?
        .initialization_script(gatehouse.start_script())
        .initialization_script(app_script(app))
        // RFC 8252 §8.12: the provider's pages (and any other) only ever in the system
        // browser. The window stays on the app's own pages: no navigation away, no new window.
        .on_navigation(move |url| {
            let home = is_home(url, platform, dev_url.as_ref());
            if !home {
                tracing::info!(
                    host = url.host_str().unwrap_or(""),
                    "the window stays on the app's own pages"
                );
            }
            home
        })
        .on_new_window(|url, _| {
            tracing::info!(
                host = url.host_str().unwrap_or(""),
                "no new window is opened"
            );
            tauri::webview::NewWindowResponse::Deny
        })
        .build()?;
    Ok(())
}

/// The app's own script for its window, run before the page: `window.__GATEHOUSE_APP__`
/// (the UI's `start::APP_GLOBAL`) holds the URL of the first configured API's `probe`, which
/// Home calls through the plugin's `fetch` to show that the API answers.
pub fn app_script<R: Runtime>(app: &tauri::AppHandle<R>) -> String {
    let probe = app
        .gatehouse()
        .config()
        .ok()
        .and_then(|config| config.apis.iter().find_map(|api| api.probe_url()))
        .map(String::from);
    let hint = serde_json::json!({ "apiProbe": probe });
    format!(
        "Object.defineProperty(window, '__GATEHOUSE_APP__', {{ value: Object.freeze({hint}) }});"
    )
}

/// Where the app's own pages come from: Tauri's custom protocol, which is
/// `tauri://localhost` on Linux and macOS and `http://tauri.localhost` on Windows
/// (`https://tauri.localhost` when the window sets `useHttpsScheme`), never with a port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Platform {
    Windows { https: bool },
    LinuxOrMacos,
}

impl Platform {
    fn current(use_https_scheme: bool) -> Self {
        if cfg!(windows) {
            Self::Windows {
                https: use_https_scheme,
            }
        } else {
            Self::LinuxOrMacos
        }
    }
}

/// Whether `url` is one of the app's own pages on `platform`, or in a debug build the dev
/// server's origin. Exactly the app's origin: `http://tauri.localhost:{port}` is whoever
/// listens on that port, since `*.localhost` resolves to 127.0.0.1 (systemd-resolved answers
/// it so), and `http://tauri.localhost` is a server of this machine's everywhere but Windows.
fn is_home(url: &tauri::Url, platform: Platform, dev_url: Option<&tauri::Url>) -> bool {
    let (scheme, host) = match platform {
        Platform::LinuxOrMacos => ("tauri", "localhost"),
        Platform::Windows { https: false } => ("http", "tauri.localhost"),
        Platform::Windows { https: true } => ("https", "tauri.localhost"),
    };
    let own = url.scheme() == scheme && url.host_str() == Some(host) && url.port().is_none();
    own || (cfg!(debug_assertions) && dev_url.is_some_and(|dev| dev.origin() == url.origin()))
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
        cli::Command::Version => return cli::print(&cli::version(&product)),
        cli::Command::Help => return cli::print(&cli::help(&product, &identifier)),
        cli::Command::Run => {}
    }
    init_logging();
    #[cfg(target_os = "linux")]
    let claimed = tracing::debug_span!("single_instance")
        .in_scope(|| single_instance::claim(&context.config().identifier));
    #[cfg(target_os = "linux")]
    let builder = match claimed {
        single_instance::Instance::Second => return,
        single_instance::Instance::First(later_launches) => {
            build(tauri::Builder::default()).setup(move |app| {
                open_window(app.handle())?;
                let handle = app.handle().clone();
                std::thread::Builder::new()
                    .name("bring-forward".into())
                    .spawn(move || {
                        for () in later_launches {
                            bring_forward(&handle);
                        }
                    })?;
                Ok(())
            })
        }
    };
    // Elsewhere the plugin keeps to one instance; it goes first, before anything else starts.
    #[cfg(not(target_os = "linux"))]
    let builder = build(
        tauri::Builder::default()
            .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
                bring_forward(app)
            }))
            .setup(|app| open_window(app.handle())),
    );
    if let Err(e) = builder.run(context) {
        // A bad `plugins.gatehouse` setting, or no window: say so and stop.
        eprintln!("{product} could not start: {e}");
        std::process::exit(1);
    }
}

/// Unminimises, shows and focuses the main window. Best effort: a window manager may refuse
/// focus.
fn bring_forward<R: Runtime>(app: &tauri::AppHandle<R>) {
    let Some(window) = app.get_webview_window("main") else {
        return;
    };
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

#[cfg(test)]
mod tests {
    use super::{is_home, Platform};

    fn url(text: &str) -> tauri::Url {
        tauri::Url::parse(text).unwrap()
    }

    /// Pages no system's app is: other servers, look-alike hosts, other schemes, and the app's
    /// host with a port (a neighbour's server on that port).
    const NEVER: [&str; 8] = [
        "http://127.0.0.1:4000/authorize",
        "https://tenant.eu.auth0.com/authorize",
        "tauri://localhost.evil.example/",
        "https://tauri.localhost.evil.example/",
        "http://tauri.localhost:4000/login",
        "tauri://localhost:4000/login",
        "file:///etc/passwd",
        "javascript:alert(1)",
    ];

    fn only_home(platform: Platform, homes: &[&str], others: &[&str]) {
        for home in homes {
            assert!(is_home(&url(home), platform, None), "{platform:?}: {home}");
        }
        for away in NEVER.iter().chain(others) {
            assert!(!is_home(&url(away), platform, None), "{platform:?}: {away}");
        }
    }

    #[test]
    fn on_linux_and_macos_home_is_tauri_localhost_alone() {
        only_home(
            Platform::LinuxOrMacos,
            &["tauri://localhost/login", "tauri://localhost/"],
            &["http://tauri.localhost/home", "https://tauri.localhost/"],
        );
    }

    #[test]
    fn on_windows_home_is_http_tauri_localhost_without_a_port() {
        only_home(
            Platform::Windows { https: false },
            &["http://tauri.localhost/home", "http://tauri.localhost/"],
            &["tauri://localhost/login", "https://tauri.localhost/"],
        );
    }

    #[test]
    fn on_windows_with_use_https_scheme_home_is_https_tauri_localhost() {
        only_home(
            Platform::Windows { https: true },
            &["https://tauri.localhost/home"],
            &["tauri://localhost/login", "http://tauri.localhost/home"],
        );
    }

    #[test]
    fn the_dev_servers_origin_is_home_only_in_a_debug_build() {
        let dev = url("http://localhost:1420/");
        let home = is_home(
            &url("http://localhost:1420/login"),
            Platform::LinuxOrMacos,
            Some(&dev),
        );
        assert_eq!(home, cfg!(debug_assertions));
        assert!(!is_home(
            &url("http://localhost:1421/login"),
            Platform::LinuxOrMacos,
            Some(&dev)
        ));
    }
}

//! Sign in with OpenID Connect in a Tauri 2 app, the way a native app must: the Authorization
//! Code flow with PKCE through the system browser and a loopback redirect (RFC 8252), an ID
//! token verified against the provider's keys (OIDC Core 3.1.3.7), the session sealed on disk
//! under a key in the OS keyring, silent renewal with the refresh token, revocation at logout.
//! Auth0 first, any compliant provider too.
//!
//! Tokens stay in Rust. The webview sees a [`SessionView`] (a name, an email, a picture, an
//! expiry) and the commands below; the host's own Rust code calls its APIs with
//! [`Gatehouse::fetch`], or takes a token with its scheme from [`Gatehouse::access_token_for`]
//! (and a DPoP proof from [`Gatehouse::dpop_proof`]) for an HTTP client of its own.
//!
//! # Use
//!
//! ```no_run
//! fn run(context: tauri::Context) {
//!     tauri::Builder::default()
//!         .plugin(tauri_plugin_gatehouse::init())
//!         .run(context) // tauri::generate_context!() in the app
//!         .expect("error while running the app");
//! }
//! ```
//!
//! with the settings in `tauri.conf.json` (see [`Settings`]; a bad value stops the start with a
//! sentence that names it):
//!
//! ```json
//! { "plugins": { "gatehouse": {
//!     "issuer": "https://tenant.eu.auth0.com/", "clientId": "…", "redirectPort": 7890
//! } } }
//! ```
//!
//! and the commands granted to the window in a capability file: `"gatehouse:default"`, with
//! `"core:event:default"` for the events. Calling the app's APIs from the page is granted on
//! its own, to the windows that need it, and may be scoped to some of the APIs (see
//! [`ApiScope`]):
//!
//! ```json
//! { "identifier": "gatehouse:allow-fetch", "allow": [{ "api": "https://orders.example/" }] }
//! ```
//!
//! # Commands and events
//!
//! `plugin:gatehouse|login`, `cancel_login`, `open_browser_again`, `logged_in`, `session`,
//! `logout` and `fetch` (names in [`gatehouse_contract::command`]); events `gatehouse://session-changed`
//! (a [`SessionState`]: signed in with its view, or signed out and why) and
//! `gatehouse://sign-in-waiting` (a [`SignInWaiting`]: the page the browser was asked to open).
//! `gatehouse-yew` is the UI side: a provider component, `use_session()`, route guards.

#![warn(missing_docs)]

mod commands;
mod desktop;
mod error;
mod scope;

use std::sync::Arc;

use tauri::plugin::TauriPlugin;
use tauri::{AppHandle, Manager, Runtime};

pub use desktop::Gatehouse;
pub use error::{Error, Result};
pub use gatehouse_contract::{
    CommandError, ErrorKind, FetchRequest, FetchResponse, SessionState, SessionView, SignInWaiting,
    StartHint, StorageStatus,
};
pub use gatehouse_core::access_token::{AccessToken, TokenScheme};
pub use gatehouse_core::config::{
    auth0_issuer, reference_table, Api, ApiSettings, Config, ConfigError, DpopMode, LayerError,
    Naming, PromptAfterLogout, Provider, RedirectHost, ResourceParameter, Setting, Settings,
};
pub use gatehouse_core::secret::Secret;
pub use scope::ApiScope;

/// The store file the session is sealed in unless [`Builder::store_file`] says otherwise:
/// named after the plugin, so that the host's own stores beside it never clash with it.
pub const DEFAULT_STORE_FILE: &str = "gatehouse-session.json";

/// Access to the sign-in from the host app's Rust code: `app.gatehouse()` on an [`App`],
/// [`AppHandle`], window or webview.
///
/// [`App`]: tauri::App
pub trait GatehouseExt<R: Runtime> {
    /// The plugin's [`Gatehouse`]. Panics if the plugin is not registered.
    fn gatehouse(&self) -> &Gatehouse<R>;
}

impl<R: Runtime, T: Manager<R>> GatehouseExt<R> for T {
    fn gatehouse(&self) -> &Gatehouse<R> {
        self.state::<Gatehouse<R>>().inner()
    }
}

/// The plugin with the settings of `tauri.conf.json` alone.
pub fn init<R: Runtime>() -> TauriPlugin<R, Option<Settings>> {
    Builder::new().build()
}

type Layer<R> =
    Box<dyn FnOnce(&AppHandle<R>, Settings) -> std::result::Result<Settings, String> + Send>;

/// The plugin with settings given in code, an app's own layer over them, and a hook for
/// sign-ins.
///
/// ```no_run
/// use tauri::Manager;
/// use tauri_plugin_gatehouse::{Builder, Settings};
///
/// # fn run(context: tauri::Context) {
/// let gatehouse = Builder::new()
///     .settings(Settings {
///         scopes: Some(vec!["openid".into(), "profile".into(), "offline_access".into()]),
///         ..Settings::default()
///     })
///     // The app's own layer: its users give the issuer and client id in the environment.
///     .layer(|_app, settings| {
///         let from_env = Settings {
///             issuer: std::env::var("MY_APP_ISSUER").ok(),
///             client_id: std::env::var("MY_APP_CLIENT_ID").ok(),
///             ..Settings::default()
///         };
///         from_env
///             .check()
///             .map_err(|e| format!("The configuration is not valid: {e}."))?;
///         Ok(settings.overlaid(from_env))
///     })
///     .on_sign_in(|app, _view| {
///         if let Some(window) = app.get_webview_window("main") {
///             let _ = window.set_focus();
///         }
///     })
///     .build();
/// tauri::Builder::default()
///     .plugin(gatehouse)
///     .run(context)
///     .expect("error while running the app");
/// # }
/// ```
pub struct Builder<R: Runtime> {
    settings: Settings,
    layer: Option<Layer<R>>,
    store_file: String,
    on_sign_in: Option<desktop::SignInHook<R>>,
}

impl<R: Runtime> Default for Builder<R> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R: Runtime> Builder<R> {
    /// The plugin as `tauri.conf.json` configures it.
    pub fn new() -> Self {
        Self {
            settings: Settings::default(),
            layer: None,
            store_file: DEFAULT_STORE_FILE.to_owned(),
            on_sign_in: None,
        }
    }

    /// Settings given in code, over those of `tauri.conf.json`. A bad value stops the start.
    pub fn settings(mut self, settings: Settings) -> Self {
        self.settings = settings;
        self
    }

    /// The app's own layer: given the settings of `tauri.conf.json` and code, returns the
    /// settings to run on (read from the environment, a file of the app's own…), or the
    /// sentence to show the person when there are none. Then the plugin answers every command
    /// with that sentence, of the kind `config`, and the app can show its setup screen.
    pub fn layer<F>(mut self, layer: F) -> Self
    where
        F: FnOnce(&AppHandle<R>, Settings) -> std::result::Result<Settings, String>
            + Send
            + 'static,
    {
        self.layer = Some(Box::new(layer));
        self
    }

    /// The store file, in the app's data folder, that holds the sealed session
    /// (default [`DEFAULT_STORE_FILE`]).
    pub fn store_file(mut self, name: impl Into<String>) -> Self {
        self.store_file = name.into();
        self
    }

    /// Called when an interactive sign-in succeeds, from whatever asked for it (the UI's
    /// `login` or [`Gatehouse::login`]): the place to bring the app's window forward, since
    /// the person was last looking at the browser. Not called for silent renewals.
    pub fn on_sign_in<F>(mut self, hook: F) -> Self
    where
        F: Fn(&AppHandle<R>, &SessionView) + Send + Sync + 'static,
    {
        self.on_sign_in = Some(Arc::new(hook));
        self
    }

    /// The plugin, to give to `tauri::Builder::plugin`.
    pub fn build(self) -> TauriPlugin<R, Option<Settings>> {
        let Self {
            settings: in_code,
            layer,
            store_file,
            on_sign_in,
        } = self;
        let handler: fn(tauri::ipc::Invoke<R>) -> bool = tauri::generate_handler![
            commands::login,
            commands::cancel_login,
            commands::open_browser_again,
            commands::logged_in,
            commands::session,
            commands::logout,
            commands::fetch
        ];
        tauri::plugin::Builder::<R, Option<Settings>>::new(gatehouse_contract::PLUGIN)
            // `logged_in` from memory on the calling thread once the stored session is open:
            // through Tauri's IPC (src-tauri/benches/ipc.rs) 3.68 µs against a no-op
            // command's 3.53 µs (1.04), where the async command costs 23.8 µs (6.6).
            .invoke_handler(move |invoke| match commands::logged_in_now(&invoke) {
                Some(answer) => {
                    invoke.resolver.resolve(answer);
                    true
                }
                None => handler(invoke),
            })
            .setup(move |app, api| {
                let _span = tracing::debug_span!("gatehouse_setup").entered();
                let from_file = api.config().clone().unwrap_or_default();
                from_file
                    .check()
                    .map_err(|e| format!("plugins.gatehouse in tauri.conf.json: {e}."))?;
                in_code
                    .check()
                    .map_err(|e| format!("The sign-in settings given in code: {e}."))?;
                let product = Settings {
                    product_name: app.config().product_name.clone(),
                    ..Settings::default()
                };
                let given = product.overlaid(from_file).overlaid(in_code);
                let settings = match layer {
                    Some(layer) => layer(app, given),
                    None => Ok(given),
                };
                app.manage(Gatehouse::start(app, settings, &store_file, on_sign_in));
                Ok(())
            })
            // A sign-in the app's exit cuts short leaves nothing behind.
            .on_event(|app, event| {
                if let tauri::RunEvent::Exit = event {
                    if let Some(gatehouse) = app.try_state::<Gatehouse<R>>() {
                        gatehouse.shut_down();
                    }
                }
            })
            .build()
    }
}

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

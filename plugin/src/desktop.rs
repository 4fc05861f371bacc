//! The work behind the commands and [`crate::GatehouseExt`]: the session of the configured
//! provider, opened in the background at start so that a slow keyring or a renewal never holds
//! up the window, then watched for the rest of the app's life.

use std::sync::Arc;
use std::time::Duration;

use gatehouse_contract::{
    event, FetchRequest, FetchResponse, SessionState, SessionView, StartHint,
};
use gatehouse_core::access_token::AccessToken;
#[cfg(doc)]
use gatehouse_core::access_token::TokenScheme;
use gatehouse_core::clock::SystemClock;
use gatehouse_core::config::{Api, Config, Settings};
use gatehouse_core::session::{Auth, Change};
use gatehouse_core::vault::{FileRecordStore, OsKeyring, Vault};
use tauri::{AppHandle, Emitter, Runtime};
use tokio::sync::watch;

use crate::{Error, Result};

/// Told of every interactive sign-in that succeeds, with the session's view.
pub(crate) type SignInHook<R> = Arc<dyn Fn(&AppHandle<R>, &SessionView) + Send + Sync>;

/// Access to the sign-in and the session from the host app's Rust code; see
/// [`crate::GatehouseExt`].
///
/// Every method waits, at most for the first moments of a start, until the stored session has
/// been opened, so that its first answer is the true one. No method gives a token to anything
/// but Rust code: [`Gatehouse::fetch`] calls the host's APIs from Rust as the page's calls are
/// made, and [`Gatehouse::access_token_for`] with [`Gatehouse::dpop_proof`] serve a host with an
/// HTTP client of its own.
pub struct Gatehouse<R: Runtime> {
    app: AppHandle<R>,
    /// The session, or why there is none to be had, decided once at start.
    auth: Result<Auth>,
    restored: watch::Receiver<bool>,
    /// Configured, and no session stored: known before the window opens.
    nothing_stored: bool,
    on_sign_in: Option<SignInHook<R>>,
    /// The back channel is made ready on the first call, not during the window's start.
    warmed: std::sync::Once,
}

impl<R: Runtime> Gatehouse<R> {
    /// Resolves `settings` and starts opening the stored session, from the store file
    /// `store_file` of the app's data folder.
    pub(crate) fn start(
        app: &AppHandle<R>,
        settings: std::result::Result<Settings, String>,
        store_file: &str,
        on_sign_in: Option<SignInHook<R>>,
    ) -> Self {
        let (done, restored) = watch::channel(false);
        let auth = Self::configure(app, settings, store_file);
        let nothing_stored = auth.as_ref().is_ok_and(Auth::nothing_stored);
        match &auth {
            Ok(auth) => {
                let auth = auth.clone();
                tauri::async_runtime::spawn(async move {
                    auth.open().await;
                    let _ = done.send(true);
                    // Ends with the app: it holds only a weak handle to the session.
                    auth.watch_lifetime();
                });
            }
            Err(e) => {
                tracing::warn!(kind = %e.kind(), "{e}");
                let _ = done.send(true);
            }
        }
        Self {
            app: app.clone(),
            auth,
            restored,
            nothing_stored,
            on_sign_in,
            warmed: std::sync::Once::new(),
        }
    }

    fn configure(
        app: &AppHandle<R>,
        settings: std::result::Result<Settings, String>,
        store_file: &str,
    ) -> Result<Auth> {
        let settings = settings.map_err(Error::NotConfigured)?;
        let config = Config::from_settings(settings).map_err(|e| {
            Error::NotConfigured(format!(
                "Sign-in is not set up: {e} (plugins.gatehouse in tauri.conf.json)."
            ))
        })?;
        let path = tauri_plugin_store::resolve_store_path(app, store_file)
            .map_err(|e| Error::Store(e.to_string()))?;
        let identifier = &app.config().identifier;
        let keys = OsKeyring::new(identifier, &config.issuer, &config.client_id);
        let vault = Vault::new(
            Arc::new(keys),
            Arc::new(FileRecordStore::new(path)),
            &config.issuer,
            &config.client_id,
        );
        let emitter = app.clone();
        let notify = Arc::new(move |change: Change| {
            let sent = match change {
                Change::Session(state) => emitter.emit(event::SESSION_CHANGED, state),
                Change::Waiting(waiting) => emitter.emit(event::SIGN_IN_WAITING, waiting),
            };
            if let Err(e) = sent {
                tracing::warn!(error = %e, "could not tell the window about the session");
            }
        });
        Ok(Auth::new(config, vault, Arc::new(SystemClock), notify))
    }

    /// The session once the stored one has been opened; why there is none otherwise. The
    /// first call (the page's first question, after its first paint) also makes the back
    /// channel ready, in the background.
    async fn ready(&self) -> Result<&Auth> {
        let mut restored = self.restored.clone();
        let _ = restored.wait_for(|done| *done).await;
        let auth = self.configured()?;
        self.warmed.call_once(|| {
            let auth = auth.clone();
            tauri::async_runtime::spawn_blocking(move || auth.warm_up());
        });
        Ok(auth)
    }

    fn configured(&self) -> Result<&Auth> {
        self.auth.as_ref().map_err(Error::clone)
    }

    /// The answer to `logged_in` without waiting: `None` while the stored session is being
    /// opened.
    pub(crate) fn logged_in_now(&self) -> Option<bool> {
        let done = *self.restored.borrow();
        done.then(|| self.auth.as_ref().is_ok_and(Auth::logged_in))
    }

    /// A script for the window, run before the page's own: it defines
    /// [`gatehouse_contract::START_GLOBAL`] as a [`gatehouse_contract::StartHint`], which tells
    /// the page whether it can show its signed-out screen at once (configured, nothing
    /// stored). Optional: without it the page asks, which costs one IPC round trip at start.
    ///
    /// ```no_run
    /// # fn setup(app: &tauri::App) -> Result<(), Box<dyn std::error::Error>> {
    /// use tauri::Manager;
    /// use tauri_plugin_gatehouse::GatehouseExt;
    /// let config = &app.config().app.windows[0];
    /// tauri::WebviewWindowBuilder::from_config(app, config)?
    ///     .initialization_script(app.gatehouse().start_script())
    ///     .build()?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn start_script(&self) -> String {
        let hint = StartHint {
            signed_out: self.nothing_stored,
        };
        let hint = serde_json::to_string(&hint).expect("a StartHint serialises");
        format!(
            "Object.defineProperty(window, '{}', {{ value: Object.freeze({hint}) }});",
            gatehouse_contract::START_GLOBAL,
        )
    }

    /// Whether sign-in is configured and no session is stored, known before any window opens:
    /// a window may then open straight on its signed-out page.
    pub fn nothing_stored(&self) -> bool {
        self.nothing_stored
    }

    /// The configuration the sign-in runs on; why there is none when it is not set up.
    pub fn config(&self) -> Result<&Config> {
        self.configured().map(Auth::config)
    }

    /// Whether the person is signed in: a session is stored and its ID token outlives the minimum
    /// remaining lifetime.
    pub async fn logged_in(&self) -> bool {
        self.ready().await.is_ok_and(Auth::logged_in)
    }

    /// The session: signed in with its view, or signed out and why.
    pub async fn session(&self) -> Result<SessionState> {
        Ok(self.ready().await?.session())
    }

    /// Signs in through the system browser: PKCE, the loopback redirect, the code exchange and
    /// a validated ID token, then the session sealed. The UI hears of it through
    /// `gatehouse://session-changed`, and the app through
    /// [`crate::Builder::on_sign_in`].
    pub async fn login(&self) -> Result<SessionView> {
        let view = self.ready().await?.login().await?;
        if let Some(hook) = &self.on_sign_in {
            hook(&self.app, &view);
        }
        Ok(view)
    }

    /// Ends the sign-in in progress, if any: its `login` fails with the kind `cancelled`.
    pub async fn cancel_login(&self) {
        if let Ok(auth) = self.ready().await {
            auth.cancel_login();
        }
    }

    /// Ends a sign-in in progress and waits, at most five seconds, until a session it was
    /// saving is made or undone (its refresh token revoked): the plugin calls it when the app
    /// exits, after which nothing would finish it. Blocking.
    pub(crate) fn shut_down(&self) {
        if let Ok(auth) = &self.auth {
            let done = tokio::time::timeout(Duration::from_secs(5), auth.shut_down());
            if tauri::async_runtime::block_on(done).is_err() {
                tracing::warn!("a sign-in was still being saved when the app quit");
            }
        }
    }

    /// Opens the waiting sign-in's page in the browser again.
    pub async fn open_browser_again(&self) -> Result<()> {
        Ok(self.ready().await?.open_browser_again().await?)
    }

    /// Signs out: the session and its key are destroyed, the refresh token revoked, the
    /// provider's browser session ended when configured.
    pub async fn logout(&self) -> Result<()> {
        match self.ready().await {
            Ok(auth) => Ok(auth.logout().await?),
            // Not configured: there is no session to end.
            Err(_) => Ok(()),
        }
    }

    /// Calls one of the APIs in `plugins.gatehouse.apis` with that API's token, and answers
    /// with the status, the headers a page may read and the body: what the `fetch` command
    /// gives the webview, and the safe way for the host's own Rust code to call its APIs, since
    /// the token is sent with its own scheme (with a DPoP proof when it is bound) and never
    /// leaves Rust. Refused without a request: a URL under no configured API (same origin,
    /// path under its base, a path in normal form), a header outside the allowlist (`Accept`,
    /// `Content-Type`, the conditional ones, `Range`, and the API's own `headers`). Bodies are
    /// capped both ways, each try has a timeout, a `401` with `invalid_token` gets one new
    /// token and one more try, and an API that refuses even that one gets no new token for a
    /// while.
    ///
    /// ```no_run
    /// use tauri_plugin_gatehouse::{FetchRequest, GatehouseExt};
    ///
    /// #[tauri::command]
    /// async fn orders(app: tauri::AppHandle) -> Result<String, String> {
    ///     let answer = app
    ///         .gatehouse()
    ///         .fetch(FetchRequest::get("https://orders.example/v1/orders"))
    ///         .await
    ///         .map_err(|e| e.to_string())?;
    ///     Ok(answer.body)
    /// }
    /// ```
    pub async fn fetch(&self, request: FetchRequest) -> Result<FetchResponse> {
        Ok(self.ready().await?.fetch(request).await?)
    }

    /// [`Gatehouse::fetch`] for a window whose capability grants only the APIs `allowed` lets
    /// through.
    pub(crate) async fn fetch_within(
        &self,
        request: FetchRequest,
        allowed: impl Fn(&Api) -> bool,
    ) -> Result<FetchResponse> {
        Ok(self.ready().await?.fetch_within(request, allowed).await?)
    }

    /// The session's access token with the scheme it must be sent with, renewed first when it
    /// is about to expire: for a host that sends its own requests from Rust. A token bound to
    /// the session's DPoP key ([`TokenScheme::Dpop`], the case whenever the provider offers
    /// DPoP and `dpop` is not `off`) is refused without a proof from
    /// [`Gatehouse::dpop_proof`]; [`Gatehouse::fetch`] does all of it. Never hand a token to
    /// the webview, and never log it.
    pub async fn access_token(&self) -> Result<AccessToken> {
        Ok(self.ready().await?.access_token().await?)
    }

    /// A fresh access token for one of the APIs in `plugins.gatehouse.apis`, named by its
    /// `resource` or its `url`, with the scheme it must be sent with: obtained with the
    /// session's one refresh token narrowed to that API (RFC 8707 `resource`, or Auth0's
    /// `audience`), sealed with the session, and renewed when it is no longer fresh. A token is
    /// only ever given for the API it was issued for.
    ///
    /// ```no_run
    /// use tauri_plugin_gatehouse::GatehouseExt;
    ///
    /// #[tauri::command]
    /// async fn orders(app: tauri::AppHandle) -> Result<String, String> {
    ///     let url = "https://orders.example/v1/orders";
    ///     let gatehouse = app.gatehouse();
    ///     let token = gatehouse
    ///         .access_token_for("https://orders.example/")
    ///         .await
    ///         .map_err(|e| e.to_string())?;
    ///     // `Authorization: Bearer …` or `Authorization: DPoP …`, and for DPoP a proof.
    ///     let authorization = token.authorization();
    ///     let proof = gatehouse
    ///         .dpop_proof("GET", url, &token)
    ///         .await
    ///         .map_err(|e| e.to_string())?;
    ///     # let _ = (authorization.secret(), proof);
    ///     Ok("…".into())
    /// }
    /// ```
    pub async fn access_token_for(&self, api: &str) -> Result<AccessToken> {
        Ok(self.ready().await?.api_access_token(api).await?)
    }

    /// The `DPoP` header's value for sending `token` with `method` to `url` (RFC 9449 §7.1),
    /// made with the session's key: `None` for a bearer token. A proof is good for one request;
    /// make one for each. It carries the last `DPoP-Nonce` the API gave Gatehouse's own calls
    /// ([`Gatehouse::fetch`] handles a server's `use_dpop_nonce` by itself).
    pub async fn dpop_proof(
        &self,
        method: &str,
        url: &str,
        token: &AccessToken,
    ) -> Result<Option<String>> {
        Ok(self.ready().await?.dpop_proof(method, url, token)?)
    }
}

//! The session: signed out (and why), or signed in; the flows that move between them; and
//! what the UI is told at each change.
//!
//! [`Auth`] is the face of it. Behind it each flow is a type of its own, in a file that reads
//! alone: `sign_in` (the browser, the loopback redirect, the code exchange), `renewal` (the
//! lifetime watcher and refresh), `sign_out` (destroy, revoke, end the provider session).
//! They share two narrow pieces: the `keeper`, the only one that changes the session's
//! state and record, and the `upstream` provider, discovered once, that validates what it
//! sends.

mod completion;
mod keeper;
mod policy;
mod renewal;
mod sign_in;
mod sign_out;
mod state;
mod upstream;

use std::sync::Arc;

use gatehouse_contract::{FetchRequest, FetchResponse, SessionState, SessionView, SignInWaiting};
use tokio::time::MissedTickBehavior;
use tracing::Instrument;

use crate::api;
use crate::browser::Browser;
use crate::clock::Clock;
use crate::config::{Api, Config};
use crate::oidc::dpop::{DpopKey, Prover};
use crate::secret::Secret;
use crate::vault::Vault;
use crate::{Error, Result};
use keeper::Keeper;
use policy::{Policy, TICK};
use renewal::Renewal;
use sign_in::SignIn;
use sign_out::SignOut;
use upstream::Upstream;

/// What the UI is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The session changed: signed in with its view, or signed out and why.
    Session(SessionState),
    /// A sign-in waits for the browser: the page it was asked to open, and whether it did.
    Waiting(SignInWaiting),
}

/// Told of every [`Change`].
pub type Notify = Arc<dyn Fn(Change) + Send + Sync>;

/// The session of one configured provider and client.
///
/// Cloning is cheap and shares the session.
#[derive(Clone)]
pub struct Auth {
    inner: Arc<Flows>,
}

struct Flows {
    config: Arc<Config>,
    keeper: Arc<Keeper>,
    upstream: Arc<Upstream>,
    sign_in: SignIn,
    renewal: Renewal,
    sign_out: SignOut,
    /// The revocation of a refresh token whose session was removed at start, in the
    /// background; the app's exit waits for it ([`Auth::shut_down`]).
    revoking: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Auth {
    pub fn new(config: Config, vault: Vault, clock: Arc<dyn Clock>, notify: Notify) -> Self {
        let config = Arc::new(config);
        let browser = Browser::new(config.browser.clone());
        let policy = Policy::new(config.min_ttl, config.max_age);
        let keeper = Arc::new(Keeper::new(vault, policy, clock.clone(), notify.clone()));
        let upstream = Arc::new(Upstream::new(config.clone(), clock));
        Self {
            inner: Arc::new(Flows {
                sign_in: SignIn::new(
                    config.clone(),
                    upstream.clone(),
                    keeper.clone(),
                    browser.clone(),
                    notify,
                ),
                renewal: Renewal::new(&config, upstream.clone(), keeper.clone()),
                sign_out: SignOut::new(config.clone(), upstream.clone(), keeper.clone(), browser),
                config,
                keeper,
                upstream,
                revoking: std::sync::Mutex::new(None),
            }),
        }
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Opens the stored session and, when its ID token is no longer fresh, renews it before
    /// returning (so the UI never shows a session that is about to go). A fresh token needs
    /// no network: it was validated when it came and has been under the vault's seal since.
    /// One found past its time limit is removed, and its refresh token revoked in the
    /// background.
    pub async fn open(&self) {
        let this = self.clone();
        let restored = tokio::task::spawn_blocking(move || this.inner.keeper.restore());
        match restored.instrument(tracing::debug_span!("restore")).await {
            Ok(None) => {}
            // Removed at start (past its time limit), yet the provider would still renew it
            // (RFC 7009 §2): revoked in the background, not on the window's way.
            Ok(Some(refresh_token)) => {
                let upstream = self.inner.upstream.clone();
                let revoking = tokio::spawn(async move { upstream.revoke(&refresh_token).await });
                *self.revoking() = Some(revoking);
            }
            Err(e) => tracing::warn!(error = %e, "opening the stored session failed"),
        }
        self.check_lifetime()
            .instrument(tracing::debug_span!("check_lifetime"))
            .await;
    }

    /// Makes the back channel ready (its HTTP client loads the system's CA certificates), so
    /// that the first sign-in or renewal does not wait for it. Blocking: run it off the
    /// window's path, once the window has its first screen.
    pub fn warm_up(&self) {
        self.inner.upstream.warm_up();
    }

    /// Whether there is certainly no stored session to open: the window may then show the
    /// signed-out page at once instead of waiting for [`Auth::open`]. Blocking (reads the
    /// session file, no keyring call).
    pub fn nothing_stored(&self) -> bool {
        self.inner.keeper.nothing_stored()
    }

    /// The seed's `loggedIn`: a session exists and its ID token's `exp` is later than now
    /// plus the minimum remaining lifetime.
    pub fn logged_in(&self) -> bool {
        self.inner.keeper.logged_in()
    }

    /// The session as the UI sees it: signed in with its view, or signed out and, when the
    /// last session ended by itself or could not be opened, why.
    pub fn session(&self) -> SessionState {
        self.inner.keeper.state()
    }

    /// Signs in through the system browser. Ends on success, a provider error, Cancel
    /// ([`Auth::cancel_login`]) or the configured timeout.
    pub async fn login(&self) -> Result<SessionView> {
        self.inner.sign_in.login().await
    }

    /// Ends the sign-in in progress, if any; its `login` returns [`Error::Cancelled`].
    pub fn cancel_login(&self) {
        self.inner.sign_in.cancel();
    }

    /// Ends a sign-in in progress and waits until its completion, if one is under way, has
    /// made the session or left nothing behind, and until a revocation begun at start has
    /// been sent: for the app's exit.
    pub async fn shut_down(&self) {
        self.inner.sign_in.shut_down().await;
        let revoking = self.revoking().take();
        if let Some(revoking) = revoking {
            if let Err(e) = revoking.await {
                tracing::warn!(error = %e, "the revocation task failed");
            }
        }
    }

    fn revoking(&self) -> std::sync::MutexGuard<'_, Option<tokio::task::JoinHandle<()>>> {
        self.inner
            .revoking
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Opens the waiting sign-in's page in the browser again; without a sign-in waiting,
    /// nothing happens.
    pub async fn open_browser_again(&self) -> Result<()> {
        self.inner.sign_in.open_browser_again().await
    }

    /// Signs out: the stored record and its key are destroyed and the UI told at once; then
    /// the refresh token is revoked (bounded, failure logged), and the provider's browser
    /// session ended when configured.
    pub async fn logout(&self) -> Result<()> {
        self.inner.sign_in.cancel();
        self.inner.sign_out.logout().await;
        Ok(())
    }

    /// Renews the session with its refresh token. One renewal runs at a time; a call that had
    /// to wait for another returns what that one left, without asking the provider again.
    pub async fn renew(&self) -> Result<SessionView> {
        self.inner.renewal.renew().await
    }

    /// The session's access token, for the app's own API calls: renewed first when it would
    /// not outlive now by the minimum remaining lifetime. Never for the UI.
    pub async fn access_token(&self) -> Result<Secret> {
        if let Some(token) = self.fresh_access_token()? {
            return Ok(token);
        }
        self.renew().await?;
        self.fresh_access_token()?.ok_or(Error::Expired)
    }

    /// An access token for one of the configured APIs, named by its resource or base URL
    /// (see [`Config::api`]): the one sealed with the session while it is fresh, otherwise a
    /// new one from the refresh token, narrowed to that API (RFC 8707). Never for the UI.
    pub async fn api_access_token(&self, api: &str) -> Result<Secret> {
        let config = &self.inner.config;
        let api = config
            .api(api)
            .ok_or_else(|| Error::UnknownApi(api.to_owned()))?;
        self.api_token(api).await
    }

    /// `api`'s token: the sealed one while it is fresh, otherwise a new one.
    async fn api_token(&self, api: &Api) -> Result<Secret> {
        let keeper = &self.inner.keeper;
        let Some(active) = keeper.seen().active else {
            return Err(Error::Expired);
        };
        let cached = active.record.api_tokens.get(&api.resource);
        if let Some(token) = cached.and_then(|access| keeper.fresh(&active, access)) {
            return Ok(token);
        }
        self.inner.renewal.api_token(api, None).await
    }

    /// Sends a call the page asked for to one of the configured APIs, with that API's token
    /// (see [`crate::api`] for what is checked first), and answers with what the page may
    /// read. An answer of `401` with `invalid_token` (RFC 6750 §3.1) leads to one new token and
    /// one more try. The token never reaches the page.
    pub async fn fetch(&self, request: FetchRequest) -> Result<FetchResponse> {
        let call = api::check(&self.inner.config, request)?;
        let origin = call.api.url.origin().ascii_serialization();
        let http = self.inner.upstream.http();
        let nonce = self.inner.upstream.api_nonce(&origin);
        let token = self.api_token(call.api).await?;
        let key = self.api_dpop_key(&call.api.resource)?;
        let mut response = call
            .send(http, &token, self.call_dpop(&key, &nonce).as_ref())
            .await?;
        if api::token_refused(&response) {
            tracing::info!(api = %call.api.url, "the API refused its token; renewing it once");
            let renewed = self.inner.renewal.api_token(call.api, Some(&token)).await?;
            let key = self.api_dpop_key(&call.api.resource)?;
            response = call
                .send(http, &renewed, self.call_dpop(&key, &nonce).as_ref())
                .await?;
        }
        api::answer(response, &origin).await
    }

    fn call_dpop<'a>(
        &self,
        key: &'a Option<Arc<DpopKey>>,
        nonce: &'a crate::oidc::dpop::Nonce,
    ) -> Option<Prover<'a>> {
        key.as_ref().map(|key| Prover {
            key,
            nonce,
            now: self.inner.upstream.now(),
        })
    }

    /// The session's DPoP key when the API's token is bound to it.
    fn api_dpop_key(&self, resource: &str) -> Result<Option<Arc<DpopKey>>> {
        let Some(active) = self.inner.keeper.seen().active else {
            return Err(Error::Expired);
        };
        if !active
            .record
            .api_tokens
            .get(resource)
            .is_some_and(|t| t.dpop)
        {
            return Ok(None);
        }
        self.inner.upstream.session_key(&active.record)
    }

    /// The access token if the session has one that is fresh; `Ok(None)` when it needs
    /// renewing first.
    fn fresh_access_token(&self) -> Result<Option<Secret>> {
        let keeper = &self.inner.keeper;
        let Some(active) = keeper.seen().active else {
            return Err(Error::Expired);
        };
        let Some(access) = &active.record.access_token else {
            return Err(Error::NoAccessToken);
        };
        Ok(keeper.fresh(&active, access))
    }

    /// One look at the clock: a session about to stop being fresh is renewed when it can be;
    /// one that is no longer fresh and cannot be renewed is ended.
    pub async fn check_lifetime(&self) {
        self.inner.renewal.check().await;
    }

    /// Starts the lifetime watcher on the current tokio runtime. It stops by itself when the
    /// last handle to this session is dropped.
    pub fn watch_lifetime(&self) -> tokio::task::JoinHandle<()> {
        let weak = Arc::downgrade(&self.inner);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(TICK);
            tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let Some(inner) = weak.upgrade() else { break };
                inner.renewal.check().await;
            }
        })
    }
}

//! The session: signed out (and why), or signed in; the flows that move between them; and
//! what the UI is told at each change.
//!
//! [`Auth`] is the face of it. Behind it each flow is a type of its own, in a file that reads
//! alone: `sign_in` (the browser, the loopback redirect, the code exchange), `renewal` (the
//! lifetime watcher, refresh, and the APIs' tokens), `sign_out` (destroy, revoke, end the
//! provider session), and `calls` (what keeps the page's API calls from multiplying the
//! provider's work). They share one `context`: the configuration, the `keeper` (the only one
//! that changes the session's state and record), the `upstream` provider (discovered once, it
//! validates what it sends), the browser, and what the UI is told.

mod calls;
mod completion;
mod context;
mod keeper;
mod policy;
mod renewal;
mod sign_in;
mod sign_out;
mod state;
mod upstream;

use std::sync::Arc;

use gatehouse_contract::{FetchRequest, FetchResponse, SessionState, SessionView};
use tracing::Instrument;

use crate::access_token::{AccessToken, Sendable, TokenScheme};
use crate::api;
use crate::clock::Clock;
use crate::config::{Api, Config};
use crate::vault::Vault;
use crate::{Error, Result};
use calls::Calls;
pub use calls::MAX_IN_FLIGHT;
use context::Context;
use renewal::Renewal;
use sign_in::SignIn;
use sign_out::SignOut;
pub use state::{Change, Notify};

/// The session of one configured provider and client.
///
/// Cloning is cheap and shares the session.
#[derive(Clone)]
pub struct Auth {
    inner: Arc<Flows>,
}

struct Flows {
    ctx: Arc<Context>,
    sign_in: SignIn,
    renewal: Renewal,
    sign_out: SignOut,
    /// The page's API calls in flight, and each API's back-off.
    calls: Calls,
    /// The revocation of the tokens of a session removed at start, in the background; the
    /// app's exit waits for it ([`Auth::shut_down`]).
    revoking: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Auth {
    pub fn new(config: Config, vault: Vault, clock: Arc<dyn Clock>, notify: Notify) -> Self {
        let ctx = Context::new(config, vault, clock, notify);
        Self {
            inner: Arc::new(Flows {
                sign_in: SignIn::new(ctx.clone()),
                renewal: Renewal::new(ctx.clone()),
                sign_out: SignOut::new(ctx.clone()),
                ctx,
                calls: Calls::new(),
                revoking: std::sync::Mutex::new(None),
            }),
        }
    }

    pub fn config(&self) -> &Config {
        &self.inner.ctx.config
    }

    /// Opens the stored session and, when its ID token is no longer fresh, renews it before
    /// returning (so the UI never shows a session that is about to go). A fresh token needs
    /// no network: it was validated when it came and has been under the vault's seal since.
    /// One found past its time limit is removed, and its tokens revoked in the background.
    pub async fn open(&self) {
        let ctx = self.inner.ctx.clone();
        let restored = tokio::task::spawn_blocking(move || ctx.keeper.restore());
        match restored.instrument(tracing::debug_span!("restore")).await {
            Ok(None) => {}
            // Removed at start (past its time limit), yet the provider would still renew its
            // refresh token and the APIs take its access tokens (RFC 7009 §2): revoked in the
            // background, not on the window's way.
            Ok(Some(record)) => {
                let ctx = self.inner.ctx.clone();
                let revoking =
                    tokio::spawn(async move { ctx.upstream.revoke_session(&record).await });
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
        self.inner.ctx.upstream.warm_up();
    }

    /// Whether there is certainly no stored session to open: the window may then show the
    /// signed-out page at once instead of waiting for [`Auth::open`]. Blocking (reads the
    /// session file, no keyring call).
    pub fn nothing_stored(&self) -> bool {
        self.inner.ctx.keeper.nothing_stored()
    }

    /// Whether the person is signed in: a session exists and its ID token's `exp` is later than now
    /// plus the minimum remaining lifetime.
    pub fn logged_in(&self) -> bool {
        self.inner.ctx.keeper.logged_in()
    }

    /// The session as the UI sees it: signed in with its view, or signed out and, when the
    /// last session ended by itself or could not be opened, why.
    pub fn session(&self) -> SessionState {
        self.inner.ctx.keeper.state()
    }

    /// Signs in through the system browser. Ends on success, a provider error, Cancel
    /// ([`Auth::cancel_login`]) or the configured timeout.
    pub async fn login(&self) -> Result<SessionView> {
        let view = self.inner.sign_in.login().await?;
        // A new sign-in: every API gets its chance again.
        self.inner.calls.signed_in();
        Ok(view)
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

    /// The session's access token, for the app's own API calls, with the scheme it must be
    /// sent with: renewed first when it is no longer fresh. Never for the UI.
    pub async fn access_token(&self) -> Result<AccessToken> {
        if let Some(token) = self.fresh_access_token(true)? {
            return Ok(token);
        }
        self.renew().await?;
        self.fresh_access_token(false)?.ok_or(Error::Expired)
    }

    /// An access token for one of the configured APIs, named by its resource or base URL
    /// (see [`Config::api`]), with the scheme it must be sent with: the one sealed with the
    /// session while it is fresh, otherwise a new one from the refresh token, narrowed to that
    /// API (RFC 8707). Never for the UI.
    pub async fn api_access_token(&self, api: &str) -> Result<AccessToken> {
        let config = &self.inner.ctx.config;
        let api = config
            .api(api)
            .ok_or_else(|| Error::UnknownApi(api.to_owned()))?;
        Ok(self.api_token(api).await?.into_access_token())
    }

    /// A DPoP proof (RFC 9449 §4.2, §7.1) for sending `token` with `method` to `url`, made with
    /// the session's key, for a host that sends its own requests: `None` for a bearer token.
    /// The proof carries the last `DPoP-Nonce` the API at `url`'s origin gave Gatehouse's own
    /// calls; it is good for one request.
    pub fn dpop_proof(
        &self,
        method: &str,
        url: &str,
        token: &AccessToken,
    ) -> Result<Option<String>> {
        if token.scheme() == TokenScheme::Bearer {
            return Ok(None);
        }
        let url = url::Url::parse(url)
            .map_err(|_| Error::ApiCall("its URL is not an absolute URL".into()))?;
        let Some(active) = self.inner.ctx.keeper.seen().active else {
            return Err(Error::Expired);
        };
        let Context {
            keeper, upstream, ..
        } = &*self.inner.ctx;
        let key = keeper
            .session_key(&active.record)?
            .ok_or_else(|| Error::ApiCall("the session's tokens are not DPoP-bound".into()))?;
        let nonce = upstream.api_nonce(&url.origin().ascii_serialization());
        let prover = crate::oidc::dpop::Prover {
            key: &key,
            nonce: &nonce,
            now: upstream.now(),
        };
        Ok(Some(prover.proof(
            &method.to_ascii_uppercase(),
            &url,
            Some(token.token()),
        )))
    }

    /// `api`'s token as it is sent: the sealed one while it is fresh (or while the API is
    /// backing off, when it gets no new one), otherwise a new one.
    async fn api_token(&self, api: &Api) -> Result<Sendable> {
        let (keeper, calls) = (&self.inner.ctx.keeper, &self.inner.calls);
        let Some(active) = keeper.seen().active else {
            return Err(Error::Expired);
        };
        if let Some(record) = active.record.api_tokens.get(&api.resource) {
            if keeper.fresh(&active, record) || calls.backing_off(&api.resource, keeper.now()) {
                return Sendable::of(record, keeper.session_key(&active.record)?);
            }
        }
        self.inner.renewal.api_token(api, None).await
    }

    /// Sends a call the page asked for to one of the configured APIs, with that API's token
    /// (see [`crate::api`] for what is checked first), and answers with what the page may
    /// read. The token never reaches the page.
    ///
    /// A page cannot make it hammer the provider: at most [`MAX_IN_FLIGHT`] calls are under way
    /// at once; calls that need the same API's new token share one refresh; a `401` with
    /// `invalid_token` (RFC 6750 §3.1) leads to one new token and one more try, and when the API
    /// refuses that one too it gets no new token for a while (30 seconds, doubling up to five
    /// minutes; a sign-in, or an answer that is not a `401`, ends the wait), its `401` going
    /// straight to the page meanwhile.
    pub async fn fetch(&self, request: FetchRequest) -> Result<FetchResponse> {
        self.fetch_within(request, |_| true).await
    }

    /// [`Auth::fetch`] reaching only the APIs `allowed` lets through (a window's capability);
    /// a call to another is refused before anything is fetched or sent.
    pub async fn fetch_within(
        &self,
        request: FetchRequest,
        allowed: impl Fn(&Api) -> bool,
    ) -> Result<FetchResponse> {
        let Flows { renewal, calls, .. } = &*self.inner;
        let Context {
            config,
            keeper,
            upstream,
            ..
        } = &*self.inner.ctx;
        let call = api::check(config, request)?;
        let api = call.api;
        if !allowed(api) {
            return Err(Error::ApiOutOfScope {
                api: api.url.to_string(),
            });
        }
        let _turn = calls.turn().await;
        let origin = api.url.origin().ascii_serialization();
        let (http, nonce) = (upstream.http(), upstream.api_nonce(&origin));
        let token = self.api_token(api).await?;
        let mut response = call.send(http, &token, &nonce, keeper.now()).await?;
        if api::token_refused(&response) && !calls.backing_off(&api.resource, keeper.now()) {
            tracing::info!(api = %api.url, "the API refused its token; renewing it once");
            let renewed = renewal.api_token(api, Some(&token.token)).await?;
            response = call.send(http, &renewed, &nonce, keeper.now()).await?;
            if api::token_refused(&response) {
                calls.back_off(&api.resource, &renewed.token, keeper.now());
            }
        }
        if response.status() != reqwest::StatusCode::UNAUTHORIZED {
            calls.accepted(&api.resource);
        }
        api::answer(response, &origin).await
    }

    /// The access token if the session has one that is fresh; `Ok(None)` when it needs
    /// renewing first.
    fn fresh_access_token(&self, may_renew: bool) -> Result<Option<AccessToken>> {
        let keeper = &self.inner.ctx.keeper;
        let Some(active) = keeper.seen().active else {
            return Err(Error::Expired);
        };
        let Some(access) = &active.record.access_token else {
            // A code exchange that named an API (RFC 8707 §2.2) brought that API's token, not
            // the session's own: a renewal brings it.
            let renewable = may_renew && active.record.refresh_token.is_some();
            return if renewable {
                Ok(None)
            } else {
                Err(Error::NoAccessToken)
            };
        };
        if !keeper.fresh(&active, access) {
            return Ok(None);
        }
        let key = keeper.session_key(&active.record)?;
        Ok(Some(Sendable::of(access, key)?.into_access_token()))
    }

    /// One look at the clock: a session about to stop being fresh is renewed when it can be;
    /// one that is no longer fresh and cannot be renewed is ended.
    pub async fn check_lifetime(&self) {
        self.inner.renewal.check().await;
    }

    /// Starts the lifetime watcher on the current tokio runtime. It stops by itself when the
    /// last handle to this session is dropped.
    pub fn watch_lifetime(&self) -> tokio::task::JoinHandle<()> {
        renewal::watch(Arc::downgrade(&self.inner.ctx))
    }
}

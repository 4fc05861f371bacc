//! The sign-in: Authorization Code flow with PKCE through the system browser and a loopback
//! redirect (RFC 8252), ending in a validated ID token and a sealed session.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use gatehouse_contract::{SessionView, SignInWaiting};
use tokio::sync::oneshot;
use tracing::Instrument;
use url::Url;

use super::completion::{Completion, Verdict};
use super::context::Context;
use super::state::Change;
use super::upstream::Provider;
use crate::browser::BrowserError;
use crate::oidc::callback::{Awaited, Listener};
use crate::oidc::dpop::DpopKey;
use crate::oidc::{push, AuthorizationRequest, CsrfState, Nonce, PkceVerifier, RequestError};
use crate::{lock, Error, Result};

pub(super) struct SignIn {
    ctx: Arc<Context>,
    /// The sign-in in progress, if any.
    attempt: Mutex<Option<Attempt>>,
    /// Held by a completion while it runs, so that [`SignIn::shut_down`] can wait for it.
    completing: Arc<tokio::sync::Mutex<()>>,
}

/// A sign-in in progress.
struct Attempt {
    cancel: Option<oneshot::Sender<()>>,
    /// Set once the browser has been asked to open the page.
    waiting: Option<SignInWaiting>,
}

/// Clears the attempt slot however the attempt ends, and ends its sign-in unless it completed
/// (the call dropped, the app quitting).
struct AttemptSlot<'a> {
    slot: &'a Mutex<Option<Attempt>>,
    verdict: Arc<Verdict>,
}

impl Drop for AttemptSlot<'_> {
    fn drop(&mut self) {
        self.verdict.end();
        lock(self.slot).take();
    }
}

impl SignIn {
    pub(super) fn new(ctx: Arc<Context>) -> Self {
        Self {
            ctx,
            attempt: Mutex::new(None),
            completing: Arc::default(),
        }
    }

    /// Signs in through the system browser. Ends on success, a provider error, Cancel
    /// ([`SignIn::cancel`]) or the configured timeout.
    pub(super) async fn login(&self) -> Result<SessionView> {
        let (cancel, cancelled) = oneshot::channel();
        {
            let mut slot = lock(&self.attempt);
            if slot.is_some() {
                return Err(Error::Busy);
            }
            *slot = Some(Attempt {
                cancel: Some(cancel),
                waiting: None,
            });
        }
        let verdict = Arc::new(Verdict::default());
        let _slot = AttemptSlot {
            slot: &self.attempt,
            verdict: verdict.clone(),
        };
        let timeout = self.ctx.config.login_timeout;
        let sign_in = self.sign_in(verdict.clone());
        tokio::pin!(sign_in);
        let ending = tokio::select! {
            result = &mut sign_in => return result,
            _ = cancelled => Error::Cancelled,
            _ = tokio::time::sleep(timeout) => Error::Timeout(timeout.as_secs()),
        };
        if verdict.end() {
            Err(ending)
        } else {
            // It completed in the same moment: it stands.
            sign_in.await
        }
    }

    /// Ends the sign-in in progress, if any, and waits until a completion under way has made
    /// its session or undone it: for the app's exit, after which nothing would finish it.
    pub(super) async fn shut_down(&self) {
        self.cancel();
        let _done = self.completing.lock().await;
    }

    /// Ends the sign-in in progress, if any; its `login` returns [`Error::Cancelled`].
    pub(super) fn cancel(&self) {
        let cancel = lock(&self.attempt)
            .as_mut()
            .and_then(|attempt| attempt.cancel.take());
        if let Some(cancel) = cancel {
            let _ = cancel.send(());
        }
    }

    async fn sign_in(&self, verdict: Arc<Verdict>) -> Result<SessionView> {
        let Context {
            config,
            keeper,
            upstream,
            ..
        } = &*self.ctx;
        let provider = upstream
            .provider()
            .instrument(tracing::debug_span!("provider_metadata"))
            .await?;
        let port = config.redirect_port;
        let mut listener = Listener::bind(port, &config.product_name)
            .await
            .map_err(|source| Error::Listener { port, source })?;
        if config.redirect_host.is_localhost() {
            listener = listener.naming_localhost();
        }
        // RFC 9700 §2.1.1: fresh per attempt.
        let verifier = PkceVerifier::new_random();
        let state = CsrfState::new_random();
        let nonce = Nonce::new_random();
        let redirect_uri = listener.redirect_uri();
        let (scopes, resources) = (config.request_scopes(), config.request_resources());
        // RFC 9449 §10: the code is bound to the session's key from the start.
        let dpop_key = upstream.new_dpop_key(&provider)?;
        let request = AuthorizationRequest {
            authorization_endpoint: &provider.metadata.authorization_endpoint,
            client_id: &config.client_id,
            redirect_uri: &redirect_uri,
            scopes: &scopes,
            state: &state,
            nonce: &nonce,
            pkce_challenge: &verifier.challenge(),
            audience: config.request_audience(),
            resources: &resources,
            dpop_jkt: dpop_key.as_ref().map(DpopKey::thumbprint),
            prompt: keeper
                .ask_credentials()
                .then_some(config.prompt_after_logout.as_str()),
            max_age: config.max_age.map(|max_age| max_age.as_secs()),
        };
        let url = self
            .authorization_url(&provider, &request, dpop_key.as_ref())
            .instrument(tracing::debug_span!("authorization_request"))
            .await?;
        // A browser that does not come up does not end the attempt: the page's link is on
        // screen, to be opened again or in any browser.
        let _ = self.open_browser(url.into()).await;
        tracing::info!(%redirect_uri, "waiting for the browser sign-in");

        // While the person is at the browser, the vault gets its key ready, so that the only
        // keyring write left after the redirect is off the path to the signed-in page.
        let (code, ()) = tokio::join!(
            listener.wait(Awaited {
                state: state.clone(),
                issuer: provider.metadata.issuer.clone(),
                iss_required: provider
                    .metadata
                    .authorization_response_iss_parameter_supported,
            }),
            keeper.prepare()
        );
        let code = code?;
        // The rest runs as a task of its own: once the code is spent, its tokens are either
        // the session or revoked, whatever becomes of this call.
        let completion = Completion {
            ctx: self.ctx.clone(),
            provider,
            verifier,
            nonce,
            redirect_uri,
            verdict,
            dpop_key,
        };
        let completing = self.completing.clone().lock_owned().await;
        let completed = tokio::spawn(
            async move {
                let result = completion.run(code).await;
                drop(completing);
                result
            }
            .instrument(tracing::debug_span!("sign_in_callback")),
        );
        completed.await.unwrap_or_else(|e| {
            Err(Error::Internal(format!(
                "the sign-in's completion failed: {e}"
            )))
        })
    }

    /// Opens the waiting sign-in's page in the browser again (the person closed the tab, or it
    /// never came up). Without a sign-in waiting, nothing happens.
    pub(super) async fn open_browser_again(&self) -> Result<()> {
        let url = lock(&self.attempt)
            .as_ref()
            .and_then(|attempt| attempt.waiting.as_ref())
            .map(|waiting| waiting.url.clone());
        match url {
            Some(url) => self.open_browser(url).await,
            None => Ok(()),
        }
    }

    /// Asks the browser to open `url`, then records and tells the UI the page and whether the
    /// browser came up.
    async fn open_browser(&self, url: String) -> Result<()> {
        let browser = self.ctx.browser.clone();
        let page = url.clone();
        let opened = tokio::task::spawn_blocking(move || browser.open(&page))
            .await
            .unwrap_or_else(|e| Err(BrowserError::Opener(std::io::Error::other(e))));
        if let Err(e) = &opened {
            tracing::warn!(error = %e, "the browser did not open");
        }
        let opened = opened.map_err(Error::Browser);
        let waiting = SignInWaiting {
            url,
            browser_error: opened.as_ref().err().map(ToString::to_string),
        };
        let mut slot = lock(&self.attempt);
        // The attempt may have ended (Cancel) while the browser started.
        if let Some(attempt) = slot.as_mut() {
            attempt.waiting = Some(waiting.clone());
            drop(slot);
            (self.ctx.notify)(Change::Waiting(waiting));
        }
        opened
    }

    /// The URL the browser opens. RFC 9126: where the provider offers pushed authorization
    /// requests the request is pushed, and the browser gets only the short `request_uri`. A
    /// provider that advertises the endpoint but refuses the push (a plan without it) gets the
    /// plain request, with one warning, unless it requires pushed requests.
    async fn authorization_url(
        &self,
        provider: &Provider,
        request: &AuthorizationRequest<'_>,
        dpop_key: Option<&DpopKey>,
    ) -> Result<Url> {
        let metadata = &provider.metadata;
        let required = metadata.require_pushed_authorization_requests;
        let Some(endpoint) = &metadata.pushed_authorization_request_endpoint else {
            return Ok(request.url());
        };
        if !required && provider.par_refused.load(Ordering::Relaxed) {
            return Ok(request.url());
        }
        let dpop = dpop_key.map(|key| self.ctx.upstream.dpop(key));
        match push(
            self.ctx.upstream.http(),
            endpoint,
            &request.form(),
            self.ctx.upstream.client_auth(provider),
            dpop.as_ref(),
        )
        .await
        {
            Ok(pushed) => Ok(request.pushed_url(&pushed.request_uri)),
            Err(e @ RequestError::Transport { .. }) => Err(e.into()),
            Err(e) if required => Err(e.into()),
            Err(e) => {
                if !provider.par_refused.swap(true, Ordering::Relaxed) {
                    tracing::warn!(error = %e, "the provider refused a pushed authorization request; sending the request in the URL instead");
                }
                Ok(request.url())
            }
        }
    }
}

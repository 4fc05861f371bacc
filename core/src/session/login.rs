//! The sign-in: Authorization Code flow with PKCE through the system browser and a loopback
//! redirect (RFC 8252), ending in a validated ID token and a sealed session.

use std::sync::atomic::Ordering;

use gatehouse_contract::{SessionView, SignInWaiting, StorageStatus};
use tokio::sync::oneshot;
use tracing::Instrument;
use url::Url;

use super::{lock, Attempt, Auth, Change, Provider};
use crate::browser::BrowserError;
use crate::oidc::callback::{Awaited, Listener};
use crate::oidc::{
    exchange_code, push, AuthorizationRequest, CsrfState, Nonce, Origin, PkceVerifier, RequestError,
};
use crate::vault::{Pending, SessionRecord};
use crate::{Error, Result};

/// Clears the attempt slot however the attempt ends.
struct AttemptSlot<'a>(&'a Auth);

impl Drop for AttemptSlot<'_> {
    fn drop(&mut self) {
        lock(&self.0.inner.attempt).take();
    }
}

impl Auth {
    /// Signs in through the system browser. Ends on success, a provider error, Cancel
    /// ([`Auth::cancel_login`]) or the configured timeout.
    pub async fn login(&self) -> Result<SessionView> {
        let (cancel, cancelled) = oneshot::channel();
        {
            let mut slot = lock(&self.inner.attempt);
            if slot.is_some() {
                return Err(Error::Busy);
            }
            *slot = Some(Attempt {
                cancel: Some(cancel),
                waiting: None,
            });
        }
        let _slot = AttemptSlot(self);
        let timeout = self.inner.config.login_timeout;
        tokio::select! {
            result = self.sign_in() => result,
            _ = cancelled => Err(Error::Cancelled),
            _ = tokio::time::sleep(timeout) => Err(Error::Timeout(timeout.as_secs())),
        }
    }

    async fn sign_in(&self) -> Result<SessionView> {
        let config = &self.inner.config;
        let provider = self
            .provider()
            .instrument(tracing::debug_span!("provider_metadata"))
            .await?;
        let port = config.redirect_port;
        let listener = Listener::bind(port)
            .await
            .map_err(|source| Error::Listener { port, source })?;
        // RFC 9700 §2.1.1: fresh per attempt.
        let verifier = PkceVerifier::new_random();
        let state = CsrfState::new_random();
        let nonce = Nonce::new_random();
        let redirect_uri = listener.redirect_uri();
        let request = AuthorizationRequest {
            authorization_endpoint: &provider.metadata.authorization_endpoint,
            client_id: &config.client_id,
            redirect_uri: &redirect_uri,
            scopes: &config.scopes,
            state: &state,
            nonce: &nonce,
            pkce_challenge: &verifier.challenge(),
            audience: config.audience.as_deref(),
            prompt_login: self.inner.ask_credentials.load(Ordering::Relaxed),
        };
        let url = self
            .authorization_url(&provider, &request)
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
                issuer: config.issuer.clone(),
                iss_required: provider
                    .metadata
                    .authorization_response_iss_parameter_supported,
            }),
            self.prepare_vault()
        );
        let code = code?;
        // From the redirect to the signed-in page: the provider's part is `token_request` (and
        // `signing_keys` when they are not cached); the rest is the app's.
        let callback = async {
            let response = exchange_code(
                self.http(),
                &provider.metadata.token_endpoint,
                &config.client_id,
                &code,
                &verifier,
                &redirect_uri,
            )
            .instrument(tracing::debug_span!("token_request"))
            .await?;
            let (record, claims) = self
                .accept(&provider, response, Origin::SignIn { nonce: &nonce }, None)
                .await?;
            // Not while a renewal of an older session is writing its own record.
            let no_renewal = self.inner.renewing.lock().await;
            let (storage, pending) = self
                .persist(&record)
                .instrument(tracing::debug_span!("write"))
                .await;
            let view = self.sign_in_as(record, claims, storage, false);
            tracing::info!(?storage, "signed in");
            Ok::<_, Error>((view, pending, no_renewal))
        };
        let (view, pending, _no_renewal) = callback
            .instrument(tracing::debug_span!("sign_in_callback"))
            .await?;
        // The window has its page; what is left is bookkeeping: the keyring's generation, and
        // the sign-out mark.
        Self::settle(pending).await;
        if self.inner.ask_credentials.swap(false, Ordering::Relaxed) {
            let vault = self.inner.vault.clone();
            let _ = tokio::task::spawn_blocking(move || vault.set_signed_out(false)).await;
        }
        Ok(view)
    }

    /// Opens the waiting sign-in's page in the browser again (the person closed the tab, or it
    /// never came up). Without a sign-in waiting, nothing happens.
    pub async fn open_browser_again(&self) -> Result<()> {
        let url = lock(&self.inner.attempt)
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
        let browser = self.inner.browser.clone();
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
        let mut slot = lock(&self.inner.attempt);
        // The attempt may have ended (Cancel) while the browser started.
        if let Some(attempt) = slot.as_mut() {
            attempt.waiting = Some(waiting.clone());
            drop(slot);
            (self.inner.notify)(Change::Waiting(waiting));
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
    ) -> Result<Url> {
        let metadata = &provider.metadata;
        let required = metadata.require_pushed_authorization_requests;
        let Some(endpoint) = &metadata.pushed_authorization_request_endpoint else {
            return Ok(request.url());
        };
        if !required && provider.par_refused.load(Ordering::Relaxed) {
            return Ok(request.url());
        }
        match push(self.http(), endpoint, &request.form()).await {
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

    /// Puts the vault's key in place ahead of the save. A keyring that cannot take it now is
    /// asked again by the save, which says what becomes of the session.
    async fn prepare_vault(&self) {
        let vault = self.inner.vault.clone();
        match tokio::task::spawn_blocking(move || vault.prepare()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::debug!(error = %e, "the vault's key could not be prepared"),
            Err(e) => tracing::debug!(error = %e, "the vault task failed"),
        }
    }

    /// Seals the record and writes it. When the keyring or the file cannot take it the
    /// session stays in memory only, and the UI says so; nothing falls back to plain text.
    /// The keyring's generation is moved by [`Auth::settle`], which may wait until the window
    /// has its page.
    pub(super) async fn persist(&self, record: &SessionRecord) -> (StorageStatus, Option<Pending>) {
        let vault = self.inner.vault.clone();
        let record = record.clone();
        match tokio::task::spawn_blocking(move || vault.write(&record)).await {
            Ok(Ok(pending)) => (StorageStatus::Persisted, Some(pending)),
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "the session is kept in memory only");
                (StorageStatus::MemoryOnly, None)
            }
            Err(e) => {
                tracing::warn!(error = %e, "the vault task failed; the session is kept in memory only");
                (StorageStatus::MemoryOnly, None)
            }
        }
    }

    /// Moves the keyring to the generation of the record [`Auth::persist`] wrote.
    pub(super) async fn settle(pending: Option<Pending>) {
        if let Some(pending) = pending {
            let _ = tokio::task::spawn_blocking(move || pending.settle()).await;
        }
    }
}

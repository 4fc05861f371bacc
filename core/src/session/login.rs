//! The sign-in: Authorization Code flow with PKCE through the system browser and a loopback
//! redirect (RFC 8252), ending in a validated ID token and a sealed session.

use gatehouse_contract::{SessionView, StorageStatus};
use tokio::sync::oneshot;
use url::Url;

use super::{lock, Auth, Provider};
use crate::oidc::callback::Listener;
use crate::oidc::pkce::{random_token, Pkce};
use crate::oidc::{exchange_code, NonceCheck};
use crate::vault::SessionRecord;
use crate::{Error, Result};

/// One sign-in's own values (RFC 9700 §2.1.1: fresh per attempt).
struct Attempt {
    pkce: Pkce,
    state: String,
    nonce: String,
    redirect_uri: String,
}

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
            *slot = Some(cancel);
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
        let provider = self.provider().await?;
        let listener = Listener::bind(self.inner.config.redirect_port).await?;
        let attempt = Attempt {
            pkce: Pkce::new(),
            state: random_token(),
            nonce: random_token(),
            redirect_uri: listener.redirect_uri(),
        };
        let url = self.authorization_url(&provider, &attempt);
        self.inner
            .browser
            .open(url.as_str())
            .map_err(Error::Browser)?;
        tracing::info!(redirect_uri = %attempt.redirect_uri, "waiting for the browser sign-in");

        let code = listener
            .wait(attempt.state.clone(), self.inner.config.issuer.clone())
            .await?;
        let config = &self.inner.config;
        let grant = exchange_code(
            &self.inner.http,
            &provider.metadata.token_endpoint,
            &config.client_id,
            &code,
            &attempt.pkce.verifier,
            &attempt.redirect_uri,
        )
        .await?
        .map_err(|e| Error::Refused {
            error: e.error,
            description: e.error_description,
        })?;

        let id_token = grant
            .id_token
            .ok_or_else(|| Error::BadResponse("the token response has no id_token".into()))?;
        let claims = self
            .validate(
                &provider,
                id_token.secret(),
                NonceCheck::Equals(&attempt.nonce),
                None,
            )
            .await?;

        let record = SessionRecord {
            id_token,
            refresh_token: grant.refresh_token,
            expires_at: claims.expires_at,
            issuer: config.issuer.clone(),
            client_id: config.client_id.clone(),
        };
        // Not while a renewal of an older session is writing its own record.
        let _no_renewal = self.inner.renewing.lock().await;
        let storage = self.persist(&record).await;
        let view = self.sign_in_as(record, claims, storage);
        tracing::info!(?storage, "signed in");
        Ok(view)
    }

    /// The authorization request (RFC 6749 §4.1.1, RFC 7636 §4.3, OIDC Core 3.1.2.1).
    fn authorization_url(&self, provider: &Provider, attempt: &Attempt) -> Url {
        let config = &self.inner.config;
        let mut url = provider.metadata.authorization_endpoint.clone();
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("response_type", "code")
                .append_pair("client_id", &config.client_id)
                .append_pair("redirect_uri", &attempt.redirect_uri)
                .append_pair("scope", &config.scopes.join(" "))
                .append_pair("state", &attempt.state)
                .append_pair("nonce", &attempt.nonce)
                .append_pair("code_challenge", &attempt.pkce.challenge)
                .append_pair("code_challenge_method", "S256");
            if let Some(audience) = &config.audience {
                query.append_pair("audience", audience);
            }
        }
        url
    }

    /// Seals the record into the vault. When the keyring or the file cannot take it the
    /// session stays in memory only, and the UI says so; nothing falls back to plain text.
    pub(crate) async fn persist(&self, record: &SessionRecord) -> StorageStatus {
        let vault = self.inner.vault.clone();
        let record = record.clone();
        match tokio::task::spawn_blocking(move || vault.store(&record)).await {
            Ok(Ok(())) => StorageStatus::Persisted,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "the session is kept in memory only");
                StorageStatus::MemoryOnly
            }
            Err(e) => {
                tracing::warn!(error = %e, "the vault task failed; the session is kept in memory only");
                StorageStatus::MemoryOnly
            }
        }
    }
}

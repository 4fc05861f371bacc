//! The end of a sign-in, from the authorization code to the session: the code exchange, the
//! ID token's validation, the sealed record, and then the one decision that matters: does the
//! sign-in still stand? A sign-in can end (Cancel, its timeout, the call dropped, the app
//! quitting) while its record is being written; the completion then leaves nothing behind.
//!
//! It runs as a task of its own, so that nothing cancels it half way: a write that has begun
//! is finished, then either made the session or undone, and the tokens it brought revoked.

use std::sync::{Arc, Mutex};

use gatehouse_contract::SessionView;
use tracing::Instrument;

use super::context::Context;
use super::state::Active;
use super::upstream::Provider;
use crate::oidc::dpop::DpopKey;
use crate::oidc::{exchange_code, Nonce, PkceVerifier};
use crate::secret::Secret;
use crate::{lock, Error, Result};

/// Whether a sign-in stands, decided once: its completion and its ending race for it.
#[derive(Debug, Default)]
pub(super) struct Verdict(Mutex<Option<Outcome>>);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Completed,
    Ended,
}

impl Verdict {
    /// Ends the sign-in unless it has completed; whether it ended it.
    pub(super) fn end(&self) -> bool {
        self.decide(Outcome::Ended)
    }

    /// Completes the sign-in unless it has ended; whether it completed it.
    fn complete(&self) -> bool {
        self.decide(Outcome::Completed)
    }

    /// Makes `outcome` the verdict unless the other one was reached first; whether it is.
    fn decide(&self, outcome: Outcome) -> bool {
        let mut decided = lock(&self.0);
        if decided.is_some_and(|earlier| earlier != outcome) {
            return false;
        }
        *decided = Some(outcome);
        true
    }

    fn ended(&self) -> bool {
        *lock(&self.0) == Some(Outcome::Ended)
    }
}

/// What the completion needs of the sign-in that waited for the code.
pub(super) struct Completion {
    pub ctx: Arc<Context>,
    pub provider: Arc<Provider>,
    pub verifier: PkceVerifier,
    pub nonce: Nonce,
    pub redirect_uri: String,
    pub verdict: Arc<Verdict>,
    /// The key the tokens are bound to (DPoP), when they are.
    pub dpop_key: Option<DpopKey>,
}

impl Completion {
    /// Trades `code` for the session. From the redirect to the signed-in page: the provider's
    /// part is `token_request` (and `signing_keys` when they are not cached); the rest is the
    /// app's.
    pub(super) async fn run(self, code: Secret) -> Result<SessionView> {
        let Context {
            config,
            keeper,
            upstream,
            ..
        } = &*self.ctx;
        let response = exchange_code(
            upstream.http(),
            &self.provider.metadata.token_endpoint,
            upstream.client_auth(&self.provider),
            &code,
            &self.verifier,
            &self.redirect_uri,
            config.exchange_resource(),
            self.dpop_key
                .as_ref()
                .map(|key| upstream.dpop(key))
                .as_ref(),
        )
        .instrument(tracing::debug_span!("token_request"))
        .await?;
        let issued = response.refresh_token.clone();
        let (record, claims) = match upstream
            .accept(
                &self.provider,
                response,
                &self.nonce,
                self.dpop_key.as_ref(),
            )
            .await
        {
            Ok(accepted) => accepted,
            Err(e) => {
                // Tokens that failed validation are not kept, nor left valid.
                self.revoke(issued).await;
                return Err(e);
            }
        };
        // Not while a renewal of an older session is writing its own record.
        let writing = keeper.writing().await;
        if self.verdict.ended() {
            drop(writing);
            self.revoke(issued).await;
            return Err(Error::Cancelled);
        }
        let (storage, pending) = keeper
            .write(&record)
            .instrument(tracing::debug_span!("write"))
            .await;
        if !self.verdict.complete() {
            // The sign-in ended while its record was written: what was written goes, and what
            // is on disk is the session as it is (RFC 7009 for the refresh token it brought).
            tracing::info!("the sign-in ended while its session was being saved; undoing it");
            drop(pending);
            keeper.undo_write().await;
            drop(writing);
            self.revoke(issued).await;
            return Err(Error::Cancelled);
        }
        let view = keeper.install(Active {
            record,
            claims,
            storage,
            stalled: false,
        });
        tracing::info!(?storage, "signed in");
        drop(writing);
        // The window has its page; what is left is bookkeeping: the keyring's generation, and
        // the sign-out mark.
        keeper.settle(pending).await;
        keeper.signed_in().await;
        Ok(view)
    }

    async fn revoke(&self, refresh_token: Option<Secret>) {
        if let Some(refresh_token) = refresh_token {
            self.ctx.upstream.revoke(&refresh_token).await;
        }
    }
}

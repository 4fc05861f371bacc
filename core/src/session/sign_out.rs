//! Signing out: the session is destroyed here at once, then the provider is told (RFC 7009
//! revocation, and RP-Initiated Logout in the browser when configured).

use std::sync::Arc;

use super::context::Context;

pub(super) struct SignOut {
    ctx: Arc<Context>,
}

impl SignOut {
    pub(super) fn new(ctx: Arc<Context>) -> Self {
        Self { ctx }
    }

    /// The stored record and its key are destroyed and the UI told at once; then the refresh
    /// token is revoked (bounded, failure logged), and the provider's browser session ended
    /// when configured.
    pub(super) async fn logout(&self) {
        let Context {
            config,
            keeper,
            upstream,
            ..
        } = &*self.ctx;
        let previous = {
            // A renewal under way finishes first, so that it cannot bring the session back.
            let _writing = keeper.writing().await;
            keeper.sign_out().await
        };
        let Some(previous) = previous else {
            return;
        };
        if let Some(refresh_token) = &previous.record.refresh_token {
            upstream.revoke(refresh_token).await;
        }
        if config.end_session {
            self.end_provider_session().await;
        }
    }

    /// Opens the provider's logout page in the browser (OIDC RP-Initiated Logout 1.0).
    async fn end_provider_session(&self) {
        let Some(url) = self.ctx.upstream.logout_url().await else {
            return;
        };
        let browser = self.ctx.browser.clone();
        let opened = tokio::task::spawn_blocking(move || browser.open(url.as_str())).await;
        if let Ok(Err(e)) = opened {
            tracing::warn!(error = %e, "could not open the provider's logout page");
        }
    }
}

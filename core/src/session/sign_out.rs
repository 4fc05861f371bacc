//! Signing out: the session is destroyed here at once, then the provider is told (RFC 7009
//! revocation, and RP-Initiated Logout in the browser when configured).

use std::sync::Arc;

use super::keeper::Keeper;
use super::upstream::{Upstream, REVOCATION_LIMIT};
use crate::browser::Browser;
use crate::config::Config;

pub(super) struct SignOut {
    config: Arc<Config>,
    upstream: Arc<Upstream>,
    keeper: Arc<Keeper>,
    browser: Browser,
}

impl SignOut {
    pub(super) fn new(
        config: Arc<Config>,
        upstream: Arc<Upstream>,
        keeper: Arc<Keeper>,
        browser: Browser,
    ) -> Self {
        Self {
            config,
            upstream,
            keeper,
            browser,
        }
    }

    /// The stored record and its key are destroyed and the UI told at once; then the refresh
    /// token is revoked (bounded, failure logged), and the provider's browser session ended
    /// when configured.
    pub(super) async fn logout(&self) {
        let previous = {
            // A renewal under way finishes first, so that it cannot bring the session back.
            let _writing = self.keeper.writing().await;
            self.keeper.sign_out().await
        };
        let Some(previous) = previous else {
            return;
        };
        if let Some(refresh_token) = &previous.record.refresh_token {
            self.upstream.revoke(refresh_token).await;
        }
        if self.config.end_session {
            self.end_provider_session().await;
        }
    }

    /// Opens the provider's logout page in the browser (OIDC RP-Initiated Logout 1.0).
    async fn end_provider_session(&self) {
        let provider = match tokio::time::timeout(REVOCATION_LIMIT, self.upstream.provider()).await
        {
            Ok(Ok(provider)) => provider,
            _ => {
                tracing::warn!("cannot end the provider session: the provider is unreachable");
                return;
            }
        };
        match provider.metadata.logout_url(&self.config.client_id) {
            Some(url) => {
                let browser = self.browser.clone();
                let opened = tokio::task::spawn_blocking(move || browser.open(url.as_str())).await;
                if let Ok(Err(e)) = opened {
                    tracing::warn!(error = %e, "could not open the provider's logout page");
                }
            }
            None => tracing::info!("the provider offers no way to end its browser session"),
        }
    }
}

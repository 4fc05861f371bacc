//! A session's lifetime: a look at the clock on every tick, and silent renewal with the refresh
//! token (RFC 6749 §6, OIDC Core 12).
//!
//! The watcher never trusts a long sleep: a timer set for the expiry would fire late after the
//! machine sleeps or the clock jumps, so it ticks every [`super::policy::TICK`] and asks the
//! clock each time.

use std::sync::{Arc, Weak};

use gatehouse_contract::{SessionState, SessionView};
use tokio::time::MissedTickBehavior;

use super::context::Context;
use super::policy::{Due, Lifetime, TICK};
use super::state::{Active, Ended};
use crate::access_token::Sendable;
use crate::config::Api;
use crate::oidc::{refresh, refresh_for, KeyError, RequestError};
use crate::secret::Secret;
use crate::{Error, Result};

pub(super) struct Renewal {
    ctx: Arc<Context>,
}

/// Why a renewal did not give a new session.
enum Failure {
    /// The provider refused the refresh token, or sent an ID token that fails validation:
    /// the session is over and its record is destroyed.
    Rejected(Error),
    /// The provider could not be reached: the session ends here, its record stays for the
    /// next start to renew.
    Unreachable(Error),
}

/// Starts the lifetime watcher of the session `ctx` holds, on the current tokio runtime: a
/// look at the clock every [`TICK`]. It stops by itself once nothing else holds the session.
pub(super) fn watch(ctx: Weak<Context>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let Some(ctx) = ctx.upgrade() else { break };
            Renewal::new(ctx).check().await;
        }
    })
}

impl Renewal {
    pub(super) fn new(ctx: Arc<Context>) -> Self {
        Self { ctx }
    }

    /// One look at the clock: a session about to stop being fresh is renewed when it can be;
    /// one that is no longer fresh and cannot be renewed is ended.
    pub(super) async fn check(&self) {
        let (due, seen) = self.ctx.keeper.due();
        match due {
            Due::Nothing => {}
            Due::Renew => {
                if let Err(e) = self.renew().await {
                    tracing::info!(error = %e, "the session was not renewed");
                }
            }
            Due::End => self.expire(seen).await,
            Due::TimeLimit => {
                let _writing = self.ctx.keeper.writing().await;
                let now = self.ctx.keeper.seen();
                if let (true, Some(active)) = (now.generation == seen, now.active) {
                    self.end_at_limit(&active).await;
                }
            }
        }
    }

    /// Ends a session that reached its time limit (OIDC Core 3.1.2.1 `max_age`), with the
    /// writing right held. Its refresh token could still renew it at the provider and its
    /// access tokens still open the APIs, so they are revoked (RFC 7009): nothing outlives the
    /// limit.
    async fn end_at_limit(&self, active: &Active) {
        tracing::info!("the session reached its time limit");
        self.ctx.keeper.end(Ended::TimeLimit, true).await;
        // Its access tokens too, the session's and each API's: an API would take them until
        // they expire (RFC 7009 §2.1 `token_type_hint=access_token`).
        self.ctx.upstream.revoke_session(&active.record).await;
    }

    /// Nothing renews a session past its time limit: one that has reached it is ended here
    /// (with the writing right held), and the caller gets why.
    async fn within_limit(&self, active: &Active) -> Result<()> {
        if self
            .ctx
            .keeper
            .policy()
            .past_limit(active.lifetime(), self.ctx.keeper.now())
        {
            self.end_at_limit(active).await;
            return Err(Error::TimeLimit);
        }
        Ok(())
    }

    /// Ends a session that is no longer fresh and cannot be renewed, unless it changed since
    /// generation `seen` (a login, logout or renewal got there first).
    async fn expire(&self, seen: u64) {
        let _writing = self.ctx.keeper.writing().await;
        if self.ctx.keeper.seen().generation == seen {
            tracing::info!("the session expired");
            self.ctx.keeper.end(Ended::Expired, true).await;
        }
    }

    /// An access token for `api`, obtained with the session's refresh token narrowed to the
    /// API (RFC 8707 §2.2, or Auth0's `audience`), and sealed with the session. It shares the
    /// renewal's turn: one refresh at a time, the rotated refresh token saved before anything
    /// uses it again. A call that waited finds the token the one before it fetched, so calls
    /// that need the same API's token share one refresh.
    /// `refused`, when given, is a token the API refused (RFC 6750 §3.1 `invalid_token`): it is
    /// not given again, however fresh it looks.
    pub(super) async fn api_token(&self, api: &Api, refused: Option<&Secret>) -> Result<Sendable> {
        let _writing = self.ctx.keeper.writing().await;
        let Some(previous) = self.ctx.keeper.seen().active else {
            return Err(Error::Expired);
        };
        self.within_limit(&previous).await?;
        let cached = previous.record.api_tokens.get(&api.resource);
        if let Some(record) = cached.filter(|record| self.ctx.keeper.fresh(&previous, record)) {
            if refused != Some(&record.token) {
                let key = self.ctx.keeper.session_key(&previous.record)?;
                return Sendable::of(record, key);
            }
        }
        let Some(refresh_token) = previous.record.refresh_token.clone() else {
            return Err(Error::NoAccessToken);
        };
        let provider = self.ctx.upstream.provider().await?;
        let key = self.ctx.keeper.session_key(&previous.record)?;
        let scope = api.scopes.join(" ");
        // The API by its resource (RFC 8707) or audience, and its scopes; by its scopes alone
        // where the provider knows APIs by nothing else.
        let mut extra = Vec::new();
        if let Some(name) = self.ctx.config.resource_parameter.name() {
            extra.push((name, api.resource.as_str()));
        }
        if !scope.is_empty() {
            extra.push(("scope", scope.as_str()));
        }
        let response = refresh_for(
            self.ctx.upstream.http(),
            &provider.metadata.token_endpoint,
            self.ctx.upstream.client_auth(&provider),
            &refresh_token,
            &extra,
            key.as_deref()
                .map(|key| self.ctx.upstream.dpop(key))
                .as_ref(),
        )
        .await;
        let response = match response {
            Ok(response) => response,
            // The refresh token itself is refused: the session is over.
            Err(RequestError::OAuth(e)) if e.error == "invalid_grant" => {
                tracing::warn!(error = %e, "the provider refused the refresh token");
                self.ctx.keeper.end(Ended::Expired, true).await;
                return Err(Error::Expired);
            }
            // This API cannot be had (invalid_target, invalid_scope), or the provider is out of
            // reach: the session goes on.
            Err(e) => return Err(e.into()),
        };
        // Tokens that lost their DPoP binding are refused here, before anything is stored.
        let (record, claims) = self
            .ctx
            .upstream
            .accept_api_token(&provider, response, &previous, &api.resource)
            .await?;
        let storage = self.ctx.keeper.save_after(&record, previous.storage).await;
        let active = Active {
            record,
            claims,
            storage,
            stalled: previous.stalled,
        };
        let token = Sendable::of(&active.record.api_tokens[&api.resource], key);
        self.ctx.keeper.replace(active);
        tracing::info!(api = %api.url, "access token for the API obtained");
        token
    }

    /// Renews the session with its refresh token. One renewal runs at a time; a call that had
    /// to wait for another returns what that one left, without asking the provider again.
    pub(super) async fn renew(&self) -> Result<SessionView> {
        let seen = self.ctx.keeper.seen().generation;
        let _writing = self.ctx.keeper.writing().await;
        let now = self.ctx.keeper.seen();
        if now.generation != seen {
            return match self.ctx.keeper.state() {
                SessionState::SignedIn { session } => Ok(session),
                SessionState::SignedOut { .. } => Err(Error::Expired),
            };
        }
        let Some(previous) = now.active else {
            return Err(Error::Expired);
        };
        self.within_limit(&previous).await?;
        let Some(refresh_token) = previous.record.refresh_token.clone() else {
            self.ctx.keeper.end(Ended::Expired, true).await;
            return Err(Error::Expired);
        };

        let renewed = async {
            let provider = self
                .ctx
                .upstream
                .provider()
                .await
                .map_err(Failure::Unreachable)?;
            // RFC 9449 §5: a refresh token bound to the session's key goes with a proof.
            let key = self
                .ctx
                .keeper
                .session_key(&previous.record)
                .map_err(Failure::Rejected)?;
            let response = refresh(
                self.ctx.upstream.http(),
                &provider.metadata.token_endpoint,
                self.ctx.upstream.client_auth(&provider),
                &refresh_token,
                key.as_deref()
                    .map(|key| self.ctx.upstream.dpop(key))
                    .as_ref(),
            )
            .await
            // invalid_grant: revoked, expired, or a rotated token presented twice.
            .map_err(|e| {
                if e.is_transient() {
                    Failure::Unreachable(e.into())
                } else {
                    Failure::Rejected(e.into())
                }
            })?;
            // OIDC Core 12.2: validated like the first, and against the token it replaces.
            // Without rotation the old refresh token stays valid.
            self.ctx
                .upstream
                .accept_refresh(&provider, response, &previous)
                .await
                .map_err(|e| match e {
                    keys @ Error::SigningKeys(KeyError::Fetch(_)) => Failure::Unreachable(keys),
                    invalid => Failure::Rejected(invalid),
                })
        };

        match renewed.await {
            Ok((record, claims)) => {
                // The rotated refresh token is on disk before anything can use it again.
                let storage = self.ctx.keeper.save_after(&record, previous.storage).await;
                // A renewal that does not extend the session (the provider handed back a token
                // that expires no later), or leaves it not even fresh (this machine's clock runs
                // ahead of the provider's), would only be asked for again at every tick. The
                // session then runs to its end like one without a refresh token.
                let stalled = record.expires_at <= previous.record.expires_at
                    || !self
                        .ctx
                        .keeper
                        .policy()
                        .is_fresh(Lifetime::of(&record, &claims, true), self.ctx.keeper.now());
                if stalled {
                    tracing::warn!("the renewal did not extend the session; it is not renewed again and ends at its expiry");
                }
                let view = self.ctx.keeper.install(Active {
                    record,
                    claims,
                    storage,
                    stalled,
                });
                tracing::info!(expires_at = view.expires_at, "session renewed");
                Ok(view)
            }
            Err(Failure::Rejected(e)) => {
                tracing::warn!(error = %e, "the provider refused to renew the session");
                // Tokens that lost their DPoP binding end the session with that reason; any
                // other refusal, as expired.
                let ended = match e {
                    Error::DpopNotBound => Ended::Unbound,
                    _ => Ended::Expired,
                };
                let error = ended.error();
                self.ctx.keeper.end(ended, true).await;
                Err(error)
            }
            Err(Failure::Unreachable(e)) => {
                tracing::warn!(error = %e, "the session could not be renewed");
                let url = self.ctx.config.issuer.to_string();
                self.ctx
                    .keeper
                    .end(Ended::Unreachable { url: url.clone() }, false)
                    .await;
                Err(Error::RenewalUnreachable { url })
            }
        }
    }
}

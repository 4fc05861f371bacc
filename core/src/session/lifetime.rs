//! A session's lifetime: a watcher that asks the [`super::policy`] on every tick, and silent
//! renewal with the refresh token (RFC 6749 §6, OIDC Core 12).
//!
//! The watcher never trusts a long sleep: a timer set for the expiry would fire late after the
//! machine sleeps or the clock jumps, so it ticks every [`TICK`] and asks the clock each time.

use std::sync::Arc;

use gatehouse_contract::SessionView;
use tokio::time::MissedTickBehavior;

use super::policy::{Due, Lifetime, TICK};
use super::{lock, Auth, Change, Ended, Ending, State, StorageStatus};
use crate::oidc::{refresh, KeyError, Origin};
use crate::{Error, Result};

/// Why a renewal did not give a new session.
enum Failure {
    /// The provider refused the refresh token, or sent an ID token that fails validation:
    /// the session is over and its record is destroyed.
    Rejected(Error),
    /// The provider could not be reached: the session ends here, its record stays for the
    /// next start to renew.
    Unreachable(Error),
}

impl Auth {
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
                Auth { inner }.check_lifetime().await;
            }
        })
    }

    /// One look at the clock: a session about to stop being fresh is renewed when it can be;
    /// one that is no longer fresh and cannot be renewed is ended.
    pub async fn check_lifetime(&self) {
        let (due, seen) = {
            let slot = lock(&self.inner.state);
            let due = match &slot.state {
                State::SignedIn(active) => {
                    let now = self.inner.clock.now();
                    self.inner.policy.due(active.lifetime(), now)
                }
                State::SignedOut { .. } => Due::Nothing,
            };
            (due, slot.generation)
        };
        match due {
            Due::Nothing => {}
            Due::Renew => {
                if let Err(e) = self.renew().await {
                    tracing::info!(error = %e, "the session was not renewed");
                }
            }
            Due::End => self.expire(seen).await,
        }
    }

    /// Ends a session that is no longer fresh and cannot be renewed, unless it changed since
    /// generation `seen` (a login, logout or renewal got there first).
    async fn expire(&self, seen: u64) {
        let _one_at_a_time = self.inner.renewing.lock().await;
        if lock(&self.inner.state).generation == seen {
            tracing::info!("the session expired");
            self.end(Ended::Expired, true).await;
        }
    }

    /// Renews the session with its refresh token. One renewal runs at a time; a call that had
    /// to wait for another returns what that one left, without asking the provider again.
    pub async fn renew(&self) -> Result<SessionView> {
        let seen = lock(&self.inner.state).generation;
        let _one_at_a_time = self.inner.renewing.lock().await;
        let (record, previous, storage) = {
            let slot = lock(&self.inner.state);
            if slot.generation != seen {
                drop(slot);
                return self.session()?.ok_or(Error::Expired);
            }
            match &slot.state {
                State::SignedIn(a) => (a.record.clone(), a.claims.clone(), a.storage),
                State::SignedOut { .. } => return Err(Error::Expired),
            }
        };
        let Some(refresh_token) = record.refresh_token else {
            self.end(Ended::Expired, true).await;
            return Err(Error::Expired);
        };

        let renewed = async {
            let provider = self.provider().await.map_err(Failure::Unreachable)?;
            let config = &self.inner.config;
            let response = refresh(
                self.http(),
                &provider.metadata.token_endpoint,
                &config.client_id,
                &refresh_token,
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
            let origin = Origin::Refresh {
                previous: &previous,
            };
            self.accept(&provider, response, origin, Some(refresh_token))
                .await
                .map_err(|e| match e {
                    keys @ Error::SigningKeys(KeyError::Fetch(_)) => Failure::Unreachable(keys),
                    invalid => Failure::Rejected(invalid),
                })
        };

        match renewed.await {
            Ok((record, claims)) => {
                // The rotated refresh token is on disk before anything can use it again.
                let storage = match storage {
                    StorageStatus::Persisted => {
                        let (storage, pending) = self.persist(&record).await;
                        Self::settle(pending).await;
                        storage
                    }
                    memory_only => memory_only,
                };
                // A renewal that does not extend the session (the provider handed back a token
                // that expires no later), or leaves it not even fresh (this machine's clock runs
                // ahead of the provider's), would only be asked for again at every tick. The
                // session then runs to its end like one without a refresh token.
                let now = self.inner.clock.now();
                let stalled = claims.expires_at <= previous.expires_at
                    || !self.inner.policy.is_fresh(Lifetime::of(&claims, true), now);
                if stalled {
                    tracing::warn!("the renewal did not extend the session; it is not renewed again and ends at its expiry");
                }
                let view = self.sign_in_as(record, claims, storage, stalled);
                tracing::info!(expires_at = view.expires_at, "session renewed");
                Ok(view)
            }
            Err(Failure::Rejected(e)) => {
                tracing::warn!(error = %e, "the provider refused to renew the session");
                self.end(Ended::Expired, true).await;
                Err(Error::Expired)
            }
            Err(Failure::Unreachable(e)) => {
                tracing::warn!(error = %e, "the session could not be renewed");
                let url = self.inner.config.issuer.to_string();
                self.end(Ended::Unreachable { url: url.clone() }, false)
                    .await;
                Err(Error::RenewalUnreachable { url })
            }
        }
    }

    /// Ends the session locally and tells the UI why; `destroy` also removes the record.
    async fn end(&self, reason: Ended, destroy: bool) {
        self.set_state(State::SignedOut {
            ended: Some(reason),
        });
        if destroy {
            self.destroy_record(Ending::Lapsed).await;
        }
        (self.inner.notify)(Change::Session(None));
    }
}

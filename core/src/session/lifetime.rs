//! A session's lifetime: a watcher that compares the ID token's expiry with the wall clock on
//! every tick, and silent renewal with the refresh token (RFC 6749 §6, OIDC Core 12).
//!
//! The watcher never trusts a long sleep: a timer set for the expiry would fire late after the
//! machine sleeps or the clock jumps, so it ticks every [`TICK`] and asks the clock each time.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use gatehouse_contract::SessionView;
use tokio::time::MissedTickBehavior;

use super::{lock, Active, Auth, Ended, State, StorageStatus};
use crate::oidc::{refresh, NonceCheck};
use crate::vault::SessionRecord;
use crate::{Error, Result};

/// How often the watcher looks at the clock.
pub const TICK: Duration = Duration::from_secs(1);

/// A renewable session is renewed this much before it would stop being fresh: a tenth of the
/// token's lifetime, at least two ticks (so a tick always falls in the window) and at most a
/// minute. The session is never seen signed out between two renewals.
fn renew_ahead(active: &Active) -> i64 {
    let lifetime = active.claims.expires_at - active.claims.issued_at;
    (lifetime / 10).clamp(2 * TICK.as_secs() as i64, 60)
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

    /// One look at the clock: a session about to stop being fresh (DESIGN §4, `logged_in`) is
    /// renewed when it can be; one that is no longer fresh and cannot be renewed is ended.
    pub async fn check_lifetime(&self) {
        let due = match &*lock(&self.inner.state) {
            State::SignedIn(active) if active.record.refresh_token.is_some() => {
                let min_ttl = self.inner.config.min_ttl.as_secs() as i64;
                let remaining = active.claims.expires_at - self.inner.clock.now();
                remaining <= min_ttl + renew_ahead(active)
            }
            State::SignedIn(active) => !self.is_fresh(active),
            State::SignedOut => false,
        };
        if due {
            if let Err(e) = self.renew().await {
                tracing::info!(error = %e, "the session was not renewed");
            }
        }
    }

    /// Renews the session with its refresh token. One renewal runs at a time; a call that had
    /// to wait for another returns what that one left, without asking the provider again.
    pub async fn renew(&self) -> Result<SessionView> {
        let seen = self.inner.generation.load(Ordering::SeqCst);
        let _one_at_a_time = self.inner.renewing.lock().await;
        if self.inner.generation.load(Ordering::SeqCst) != seen {
            return self.session()?.ok_or(Error::Expired);
        }
        let (record, subject, nonce, storage) = match &*lock(&self.inner.state) {
            State::SignedIn(a) => (
                a.record.clone(),
                a.claims.subject.clone(),
                a.claims.nonce.clone(),
                a.storage,
            ),
            State::SignedOut => return Err(Error::Expired),
        };
        let Some(refresh_token) = record.refresh_token.clone() else {
            self.end(Ended::Expired, true).await;
            return Err(Error::Expired);
        };

        let renewed = async {
            let provider = self.provider().await.map_err(Failure::Unreachable)?;
            let config = &self.inner.config;
            let grant = refresh(
                &self.inner.http,
                &provider.metadata.token_endpoint,
                &config.client_id,
                &refresh_token,
            )
            .await
            .map_err(|e| match e {
                Error::Unreachable { .. } | Error::HttpStatus { .. } => Failure::Unreachable(e),
                other => Failure::Rejected(other),
            })?
            // invalid_grant: revoked, expired, or a rotated token presented twice.
            .map_err(|e| {
                Failure::Rejected(Error::Refused {
                    error: e.error,
                    description: e.error_description,
                })
            })?;
            let id_token = grant.id_token.ok_or_else(|| {
                Failure::Rejected(Error::BadResponse(
                    "the refresh response has no id_token".into(),
                ))
            })?;
            // OIDC Core 12.2: validated like the first, same iss and sub, nonce optional.
            let claims = self
                .validate(
                    &provider,
                    id_token.secret(),
                    NonceCheck::SameAsOriginal(nonce.as_deref()),
                    Some(&subject),
                )
                .await
                .map_err(|e| match Error::from(e) {
                    keys @ Error::SigningKeys(_) => Failure::Unreachable(keys),
                    invalid => Failure::Rejected(invalid),
                })?;
            let record = SessionRecord {
                id_token,
                // Without rotation the old refresh token stays valid.
                refresh_token: grant.refresh_token.or(Some(refresh_token)),
                expires_at: claims.expires_at,
                issuer: record.issuer,
                client_id: record.client_id,
            };
            Ok::<_, Failure>((record, claims))
        };

        match renewed.await {
            Ok((record, claims)) => {
                // The rotated refresh token is on disk before anything can use it again.
                let storage = match storage {
                    StorageStatus::Persisted => self.persist(&record).await,
                    memory_only => memory_only,
                };
                let view = self.sign_in_as(record, claims, storage);
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
                let url = self.inner.config.issuer.clone();
                self.end(Ended::Unreachable { url: url.clone() }, false)
                    .await;
                Err(Error::RenewalUnreachable { url })
            }
        }
    }

    /// Ends the session locally and tells the UI why; `destroy` also removes the record.
    pub(crate) async fn end(&self, reason: Ended, destroy: bool) {
        self.set_state(State::SignedOut, Some(reason));
        if destroy {
            self.destroy_record().await;
        }
        (self.inner.notify)(None);
    }
}

//! The keeper of the session: its one state in memory, its sealed record in the vault, and the
//! UI told of every change. The flows (sign-in, renewal, sign-out) change the session only
//! through here, and only one of them writes at a time.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use gatehouse_contract::{SessionState, StorageStatus};

use super::policy::{Due, Policy, TokenTimes};
use super::state::{Active, Change, Ended, Notify, State};
use crate::clock::Clock;
use crate::config::Config;
use crate::oidc::dpop::DpopKey;
use crate::oidc::IdClaims;
use crate::vault::{Opened, Pending, SessionRecord, TokenRecord, Vault};
use crate::{lock, Error, Result};

pub(super) struct Keeper {
    vault: Vault,
    policy: Policy,
    clock: Arc<dyn Clock>,
    /// The state and a count of its changes, changed together.
    slot: Mutex<Slot>,
    /// Held by whoever replaces the session's record (a renewal, a sign-in's save, a logout),
    /// so that one never overwrites another's, and one refresh is in flight at a time.
    writing: tokio::sync::Mutex<()>,
    /// The person signed out last: the next sign-in asks for credentials (`prompt=login`).
    /// Read from the vault when the stored session is opened.
    ask_credentials: AtomicBool,
    notify: Notify,
}

struct Slot {
    state: State,
    /// Bumped on every change of state, so that a flow that waited can tell whether another
    /// one changed the session meanwhile.
    generation: u64,
    /// The session's DPoP key as read from its record: reading one derives the public key and
    /// its thumbprint, which each call would otherwise do again. Dropped, and so wiped from
    /// memory (its parts are zeroized on drop), as soon as the session ends.
    dpop_key: Option<Arc<DpopKey>>,
}

/// The session as one look saw it.
pub(super) struct Seen {
    pub generation: u64,
    /// The signed-in session, if any.
    pub active: Option<Active>,
}

impl Keeper {
    /// The keeper of a session on `vault`, by `config`'s lifetime rules.
    pub(super) fn new(
        vault: Vault,
        config: &Config,
        clock: Arc<dyn Clock>,
        notify: Notify,
    ) -> Self {
        Self {
            vault,
            policy: Policy::new(config.min_ttl, config.max_age),
            clock,
            slot: Mutex::new(Slot {
                state: State::SignedOut { ended: None },
                generation: 0,
                dpop_key: None,
            }),
            writing: tokio::sync::Mutex::new(()),
            ask_credentials: AtomicBool::new(false),
            notify,
        }
    }

    pub(super) fn now(&self) -> i64 {
        self.clock.now()
    }

    pub(super) fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Reads the stored session into memory; the UI is told nothing (it asks). Blocking
    /// (keyring and file).
    ///
    /// A stored session not worth keeping is removed; one past its time limit is returned, for
    /// the caller to revoke its tokens: the provider would still renew its refresh token, and
    /// the APIs still take its access tokens.
    #[must_use = "the tokens of a record returned here are still good until revoked"]
    pub(super) fn restore(&self) -> Option<SessionRecord> {
        let signed_out = self.vault.signed_out();
        self.ask_credentials.store(signed_out, Ordering::Relaxed);
        let record = match self.vault.open() {
            Opened::Session(record) => record,
            Opened::Empty => return None,
            Opened::KeyringUnavailable(e) => {
                tracing::warn!(error = %e, "cannot open the stored session");
                self.set(State::SignedOut {
                    ended: Some(Ended::Keyring(e)),
                });
                return None;
            }
        };
        let mut claims = match IdClaims::read_sealed(record.id_token.secret()) {
            Ok(claims) => claims,
            Err(e) => {
                tracing::warn!(error = %e, "the stored ID token is unreadable; starting signed out");
                return None;
            }
        };
        // The profile the session showed, where its last ID token left some of it out.
        if let Some(profile) = &record.profile {
            claims.keep_profile(profile);
        }
        let active = Active {
            record,
            claims,
            storage: StorageStatus::Persisted,
            stalled: false,
        };
        let (lifetime, now) = (active.lifetime(), self.now());
        if self.policy.worth_keeping(lifetime, now) {
            // A stale one is renewed right after.
            self.set(State::SignedIn(Box::new(active)));
            return None;
        }
        // Expired and not renewable, or past its time limit: nothing worth keeping.
        if let Err(e) = self.vault.destroy() {
            tracing::warn!(error = %e, "could not remove the expired session");
        }
        let past_limit = self.policy.past_limit(lifetime, now);
        let ended = if past_limit {
            Ended::TimeLimit
        } else {
            Ended::Expired
        };
        self.set(State::SignedOut { ended: Some(ended) });
        past_limit.then_some(active.record)
    }

    /// Whether there is certainly no stored session to open. Blocking (reads the session file,
    /// no keyring call).
    pub(super) fn nothing_stored(&self) -> bool {
        self.vault.has_record() == Some(false)
    }

    /// `logged_in`: a session exists and its ID token's `exp` is later than now plus the
    /// minimum remaining lifetime. The same answer as [`Keeper::state`]'s, from it: the two
    /// cannot disagree.
    pub(super) fn logged_in(&self) -> bool {
        matches!(self.state(), SessionState::SignedIn { .. })
    }

    /// The session as the UI sees it: signed in with its view while it is fresh, or signed out
    /// and, when it ended by itself, why.
    pub(super) fn state(&self) -> SessionState {
        match &self.lock().state {
            State::SignedIn(active) if self.is_fresh(active) => SessionState::SignedIn {
                session: active.view(),
            },
            State::SignedIn(_) | State::SignedOut { ended: None } => {
                SessionState::SignedOut { reason: None }
            }
            State::SignedOut { ended: Some(ended) } => ended.signed_out(),
        }
    }

    /// The session now, and the generation it is at.
    pub(super) fn seen(&self) -> Seen {
        let slot = self.lock();
        Seen {
            generation: slot.generation,
            active: match &slot.state {
                State::SignedIn(active) => Some((**active).clone()),
                State::SignedOut { .. } => None,
            },
        }
    }

    /// Whether `access`, a token of `active`'s record, is fresh by the session's policy (see
    /// [`Policy::token_is_fresh`]).
    pub(super) fn fresh(&self, active: &Active, access: &TokenRecord) -> bool {
        let token = TokenTimes {
            issued_at: access.issued_at,
            expires_at: access.expires_at,
        };
        self.policy
            .token_is_fresh(token, active.lifetime(), self.now())
    }

    /// What the lifetime policy asks of the session now, and the generation it saw.
    pub(super) fn due(&self) -> (Due, u64) {
        let slot = self.lock();
        let due = match &slot.state {
            State::SignedIn(active) => self.policy.due(active.lifetime(), self.now()),
            State::SignedOut { .. } => Due::Nothing,
        };
        (due, slot.generation)
    }

    /// The right to replace the session's record, held until the guard drops.
    pub(super) async fn writing(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.writing.lock().await
    }

    /// Whether the next sign-in asks for credentials.
    pub(super) fn ask_credentials(&self) -> bool {
        self.ask_credentials.load(Ordering::Relaxed)
    }

    /// Makes the vault's key ready ahead of a save (see [`Vault::prepare`]).
    pub(super) async fn prepare(&self) {
        let vault = self.vault.clone();
        match tokio::task::spawn_blocking(move || vault.prepare()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::debug!(error = %e, "the vault's key could not be prepared"),
            Err(e) => tracing::debug!(error = %e, "the vault task failed"),
        }
    }

    /// Seals the record and writes it. When the keyring or the file cannot take it the
    /// session stays in memory only, and the UI says so; nothing falls back to plain text.
    /// The keyring's generation moves with [`Keeper::settle`], which may wait until the
    /// window has its page.
    pub(super) async fn write(&self, record: &SessionRecord) -> (StorageStatus, Option<Pending>) {
        let vault = self.vault.clone();
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

    /// Saves `record`, which follows a session stored as `previous` says: written (the keyring
    /// settled) when that one was on disk, so that a rotated refresh token is saved before
    /// anything uses it again; kept in memory only when that one was.
    pub(super) async fn save_after(
        &self,
        record: &SessionRecord,
        previous: StorageStatus,
    ) -> StorageStatus {
        match previous {
            StorageStatus::Persisted => {
                let (storage, pending) = self.write(record).await;
                self.settle(pending).await;
                storage
            }
            memory_only => memory_only,
        }
    }

    /// Moves the keyring to the generation of the record [`Keeper::write`] wrote.
    pub(super) async fn settle(&self, pending: Option<Pending>) {
        if let Some(pending) = pending {
            let _ = tokio::task::spawn_blocking(move || pending.settle()).await;
        }
    }

    /// Makes `active` the session and tells the UI.
    pub(super) fn install(&self, active: Active) -> gatehouse_contract::SessionView {
        let view = active.view();
        self.set(State::SignedIn(Box::new(active)));
        (self.notify)(Change::Session(SessionState::SignedIn {
            session: view.clone(),
        }));
        view
    }

    /// Makes `active` the session without telling the UI: what it shows did not change (an
    /// API's token was added).
    pub(super) fn replace(&self, active: Active) {
        self.set(State::SignedIn(Box::new(active)));
    }

    /// After a sign-in: the next one may be silent again.
    pub(super) async fn signed_in(&self) {
        if self.ask_credentials.swap(false, Ordering::Relaxed) {
            let vault = self.vault.clone();
            let _ = tokio::task::spawn_blocking(move || vault.set_signed_out(false)).await;
        }
    }

    /// After a record was written that did not become the session (its sign-in ended): puts
    /// back on disk what the session is, its record sealed anew, or nothing at all.
    pub(super) async fn undo_write(&self) {
        match self.seen().active {
            Some(active) if active.storage == StorageStatus::Persisted => {
                let (_, pending) = self.write(&active.record).await;
                self.settle(pending).await;
            }
            _ => self.destroy(false).await,
        }
    }

    /// Ends the session by itself and tells the UI why; `destroy` also removes the record.
    pub(super) async fn end(&self, reason: Ended, destroy: bool) {
        let state = reason.signed_out();
        self.set(State::SignedOut {
            ended: Some(reason),
        });
        if destroy {
            self.destroy(false).await;
        }
        (self.notify)(Change::Session(state));
    }

    /// Ends the session because the person signed out: the record and its key are destroyed,
    /// the next sign-in asks for credentials, and the UI is told. Returns the session that
    /// was.
    pub(super) async fn sign_out(&self) -> Option<Active> {
        let previous = self.set(State::SignedOut { ended: None });
        // OIDC Core 3.1.2.1: the next sign-in asks for credentials (`prompt=login`), so that
        // the provider's browser session cannot sign the same person straight back in.
        self.ask_credentials.store(true, Ordering::Relaxed);
        self.destroy(true).await;
        (self.notify)(Change::Session(SessionState::SignedOut { reason: None }));
        match previous {
            State::SignedIn(active) => Some(*active),
            State::SignedOut { .. } => None,
        }
    }

    /// Deletes the stored record and its key, and records whether the person signed out; a
    /// failure is logged, the session is over anyway.
    async fn destroy(&self, signed_out: bool) {
        let vault = self.vault.clone();
        let destroyed = tokio::task::spawn_blocking(move || {
            let destroyed = vault.destroy();
            if signed_out {
                vault.set_signed_out(true);
            }
            destroyed
        });
        match destroyed.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "could not fully remove the stored session"),
            Err(e) => tracing::warn!(error = %e, "the vault task failed"),
        }
    }

    fn is_fresh(&self, active: &Active) -> bool {
        self.policy.is_fresh(active.lifetime(), self.now())
    }

    /// The DPoP key `record`'s tokens are bound to, if they are; read once for a session.
    pub(super) fn session_key(&self, record: &SessionRecord) -> Result<Option<Arc<DpopKey>>> {
        let Some(sealed) = &record.dpop_key else {
            return Ok(None);
        };
        let mut slot = self.lock();
        if let Some(key) = slot.dpop_key.as_ref().filter(|key| key.sealed() == sealed) {
            return Ok(Some(key.clone()));
        }
        let key =
            Arc::new(DpopKey::from_sealed(sealed).map_err(|e| Error::Internal(e.to_string()))?);
        slot.dpop_key = Some(key.clone());
        Ok(Some(key))
    }

    /// Replaces the state and counts the change; returns the state it replaced. A session that
    /// ends takes its DPoP key out of memory with it.
    fn set(&self, state: State) -> State {
        let mut slot = self.lock();
        slot.generation += 1;
        if matches!(state, State::SignedOut { .. }) {
            slot.dpop_key = None;
        }
        std::mem::replace(&mut slot.state, state)
    }

    fn lock(&self) -> MutexGuard<'_, Slot> {
        lock(&self.slot)
    }
}

#[cfg(test)]
mod tests;

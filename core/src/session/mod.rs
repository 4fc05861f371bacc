//! The session: signed out (and why), or signed in; the sign-in flow and the lifetime watcher
//! that move between them; and what the UI is told at each change.

mod lifetime;
mod login;
mod policy;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use gatehouse_contract::{SessionView, SignInWaiting, StorageStatus};
use tokio::sync::oneshot;
use tracing::Instrument;

use crate::browser::Browser;
use crate::clock::Clock;
use crate::config::Config;
use crate::oidc::{
    discover, http, revoke, IdClaims, JwksCache, Origin, ProviderMetadata, RemoteKeys,
    TokenResponse, UnverifiedIdToken, ValidationParams,
};
use crate::secret::Secret;
use crate::vault::{KeyStoreError, Opened, SessionRecord, Vault};
use crate::{Error, Result};
use policy::{Lifetime, Policy};

/// How long logout waits for the provider to confirm revocation (RFC 7009) before moving on.
const REVOCATION_LIMIT: Duration = Duration::from_secs(5);

/// What the UI is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The session changed: the new view, or `None` when signed out.
    Session(Option<SessionView>),
    /// A sign-in waits for the browser: the page it was asked to open, and whether it did.
    Waiting(SignInWaiting),
}

/// Told of every [`Change`].
pub type Notify = Arc<dyn Fn(Change) + Send + Sync>;

/// The session of one configured provider and client.
///
/// Cloning is cheap and shares the session.
#[derive(Clone)]
pub struct Auth {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    policy: Policy,
    /// Built on first use: loading the system's CA certificates takes milliseconds that the
    /// window's start need not wait for ([`Auth::open`] builds it in the background).
    http: std::sync::OnceLock<reqwest::Client>,
    clock: Arc<dyn Clock>,
    vault: Vault,
    browser: Browser,
    /// Discovered on first need and kept; a failed discovery is retried next time.
    provider: tokio::sync::Mutex<Option<Arc<Provider>>>,
    /// The one state of the session, and a count of its changes.
    state: Mutex<Slot>,
    /// The sign-in in progress, if any.
    attempt: Mutex<Option<Attempt>>,
    /// The person signed out last: the next sign-in asks for credentials (`prompt=login`).
    /// Read from the vault when the stored session is opened.
    ask_credentials: AtomicBool,
    /// Held for the whole of a renewal (one refresh in flight at a time), and by login and
    /// logout while they replace the session, so that a renewal never overwrites them.
    renewing: tokio::sync::Mutex<()>,
    notify: Notify,
}

/// A sign-in in progress.
struct Attempt {
    cancel: Option<oneshot::Sender<()>>,
    /// Set once the browser has been asked to open the page.
    waiting: Option<SignInWaiting>,
}

/// The state and its generation, changed together under one lock.
struct Slot {
    state: State,
    /// Bumped on every change of state, so that a renewal that waited can tell whether
    /// another one already did its work.
    generation: u64,
}

enum State {
    /// No session; `ended` says why, when the last one ended by itself or none could be opened,
    /// until a new one starts.
    SignedOut {
        ended: Option<Ended>,
    },
    SignedIn(Box<Active>),
}

/// Why there is no session, as `session` reports it while signed out.
#[derive(Debug, Clone)]
enum Ended {
    /// The keyring could not be reached, so the stored session could not be opened.
    Keyring(KeyStoreError),
    /// The session ran out and could not be renewed.
    Expired,
    /// Renewal failed because the provider could not be reached; the record is kept.
    Unreachable { url: String },
}

impl Ended {
    fn error(&self) -> Error {
        match self {
            Self::Keyring(e) => Error::KeyringUnavailable(e.clone()),
            Self::Expired => Error::Expired,
            Self::Unreachable { url } => Error::RenewalUnreachable { url: url.clone() },
        }
    }
}

/// How a session's record came to be destroyed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    /// The person signed out: the next sign-in asks for credentials.
    SignedOut,
    /// It ran out or was refused; the next sign-in may be silent.
    Lapsed,
}

/// The provider's metadata and its signing keys.
struct Provider {
    metadata: ProviderMetadata,
    keys: JwksCache<RemoteKeys>,
    /// The provider refused a pushed authorization request it advertises; requests go in the
    /// URL from then on (unless it requires pushing).
    par_refused: AtomicBool,
}

/// A signed-in session: the record as sealed, the claims read from its ID token.
struct Active {
    record: SessionRecord,
    claims: IdClaims,
    storage: StorageStatus,
    /// The last renewal did not extend the session; it is not renewed again.
    stalled: bool,
}

impl Active {
    fn lifetime(&self) -> Lifetime {
        let renewable = self.record.refresh_token.is_some() && !self.stalled;
        Lifetime::of(&self.claims, renewable)
    }

    fn view(&self) -> SessionView {
        SessionView {
            display_name: self.claims.display_name().to_owned(),
            email: self.claims.email.clone(),
            picture: self.claims.picture.clone(),
            expires_at: self.claims.expires_at,
            can_renew: self.lifetime().renewable,
            storage: self.storage,
        }
    }
}

impl Auth {
    pub fn new(config: Config, vault: Vault, clock: Arc<dyn Clock>, notify: Notify) -> Self {
        let browser = Browser::new(config.browser.clone());
        Self {
            inner: Arc::new(Inner {
                policy: Policy::new(config.min_ttl),
                config,
                http: std::sync::OnceLock::new(),
                clock,
                vault,
                browser,
                provider: tokio::sync::Mutex::new(None),
                state: Mutex::new(Slot {
                    state: State::SignedOut { ended: None },
                    generation: 0,
                }),
                attempt: Mutex::new(None),
                ask_credentials: AtomicBool::new(false),
                renewing: tokio::sync::Mutex::new(()),
                notify,
            }),
        }
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Opens the stored session and, when its ID token is no longer fresh, renews it before
    /// returning (so the UI never shows a session that is about to go). A fresh token needs
    /// no network: it was validated when it came and has been under Gatehouse's seal since.
    pub async fn open(&self) {
        let this = self.clone();
        let restored = tokio::task::spawn_blocking(move || {
            this.restore();
            // Ready for the first renewal or sign-in, off the window's path.
            this.http();
        });
        if let Err(e) = restored.await {
            tracing::warn!(error = %e, "opening the stored session failed");
        }
        self.check_lifetime().await;
    }

    /// Whether there is certainly no stored session to open: the window may then show the
    /// signed-out page at once instead of waiting for [`Auth::open`]. Blocking (reads the
    /// session file, no keyring call).
    pub fn nothing_stored(&self) -> bool {
        self.inner.vault.has_record() == Some(false)
    }

    /// The back-channel HTTP client.
    fn http(&self) -> &reqwest::Client {
        self.inner.http.get_or_init(http::client)
    }

    /// Reads the stored session into memory. Blocking (keyring and file).
    fn restore(&self) {
        let signed_out = self.inner.vault.signed_out();
        self.inner
            .ask_credentials
            .store(signed_out, Ordering::Relaxed);
        let record = match self.inner.vault.open() {
            Opened::Session(record) => record,
            Opened::Empty => return,
            Opened::KeyringUnavailable(e) => {
                tracing::warn!(error = %e, "cannot open the stored session");
                self.set_state(State::SignedOut {
                    ended: Some(Ended::Keyring(e)),
                });
                return;
            }
        };
        let claims = match IdClaims::read_sealed(record.id_token.secret()) {
            Ok(claims) => claims,
            Err(e) => {
                tracing::warn!(error = %e, "the stored ID token is unreadable; starting signed out");
                return;
            }
        };
        let active = Active {
            record,
            claims,
            storage: StorageStatus::Persisted,
            stalled: false,
        };
        let now = self.inner.clock.now();
        if self.inner.policy.worth_keeping(active.lifetime(), now) {
            // A stale one is renewed by `open` right after.
            self.set_state(State::SignedIn(Box::new(active)));
        } else {
            // Expired and not renewable: nothing worth keeping.
            if let Err(e) = self.inner.vault.destroy() {
                tracing::warn!(error = %e, "could not remove the expired session");
            }
            self.set_state(State::SignedOut {
                ended: Some(Ended::Expired),
            });
        }
    }

    /// Makes `record` the session and tells the UI.
    fn sign_in_as(
        &self,
        record: SessionRecord,
        claims: IdClaims,
        storage: StorageStatus,
        stalled: bool,
    ) -> SessionView {
        let active = Active {
            record,
            claims,
            storage,
            stalled,
        };
        let view = active.view();
        self.set_state(State::SignedIn(Box::new(active)));
        (self.inner.notify)(Change::Session(Some(view.clone())));
        view
    }

    /// Replaces the session and counts the change; returns the state it replaced.
    fn set_state(&self, state: State) -> State {
        let mut slot = lock(&self.inner.state);
        slot.generation += 1;
        std::mem::replace(&mut slot.state, state)
    }

    /// The seed's `loggedIn`: a session exists and its ID token's `exp` is later than now
    /// plus the minimum remaining lifetime.
    pub fn logged_in(&self) -> bool {
        match &lock(&self.inner.state).state {
            State::SignedIn(active) => self.is_fresh(active),
            State::SignedOut { .. } => false,
        }
    }

    /// The signed-in session as the UI sees it; `None` when signed out. When the last session
    /// ended by itself (expired, renewal impossible) or could not be opened, why instead.
    pub fn session(&self) -> Result<Option<SessionView>> {
        match &lock(&self.inner.state).state {
            State::SignedIn(active) if self.is_fresh(active) => Ok(Some(active.view())),
            State::SignedIn(_) | State::SignedOut { ended: None } => Ok(None),
            State::SignedOut { ended: Some(ended) } => Err(ended.error()),
        }
    }

    /// Ends the sign-in in progress, if any; its `login` returns [`Error::Cancelled`].
    pub fn cancel_login(&self) {
        let cancel = lock(&self.inner.attempt)
            .as_mut()
            .and_then(|attempt| attempt.cancel.take());
        if let Some(cancel) = cancel {
            let _ = cancel.send(());
        }
    }

    /// Signs out: the stored record and its key are destroyed and the UI told at once; then
    /// the refresh token is revoked (bounded, failure logged), and the provider's browser
    /// session ended when configured.
    pub async fn logout(&self) -> Result<()> {
        self.cancel_login();
        // A renewal under way finishes first, so that it cannot bring the session back.
        let _no_renewal = self.inner.renewing.lock().await;
        let previous = self.set_state(State::SignedOut { ended: None });
        // OIDC Core 3.1.2.1: the next sign-in asks for credentials (`prompt=login`), so that
        // the provider's browser session cannot sign the same person straight back in.
        self.inner.ask_credentials.store(true, Ordering::Relaxed);
        self.destroy_record(Ending::SignedOut).await;
        (self.inner.notify)(Change::Session(None));

        let State::SignedIn(active) = previous else {
            return Ok(());
        };
        if let Some(refresh_token) = &active.record.refresh_token {
            self.revoke(refresh_token).await;
        }
        if self.inner.config.end_session {
            self.end_provider_session().await;
        }
        Ok(())
    }

    /// RFC 7009: tells the provider the refresh token is no longer wanted. Bounded by
    /// [`REVOCATION_LIMIT`]; a failure is logged, the session is over anyway.
    async fn revoke(&self, refresh_token: &Secret) {
        let revoked = tokio::time::timeout(REVOCATION_LIMIT, async {
            let provider = self.provider().await?;
            let Some(endpoint) = &provider.metadata.revocation_endpoint else {
                tracing::info!("the provider has no revocation endpoint");
                return Ok(());
            };
            let client_id = &self.inner.config.client_id;
            revoke(
                self.http(),
                endpoint,
                client_id,
                refresh_token,
                REVOCATION_LIMIT,
            )
            .await
            .map_err(Error::from)
        })
        .await;
        match revoked {
            Ok(Ok(())) => tracing::info!("refresh token revoked"),
            Ok(Err(e)) => tracing::warn!(error = %e, "could not revoke the refresh token"),
            Err(_) => tracing::warn!("revoking the refresh token timed out"),
        }
    }

    async fn end_provider_session(&self) {
        let provider = match tokio::time::timeout(REVOCATION_LIMIT, self.provider()).await {
            Ok(Ok(provider)) => provider,
            _ => {
                tracing::warn!("cannot end the provider session: the provider is unreachable");
                return;
            }
        };
        match provider.metadata.logout_url(&self.inner.config.client_id) {
            Some(url) => {
                let browser = self.inner.browser.clone();
                let opened = tokio::task::spawn_blocking(move || browser.open(url.as_str())).await;
                if let Ok(Err(e)) = opened {
                    tracing::warn!(error = %e, "could not open the provider's logout page");
                }
            }
            None => tracing::info!("the provider offers no way to end its browser session"),
        }
    }

    /// Deletes the stored record and its key, and records whether the person signed out; a
    /// failure is logged, the session is over anyway.
    async fn destroy_record(&self, ending: Ending) {
        let vault = self.inner.vault.clone();
        let destroyed = tokio::task::spawn_blocking(move || {
            let destroyed = vault.destroy();
            if ending == Ending::SignedOut {
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

    /// Turns a token response into the session's record: its ID token validated for this
    /// configuration, now (OIDC Core 3.1.3.7; after a refresh, 12.2). `kept_refresh_token` is
    /// the one to keep when the response brings none (a provider that does not rotate).
    async fn accept(
        &self,
        provider: &Provider,
        response: TokenResponse,
        origin: Origin<'_>,
        kept_refresh_token: Option<Secret>,
    ) -> Result<(SessionRecord, IdClaims)> {
        let id_token = response
            .id_token
            .ok_or_else(|| Error::BadResponse("the token response has no id_token".into()))?;
        let token = UnverifiedIdToken::parse(id_token.secret())?;
        let key = provider
            .keys
            .key_for(token.kid(), token.alg())
            .instrument(tracing::debug_span!("signing_keys"))
            .await?;
        let config = &self.inner.config;
        let params = ValidationParams {
            issuer: &config.issuer,
            client_id: &config.client_id,
            audience: config.audience.as_deref(),
            now: self.inner.clock.now(),
            leeway: config.leeway.as_secs() as i64,
            origin,
        };
        let claims = token.validate(&key, &params)?;
        let record = SessionRecord {
            id_token,
            refresh_token: response.refresh_token.or(kept_refresh_token),
            expires_at: claims.expires_at,
            issuer: config.issuer.to_string(),
            client_id: config.client_id.to_string(),
        };
        Ok((record, claims))
    }

    fn is_fresh(&self, active: &Active) -> bool {
        let now = self.inner.clock.now();
        self.inner.policy.is_fresh(active.lifetime(), now)
    }

    /// The provider's metadata and keys, discovered once.
    async fn provider(&self) -> Result<Arc<Provider>> {
        let mut slot = self.inner.provider.lock().await;
        if let Some(provider) = &*slot {
            return Ok(provider.clone());
        }
        let metadata = discover(self.http(), &self.inner.config.issuer).await?;
        let keys = JwksCache::new(RemoteKeys {
            client: self.http().clone(),
            jwks_uri: metadata.jwks_uri.clone(),
        });
        let provider = Arc::new(Provider {
            metadata,
            keys,
            par_refused: AtomicBool::new(false),
        });
        *slot = Some(provider.clone());
        Ok(provider)
    }
}

/// Locks a std mutex; a poisoned one still holds consistent data here (every critical section
/// is a plain assignment), so poison is not an error.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

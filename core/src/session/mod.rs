//! The session: signed out, signing in, signed in; the sign-in flow that moves between them;
//! and what the UI is told at each change.

mod login;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use gatehouse_contract::{SessionView, StorageStatus};
use tokio::sync::oneshot;

use crate::browser::Browser;
use crate::clock::Clock;
use crate::config::Config;
use crate::oidc::{discover, http, revoke, IdClaims, JwksCache, ProviderMetadata, RemoteKeys};
use crate::vault::{KeyStoreError, Opened, SessionRecord, Vault};
use crate::{Error, Result};

/// How long logout waits for the provider to confirm revocation (RFC 7009) before moving on.
pub const REVOCATION_LIMIT: Duration = Duration::from_secs(5);

/// Told of every change of session: the new view, or `None` when signed out.
pub type Notify = Arc<dyn Fn(Option<SessionView>) + Send + Sync>;

/// The session of one configured provider and client.
///
/// Cloning is cheap and shares the session.
#[derive(Clone)]
pub struct Auth {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    http: reqwest::Client,
    clock: Arc<dyn Clock>,
    vault: Vault,
    browser: Browser,
    /// Discovered on first need and kept; a failed discovery is retried next time.
    provider: tokio::sync::Mutex<Option<Arc<Provider>>>,
    state: Mutex<State>,
    /// The cancel handle of the sign-in in progress, if any.
    attempt: Mutex<Option<oneshot::Sender<()>>>,
    /// Set when the keyring could not be reached at start, until a session replaces it.
    notice: Mutex<Option<KeyStoreError>>,
    notify: Notify,
}

/// The provider's metadata and its signing keys.
pub(crate) struct Provider {
    pub(crate) metadata: ProviderMetadata,
    pub(crate) keys: JwksCache<RemoteKeys>,
}

#[derive(Default)]
enum State {
    #[default]
    SignedOut,
    SignedIn(Box<Active>),
}

/// A signed-in session: the record as sealed, the claims read from its ID token.
struct Active {
    record: SessionRecord,
    claims: IdClaims,
    storage: StorageStatus,
}

impl Active {
    fn view(&self) -> SessionView {
        SessionView {
            display_name: self.claims.display_name().to_owned(),
            email: self.claims.email.clone(),
            picture: self.claims.picture.clone(),
            expires_at: self.claims.expires_at,
            can_renew: self.record.refresh_token.is_some(),
            storage: self.storage,
        }
    }
}

impl Auth {
    pub fn new(config: Config, vault: Vault, clock: Arc<dyn Clock>, notify: Notify) -> Self {
        let browser = Browser::new(config.browser.clone());
        Self {
            inner: Arc::new(Inner {
                config,
                http: http::client(),
                clock,
                vault,
                browser,
                provider: tokio::sync::Mutex::new(None),
                state: Mutex::new(State::SignedOut),
                attempt: Mutex::new(None),
                notice: Mutex::new(None),
                notify,
            }),
        }
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Opens the stored session, if any. Blocking: call it off the async runtime's threads or
    /// before the UI starts. Needs no network: a sealed ID token was validated when it came.
    pub fn restore(&self) {
        let record = match self.inner.vault.open() {
            Opened::Session(record) => record,
            Opened::Empty => return,
            Opened::KeyringUnavailable(e) => {
                tracing::warn!(error = %e, "cannot open the stored session");
                *lock(&self.inner.notice) = Some(e);
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
        };
        if self.is_fresh(&active) {
            *lock(&self.inner.state) = State::SignedIn(Box::new(active));
        } else if active.record.refresh_token.is_none() {
            // Expired and not renewable: nothing worth keeping.
            if let Err(e) = self.inner.vault.destroy() {
                tracing::warn!(error = %e, "could not remove the expired session");
            }
        }
    }

    /// The seed's `loggedIn`: a session exists and its ID token's `exp` is later than now
    /// plus the minimum remaining lifetime.
    pub fn logged_in(&self) -> bool {
        match &*lock(&self.inner.state) {
            State::SignedIn(active) => self.is_fresh(active),
            State::SignedOut => false,
        }
    }

    /// The signed-in session as the UI sees it; `None` when signed out. While signed out
    /// after the keyring failed at start, that failure instead.
    pub fn session(&self) -> Result<Option<SessionView>> {
        if let State::SignedIn(active) = &*lock(&self.inner.state) {
            if self.is_fresh(active) {
                return Ok(Some(active.view()));
            }
        }
        match lock(&self.inner.notice).clone() {
            Some(e) => Err(Error::KeyringUnavailable(e)),
            None => Ok(None),
        }
    }

    /// Ends the sign-in in progress, if any; its `login` returns [`Error::Cancelled`].
    pub fn cancel_login(&self) {
        if let Some(cancel) = lock(&self.inner.attempt).take() {
            let _ = cancel.send(());
        }
    }

    /// Signs out: the stored record and its key are destroyed and the UI told at once; then
    /// the refresh token is revoked (bounded, failure logged), and the provider's browser
    /// session ended when configured.
    pub async fn logout(&self) -> Result<()> {
        self.cancel_login();
        let previous = std::mem::take(&mut *lock(&self.inner.state));
        *lock(&self.inner.notice) = None;
        let vault = self.inner.vault.clone();
        match tokio::task::spawn_blocking(move || vault.destroy()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "could not fully remove the stored session"),
            Err(e) => tracing::warn!(error = %e, "the vault task failed"),
        }
        (self.inner.notify)(None);

        let State::SignedIn(active) = previous else {
            return Ok(());
        };
        if let Some(refresh_token) = &active.record.refresh_token {
            let revoked = tokio::time::timeout(REVOCATION_LIMIT, async {
                let provider = self.provider().await?;
                let Some(endpoint) = &provider.metadata.revocation_endpoint else {
                    tracing::info!("the provider has no revocation endpoint");
                    return Ok(());
                };
                revoke(
                    &self.inner.http,
                    endpoint,
                    &self.inner.config.client_id,
                    refresh_token,
                    REVOCATION_LIMIT,
                )
                .await
            })
            .await;
            match revoked {
                Ok(Ok(())) => tracing::info!("refresh token revoked"),
                Ok(Err(e)) => tracing::warn!(error = %e, "could not revoke the refresh token"),
                Err(_) => tracing::warn!("revoking the refresh token timed out"),
            }
        }
        if self.inner.config.end_session {
            self.end_provider_session(&active).await;
        }
        Ok(())
    }

    async fn end_provider_session(&self, active: &Active) {
        let provider = match tokio::time::timeout(REVOCATION_LIMIT, self.provider()).await {
            Ok(Ok(provider)) => provider,
            _ => {
                tracing::warn!("cannot end the provider session: the provider is unreachable");
                return;
            }
        };
        let hint = Some(active.record.id_token.secret());
        match provider
            .metadata
            .logout_url(&self.inner.config.client_id, hint)
        {
            Some(url) => {
                if let Err(e) = self.inner.browser.open(url.as_str()) {
                    tracing::warn!(error = %e, "could not open the provider's logout page");
                }
            }
            None => tracing::info!("the provider offers no way to end its browser session"),
        }
    }

    fn is_fresh(&self, active: &Active) -> bool {
        let min_ttl = self.inner.config.min_ttl.as_secs() as i64;
        active.claims.expires_at > self.inner.clock.now().saturating_add(min_ttl)
    }

    /// The provider's metadata and keys, discovered once.
    pub(crate) async fn provider(&self) -> Result<Arc<Provider>> {
        let mut slot = self.inner.provider.lock().await;
        if let Some(provider) = &*slot {
            return Ok(provider.clone());
        }
        let config = &self.inner.config;
        let metadata = discover(
            &self.inner.http,
            &config.issuer,
            config.issuer_is_loopback(),
        )
        .await?;
        let keys = JwksCache::new(RemoteKeys {
            client: self.inner.http.clone(),
            jwks_uri: metadata.jwks_uri.clone(),
        });
        let provider = Arc::new(Provider { metadata, keys });
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

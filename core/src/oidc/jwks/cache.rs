//! The provider's keys as the sign-in reaches them: fetched from `jwks_uri` on first need,
//! kept for the key set's `Cache-Control: max-age` (within bounds), and fetched once more on an
//! unknown `kid`, at most once a [`REFETCH_INTERVAL`].

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::Algorithm;
use tokio::sync::Mutex;
use tokio::time::Instant;

use super::super::http::get_json;
use super::super::RequestError;
use super::{
    Fetched, KeyError, KeySet, RawKeySet, VerificationKey, KEY_SET, KEY_SET_FIELDS, MAX_AGE_BOUNDS,
    MAX_AGE_DEFAULT, REFETCH_INTERVAL,
};

/// Where the keys come from: the provider's `jwks_uri`, or a fixed set in tests.
pub(crate) trait KeySource: Send + Sync {
    fn fetch(&self) -> impl Future<Output = Result<Fetched, RequestError>> + Send;
}

/// The provider at `jwks_uri`.
pub(crate) struct RemoteKeys {
    pub(crate) client: reqwest::Client,
    pub(crate) jwks_uri: url::Url,
}

impl KeySource for RemoteKeys {
    async fn fetch(&self) -> Result<Fetched, RequestError> {
        let (raw, max_age): (RawKeySet, _) = get_json(
            &self.client,
            self.jwks_uri.as_str(),
            KEY_SET,
            KEY_SET_FIELDS,
        )
        .await?;
        Ok(Fetched {
            jwks: raw.into_jwks(),
            max_age: max_age.map(Duration::from_secs),
        })
    }
}

/// The provider's keys, fetched on first need; see [`JwksCache::key_for`].
pub(crate) struct JwksCache<S> {
    pub(super) source: S,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    keys: Option<Cached>,
    last_refetch: Option<Instant>,
}

struct Cached {
    keys: KeySet,
    expires: Instant,
}

impl<S: KeySource> JwksCache<S> {
    pub(crate) fn new(source: S) -> Self {
        Self {
            source,
            state: Mutex::new(State::default()),
        }
    }

    /// The key for a token signed with `alg` under `kid` (see [`KeySet::select`]). Keys older
    /// than their max age are fetched again first. A `kid` not in the cached set causes one
    /// refetch (the provider rotated its keys), rate-limited by [`REFETCH_INTERVAL`].
    pub(crate) async fn key_for(
        &self,
        kid: Option<&str>,
        alg: Algorithm,
    ) -> Result<Arc<VerificationKey>, KeyError> {
        let mut state = self.state.lock().await;
        let cached = match state.keys.take() {
            Some(cached) if Instant::now() < cached.expires => cached,
            _ => self.fetch().await?,
        };
        let found = cached.keys.select(kid, alg);
        state.keys = Some(cached);
        match found {
            Err(KeyError::Unknown) => {}
            found => return found,
        }
        let may_refetch = state
            .last_refetch
            .is_none_or(|t| t.elapsed() >= REFETCH_INTERVAL);
        if !may_refetch {
            return Err(KeyError::Unknown);
        }
        state.last_refetch = Some(Instant::now());
        let cached = self.fetch().await?;
        let found = cached.keys.select(kid, alg);
        state.keys = Some(cached);
        found
    }

    async fn fetch(&self) -> Result<Cached, KeyError> {
        let fetched = self.source.fetch().await.map_err(KeyError::Fetch)?;
        let (min, max) = MAX_AGE_BOUNDS;
        let max_age = fetched.max_age.unwrap_or(MAX_AGE_DEFAULT).clamp(min, max);
        Ok(Cached {
            keys: KeySet::new(&fetched.jwks),
            expires: Instant::now() + max_age,
        })
    }
}

//! The provider as the flows reach it: its metadata and keys, discovered once over the back
//! channel, and the acceptance of a token response into a session record.

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tracing::Instrument;

use super::state::Active;
use crate::clock::Clock;
use crate::config::{Config, DpopMode};
use crate::oidc::dpop::{self, DpopKey, Prover};
use crate::oidc::{
    discover, http, revocation_endpoint_of, revoke, ClientAuth, IdClaims, JwksCache, Nonce, Origin,
    ProviderMetadata, RemoteKeys, RequestError, SecretMethod, TokenHint, TokenResponse,
    UnverifiedIdToken, ValidationParams,
};
use crate::secret::Secret;
use crate::vault::{SessionRecord, TokenRecord};
use crate::{Error, Result};

/// How long a revocation may take (RFC 7009) before the flow that asked moves on.
const REVOCATION_LIMIT: Duration = Duration::from_secs(5);

pub(super) struct Upstream {
    config: Arc<Config>,
    clock: Arc<dyn Clock>,
    /// Built on first use: loading the system's CA certificates takes milliseconds that the
    /// window's start need not wait for ([`Upstream::warm_up`] builds it later, off its path).
    http: OnceLock<reqwest::Client>,
    /// Discovered on first need and kept; a failed discovery is retried next time.
    provider: tokio::sync::Mutex<Option<Arc<Provider>>>,
    /// The provider's last `DPoP-Nonce` (RFC 9449 §8).
    dpop_nonce: dpop::Nonce,
    /// Each API's last `DPoP-Nonce`, by origin (RFC 9449 §9).
    api_nonces: std::sync::Mutex<std::collections::HashMap<String, Arc<dpop::Nonce>>>,
}

/// The provider's metadata and its signing keys.
pub(super) struct Provider {
    pub metadata: ProviderMetadata,
    pub keys: JwksCache<RemoteKeys>,
    /// The provider refused a pushed authorization request it advertises; requests go in the
    /// URL from then on (unless it requires pushing).
    pub par_refused: AtomicBool,
}

impl Upstream {
    pub(super) fn new(config: Arc<Config>, clock: Arc<dyn Clock>) -> Self {
        Self {
            config,
            clock,
            http: OnceLock::new(),
            provider: tokio::sync::Mutex::new(None),
            dpop_nonce: dpop::Nonce::default(),
            api_nonces: Default::default(),
        }
    }

    /// DPoP with `key` for a request to the provider, now.
    pub(super) fn dpop<'a>(&'a self, key: &'a DpopKey) -> Prover<'a> {
        Prover {
            key,
            nonce: &self.dpop_nonce,
            now: self.clock.now(),
        }
    }

    /// The last `DPoP-Nonce` of the API at `origin`.
    pub(super) fn api_nonce(&self, origin: &str) -> Arc<dpop::Nonce> {
        let mut nonces = self.api_nonces.lock().unwrap_or_else(|p| p.into_inner());
        nonces.entry(origin.to_owned()).or_default().clone()
    }

    pub(super) fn now(&self) -> i64 {
        self.clock.now()
    }

    /// The key a new sign-in binds its tokens to (RFC 9449): a fresh one when the provider
    /// takes ES256 proofs, unless DPoP is off; with DPoP required, a provider without it is an
    /// error.
    pub(super) fn new_dpop_key(&self, provider: &Provider) -> Result<Option<DpopKey>> {
        let offered = provider
            .metadata
            .dpop_signing_alg_values_supported
            .as_ref()
            .is_some_and(|algs| algs.iter().any(|alg| alg == dpop::ALGORITHM));
        match (self.config.dpop, offered) {
            (DpopMode::Off, _) | (DpopMode::Auto, false) => Ok(None),
            (DpopMode::Required, false) => Err(Error::DpopUnavailable),
            (_, true) => Ok(Some(DpopKey::generate())),
        }
    }

    /// The back-channel HTTP client.
    pub(super) fn http(&self) -> &reqwest::Client {
        self.http.get_or_init(http::client)
    }

    /// Builds the HTTP client now, off the window's path. Blocking.
    pub(super) fn warm_up(&self) {
        self.http();
    }

    /// The provider's metadata and keys, discovered once.
    pub(super) async fn provider(&self) -> Result<Arc<Provider>> {
        let mut slot = self.provider.lock().await;
        if let Some(provider) = &*slot {
            return Ok(provider.clone());
        }
        let config = &self.config;
        let mut metadata = discover(self.http(), &config.issuer, config.tenant_alias()).await?;
        metadata.fill_gaps(&config.endpoints());
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

    /// How the client authenticates to `provider`: by its `client_id`, with the secret when the
    /// settings give one, sent as the provider's metadata says (RFC 6749 §2.3.1).
    pub(super) fn client_auth<'a>(&'a self, provider: &Provider) -> ClientAuth<'a> {
        let methods = provider
            .metadata
            .token_endpoint_auth_methods_supported
            .as_deref();
        ClientAuth {
            client_id: &self.config.client_id,
            secret: (self.config.client_secret.as_ref())
                .map(|secret| (secret, SecretMethod::for_provider(methods))),
        }
    }

    /// Turns a sign-in's token response into the session's record: its ID token validated for
    /// this configuration, now (OIDC Core 3.1.3.7).
    pub(super) async fn accept(
        &self,
        provider: &Provider,
        response: TokenResponse,
        nonce: &Nonce,
        dpop_key: Option<&DpopKey>,
    ) -> Result<(SessionRecord, IdClaims)> {
        // RFC 9449 §5: with DPoP required, tokens the provider did not bind are not taken.
        if dpop_key.is_some() && self.config.dpop == DpopMode::Required && !response.is_dpop() {
            return Err(Error::BadResponse(
                "the provider did not bind the tokens to the app's DPoP key".into(),
            ));
        }
        let max_age = self
            .config
            .max_age
            .map(|max_age| i64::try_from(max_age.as_secs()).unwrap_or(i64::MAX));
        let (mut record, claims) = self
            .accept_id_token(provider, response, Origin::SignIn { nonce, max_age }, None)
            .await?;
        record.dpop_key = dpop_key.map(|key| key.sealed().clone());
        // A code exchange that named an API (RFC 8707 §2.2) brought that API's token.
        if let Some(resource) = self.config.exchange_resource() {
            if let Some(token) = record.access_token.take() {
                record.api_tokens.insert(resource.to_owned(), token);
            }
        }
        Ok((record, claims))
    }

    /// Turns a refresh's token response into the session's next record (OIDC Core 12.2). An ID
    /// token, when the response has one, is validated against the session it renews; without
    /// one the session keeps its claims and lives as long as the new access token. The
    /// refresh token is the rotated one, or `previous`'s when the provider does not rotate.
    pub(super) async fn accept_refresh(
        &self,
        provider: &Provider,
        response: TokenResponse,
        previous: &Active,
    ) -> Result<(SessionRecord, IdClaims)> {
        self.keeps_binding(&previous.record, &response)?;
        let kept = previous.record.refresh_token.clone();
        if response.id_token.is_some() {
            let origin = Origin::Refresh {
                previous: &previous.claims,
            };
            let (mut record, mut claims) = self
                .accept_id_token(provider, response, origin, kept)
                .await?;
            // A refreshed ID token may leave the profile out (OIDC Core 12.2); the sign-in's
            // stays.
            claims.keep_profile(&previous.claims.profile());
            record.profile = Some(claims.profile());
            // The authentication is the sign-in's (OIDC Core 12.2, checked above when the new
            // token names one): its time stays, so the session's time limit cannot move.
            record.auth_time = previous.record.auth_time.or(record.auth_time);
            // The APIs' tokens live until their own expiry.
            record.api_tokens = previous.record.api_tokens.clone();
            record.dpop_key = previous.record.dpop_key.clone();
            return Ok((record, claims));
        }
        let now = self.clock.now();
        let access_token = access_token(&response, now);
        // OIDC Core 12.2: "it might not contain an id_token". The session is as long as the
        // access token the refresh brought; a refresh that says not how long renews nothing.
        let expires_at = access_token
            .as_ref()
            .and_then(|access| access.expires_at)
            .unwrap_or(previous.record.expires_at);
        let record = SessionRecord {
            refresh_token: response.refresh_token.or(kept),
            access_token,
            expires_at,
            renewed_at: Some(now),
            // auth_time too: the sign-in's.
            ..previous.record.clone()
        };
        Ok((record, previous.claims.clone()))
    }

    /// Turns the answer to a refresh for one API (narrowed by its `resource` or `audience`)
    /// into the session's next record: the API's access token kept under `resource`, the
    /// rotated refresh token, and the session's own times and access token unchanged. An ID
    /// token in the answer is validated as a renewal's (OIDC Core 12.2).
    pub(super) async fn accept_api_token(
        &self,
        provider: &Provider,
        response: TokenResponse,
        previous: &Active,
        resource: &str,
    ) -> Result<(SessionRecord, IdClaims)> {
        self.keeps_binding(&previous.record, &response)?;
        let token = access_token(&response, self.clock.now()).ok_or(Error::NoAccessToken)?;
        let (mut record, claims) = if response.id_token.is_some() {
            let (mut record, claims) = self.accept_refresh(provider, response, previous).await?;
            record.access_token = previous.record.access_token.clone();
            (record, claims)
        } else {
            let record = SessionRecord {
                refresh_token: response
                    .refresh_token
                    .or_else(|| previous.record.refresh_token.clone()),
                ..previous.record.clone()
            };
            (record, previous.claims.clone())
        };
        record.api_tokens.insert(resource.to_owned(), token);
        Ok((record, claims))
    }

    /// RFC 9449 §5: a session whose tokens are bound to its DPoP key stays bound, whatever the
    /// setting, and with DPoP required every token is bound. A refresh answered with tokens
    /// that are not (`token_type` Bearer) is not taken: they are neither stored nor sent, since
    /// taking them would quietly turn a stolen token back into one that works alone.
    fn keeps_binding(&self, previous: &SessionRecord, response: &TokenResponse) -> Result<()> {
        let bound = previous.dpop_key.is_some() || self.config.dpop == DpopMode::Required;
        if bound && !response.is_dpop() {
            return Err(Error::DpopNotBound);
        }
        Ok(())
    }

    /// The record of a response with an ID token, validated for `origin`.
    async fn accept_id_token(
        &self,
        provider: &Provider,
        response: TokenResponse,
        origin: Origin<'_>,
        kept_refresh_token: Option<Secret>,
    ) -> Result<(SessionRecord, IdClaims)> {
        let id_token = response
            .id_token
            .clone()
            .ok_or_else(|| Error::BadResponse("the token response has no id_token".into()))?;
        let token = UnverifiedIdToken::parse(id_token.secret())?;
        let key = provider
            .keys
            .key_for(token.kid(), token.alg())
            .instrument(tracing::debug_span!("signing_keys"))
            .await?;
        let config = &self.config;
        let now = self.clock.now();
        let params = ValidationParams {
            // The issuer discovery named: the configured one, or Entra ID's template.
            issuer: &provider.metadata.issuer,
            allowed_tenants: &config.allowed_tenants,
            client_id: &config.client_id,
            audience: config.audience.as_deref(),
            now,
            leeway: i64::try_from(config.leeway.as_secs()).unwrap_or(i64::MAX),
            origin,
            advertised_algorithms: provider
                .metadata
                .id_token_signing_alg_values_supported
                .as_deref(),
        };
        let claims = token.validate(&key, &params)?;
        let record = SessionRecord {
            id_token,
            access_token: access_token(&response, now),
            refresh_token: response.refresh_token.or(kept_refresh_token),
            expires_at: claims.expires_at,
            renewed_at: None,
            auth_time: claims.auth_time,
            api_tokens: Default::default(),
            dpop_key: None,
            profile: Some(claims.profile()),
            issuer: config.issuer.to_string(),
            client_id: config.client_id.to_string(),
        };
        Ok((record, claims))
    }

    /// The provider's logout page for this client (OIDC RP-Initiated Logout 1.0), when it has
    /// one; the provider is asked for its metadata within [`REVOCATION_LIMIT`].
    pub(super) async fn logout_url(&self) -> Option<url::Url> {
        let provider = match tokio::time::timeout(REVOCATION_LIMIT, self.provider()).await {
            Ok(Ok(provider)) => provider,
            _ => {
                tracing::warn!("cannot end the provider session: the provider is unreachable");
                return None;
            }
        };
        let url = provider.metadata.logout_url(&self.config.client_id);
        if url.is_none() {
            tracing::info!("the provider offers no way to end its browser session");
        }
        url
    }

    /// RFC 7009: tells the provider the refresh token is no longer wanted. Bounded by
    /// [`REVOCATION_LIMIT`]; a failure is logged, the session is over anyway.
    pub(super) async fn revoke(&self, refresh_token: &Secret) {
        self.revoke_all(&[(refresh_token, TokenHint::RefreshToken)])
            .await;
    }

    /// RFC 7009 for every token of `record`: its refresh token, then its access tokens, the
    /// session's and each API's (`token_type_hint=access_token`, §2.1), so that none outlives
    /// the session where the provider can revoke it.
    pub(super) async fn revoke_session(&self, record: &SessionRecord) {
        let mut tokens = Vec::new();
        if let Some(refresh_token) = &record.refresh_token {
            tokens.push((refresh_token, TokenHint::RefreshToken));
        }
        let access = record.access_token.iter().chain(record.api_tokens.values());
        tokens.extend(access.map(|access| (&access.token, TokenHint::AccessToken)));
        self.revoke_all(&tokens).await;
    }

    /// Revokes `tokens` one after the other, all within [`REVOCATION_LIMIT`]; failures are
    /// logged, the session is over anyway.
    async fn revoke_all(&self, tokens: &[(&Secret, TokenHint)]) {
        if tokens.is_empty() {
            return;
        }
        let revoked = tokio::time::timeout(REVOCATION_LIMIT, async {
            let provider = self.provider().await?;
            let endpoint = match &provider.metadata.revocation_endpoint {
                Some(endpoint) => endpoint.clone(),
                None => match revocation_endpoint_of(self.http(), &self.config.issuer).await {
                    Some(endpoint) => endpoint,
                    None => {
                        tracing::info!("the provider has no revocation endpoint");
                        return Ok(());
                    }
                },
            };
            let auth = self.client_auth(&provider);
            for (token, hint) in tokens {
                let done =
                    revoke(self.http(), &endpoint, auth, token, *hint, REVOCATION_LIMIT).await;
                match done {
                    Ok(()) => tracing::info!(hint = hint.as_str(), "token revoked"),
                    Err(RequestError::OAuth(e)) if e.error == "unsupported_token_type" => {
                        tracing::info!(
                            hint = hint.as_str(),
                            "the provider cannot revoke this token (RFC 7009 §2.2.1 \
                             unsupported_token_type); it lives until it expires"
                        );
                    }
                    Err(e) => tracing::warn!(
                        hint = hint.as_str(),
                        error = %Error::from(e),
                        "could not revoke a token"
                    ),
                }
            }
            Ok::<_, Error>(())
        })
        .await;
        match revoked {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "could not revoke the session's tokens"),
            Err(_) => tracing::warn!("revoking the session's tokens timed out"),
        }
    }
}

/// The response's access token, and when it expires (its `expires_in` after `now`).
fn access_token(response: &TokenResponse, now: i64) -> Option<TokenRecord> {
    response.access_token.clone().map(|token| TokenRecord {
        token,
        dpop: response.is_dpop(),
        expires_at: response
            .expires_in
            .and_then(|secs| i64::try_from(secs).ok())
            .map(|secs| now.saturating_add(secs)),
        issued_at: Some(now),
    })
}

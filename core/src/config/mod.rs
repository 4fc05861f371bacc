//! Configuration: the [`Settings`] an app gives (in `tauri.conf.json` under
//! `plugins.gatehouse`, in code, or from the environment and a file, [`Settings::from_env`] and
//! [`Settings::from_file`]), checked and resolved into the [`Config`] the sign-in runs on.
//!
//! Every setting is declared once, in `settings.rs`: its key, variables, file key, form,
//! default, help and check.
//!
//! ```
//! use gatehouse_core::config::{Config, Settings};
//! let settings = Settings {
//!     auth0_domain: Some("tenant.eu.auth0.com".into()),
//!     client_id: Some("abc123".into()),
//!     ..Settings::default()
//! };
//! let config = Config::from_settings(settings).unwrap();
//! assert_eq!(config.issuer, "https://tenant.eu.auth0.com/");
//! assert_eq!(config.leeway.as_secs(), 60);
//! ```

mod api;
mod declare;
pub mod forms;
mod settings;

use std::fmt;
use std::time::Duration;

use url::Url;

use crate::oidc::http::is_loopback;
use crate::oidc::{ClientId, Gaps, IssuerUrl};
use crate::secret::Secret;
pub use api::{Api, ApiSettings};
pub use settings::{
    reference_table, DpopMode, Naming, PromptAfterLogout, Provider, RedirectHost,
    ResourceParameter, Setting, Settings, LEEWAY_RANGE, LOGIN_TIMEOUT_RANGE, MAX_AGE_RANGE,
    MIN_TTL_RANGE,
};

/// The default scopes: a refresh token (`offline_access`) makes silent renewal possible.
pub const DEFAULT_SCOPES: [&str; 4] = ["openid", "profile", "email", "offline_access"];
/// The defaults of the settings that have one, as [`Config`] fills them in.
pub const DEFAULT_MIN_TTL_SECS: u64 = 60;
pub const DEFAULT_LEEWAY_SECS: u64 = 60;
pub const DEFAULT_LOGIN_TIMEOUT_SECS: u64 = 300;

/// Why the settings cannot be used. Its `Display` names the settings by their keys; an app that
/// reads them from elsewhere names them in its own words with [`ConfigError::setting`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The issuer (or Auth0 domain) and the client id are needed; these are missing.
    #[error("{} not set", missing(.0))]
    Missing(Vec<Setting>),
    /// A value is given but cannot be used.
    #[error("{} {problem}", .setting.key())]
    Invalid {
        /// The setting.
        setting: Setting,
        /// What is wrong with its value: "must be from 0 to 300 seconds, not 900".
        problem: String,
    },
}

fn missing(settings: &[Setting]) -> String {
    let keys: Vec<_> = settings.iter().map(|s| s.key()).collect();
    match keys.as_slice() {
        [one] => format!("{one} is"),
        many => format!("{} are", many.join(" and ")),
    }
}

impl ConfigError {
    /// The setting an [`ConfigError::Invalid`] is about.
    pub fn setting(&self) -> Option<Setting> {
        match self {
            Self::Invalid { setting, .. } => Some(*setting),
            Self::Missing(_) => None,
        }
    }

    pub(crate) fn invalid(setting: Setting, problem: impl Into<String>) -> Self {
        Self::Invalid {
            setting,
            problem: problem.into(),
        }
    }
}

/// Why a layer of settings (the environment, a configuration file) cannot be read: its
/// `Display` is the setting's name in that layer (a variable, a file key) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", if .name.is_empty() { .problem.clone() } else { format!("{} {}", .name, .problem) })]
pub struct LayerError {
    setting: Option<Setting>,
    name: &'static str,
    problem: String,
}

impl LayerError {
    pub(crate) fn new(setting: Option<Setting>, name: &'static str, problem: String) -> Self {
        Self {
            setting,
            name,
            problem,
        }
    }

    /// The setting whose value could not be read; `None` when the layer as a whole could not
    /// (a file that is not a JSON object, a key that names no setting).
    pub fn setting(&self) -> Option<Setting> {
        self.setting
    }

    /// The setting's name in the layer: its variable, or its file key.
    pub fn name(&self) -> &str {
        self.name
    }

    /// What is wrong: "must be a whole number, not \"x\"".
    pub fn problem(&self) -> &str {
        &self.problem
    }
}

/// Everything the sign-in needs to know: [`Settings`] checked, with the defaults filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The issuer, exactly as the provider spells it (Auth0's ends with `/`).
    pub issuer: IssuerUrl,
    /// The public client id; there is no client secret (RFC 8252 §8.4).
    pub client_id: ClientId,
    /// An API audience (Auth0's `audience` parameter).
    pub audience: Option<String>,
    /// The scopes asked for; `openid` among them.
    pub scopes: Vec<String>,
    /// Loopback port of the redirect URI; 0 lets the OS pick.
    pub redirect_port: u16,
    /// The command that opens the browser, split into words; `None`: the system's opener.
    pub browser: Option<Vec<String>>,
    /// An ID token must outlive now by this much to count as signed in.
    pub min_ttl: Duration,
    /// Allowed clock skew when checking `exp`, `nbf` and `iat`.
    pub leeway: Duration,
    /// How long a sign-in may take before it is abandoned.
    pub login_timeout: Duration,
    /// Whether logout also ends the provider's browser session.
    pub end_session: bool,
    /// The session's ceiling after the person authenticated (`max_age`), if any.
    pub max_age: Option<Duration>,
    /// The APIs the app calls with the session.
    pub apis: Vec<Api>,
    /// How an API's resource is named to the provider.
    pub resource_parameter: ResourceParameter,
    /// Whether the session's tokens are bound to a DPoP key.
    pub dpop: DpopMode,
    /// The product name on the browser's callback page and in messages.
    pub product_name: String,
    /// The provider preset in force, if any.
    pub provider: Option<Provider>,
    /// The (not confidential) client secret of a provider that issues one to desktop apps.
    pub client_secret: Option<Secret>,
    /// Whether `offline_access` is asked for.
    pub offline_access: bool,
    /// The `prompt` of the sign-in after a logout.
    pub prompt_after_logout: PromptAfterLogout,
    /// The tenants allowed through an Entra ID multi-tenant issuer; empty: any.
    pub allowed_tenants: Vec<String>,
    /// The host of the redirect URI.
    pub redirect_host: RedirectHost,
    /// The revocation endpoint, when the settings name one.
    pub revocation_endpoint: Option<Url>,
    /// The end-session endpoint, when the settings name one.
    pub end_session_endpoint: Option<Url>,
}

impl Config {
    /// Checks `settings` and fills in the defaults. The issuer (or Auth0 domain) and the client
    /// id must be given; the issuer wins over the Auth0 domain.
    pub fn from_settings(settings: Settings) -> Result<Self, ConfigError> {
        settings.check()?;
        // A provider's defaults, beneath what is given.
        let provider = settings.provider;
        let settings = match provider {
            Some(provider) => provider.preset().overlaid(settings),
            None => settings,
        };
        // Auth0 takes an API's `audience`, not RFC 8707's `resource`.
        let auth0 = settings.auth0_domain.is_some()
            || settings
                .issuer
                .as_deref()
                .and_then(|issuer| Url::parse(issuer).ok())
                .is_some_and(|url| url.host_str().is_some_and(|h| h.ends_with(".auth0.com")));
        let issuer = settings
            .issuer
            .or_else(|| settings.auth0_domain.as_deref().map(auth0_issuer));
        let mut missing = Vec::new();
        if issuer.is_none() {
            missing.push(Setting::Issuer);
        }
        if settings.client_id.is_none() {
            missing.push(Setting::ClientId);
        }
        let (Some(issuer), Some(client_id)) = (issuer, settings.client_id) else {
            return Err(ConfigError::Missing(missing));
        };
        let seconds = |value: Option<u64>, default| Duration::from_secs(value.unwrap_or(default));
        let config = Self {
            issuer: IssuerUrl::new(issuer),
            client_id: ClientId::new(client_id),
            audience: settings.audience,
            scopes: settings
                .scopes
                .unwrap_or_else(|| DEFAULT_SCOPES.map(str::to_owned).to_vec()),
            redirect_port: settings.redirect_port.unwrap_or(0),
            browser: settings.browser,
            min_ttl: seconds(settings.min_ttl_secs, DEFAULT_MIN_TTL_SECS),
            leeway: seconds(settings.leeway_secs, DEFAULT_LEEWAY_SECS),
            login_timeout: seconds(settings.login_timeout_secs, DEFAULT_LOGIN_TIMEOUT_SECS),
            end_session: settings.end_session.unwrap_or(false),
            max_age: settings.max_age_secs.map(Duration::from_secs),
            apis: settings
                .apis
                .unwrap_or_default()
                .into_iter()
                .map(|api| Api {
                    url: Url::parse(&api.url).expect("checked"),
                    resource: api.resource,
                    scopes: api.scopes,
                    probe: api.probe,
                    headers: api
                        .headers
                        .iter()
                        .map(|name| name.to_ascii_lowercase())
                        .collect(),
                })
                .collect(),
            dpop: settings.dpop.unwrap_or(DpopMode::Auto),
            resource_parameter: settings.resource_parameter.unwrap_or(if auth0 {
                ResourceParameter::Audience
            } else {
                ResourceParameter::Resource
            }),
            product_name: settings
                .product_name
                .unwrap_or_else(|| "this app".to_owned()),
            provider,
            client_secret: settings.client_secret,
            offline_access: settings.offline_access.unwrap_or(true),
            prompt_after_logout: settings
                .prompt_after_logout
                .unwrap_or(PromptAfterLogout::Login),
            allowed_tenants: settings.allowed_tenants.unwrap_or_default(),
            redirect_host: settings.redirect_host.unwrap_or(RedirectHost::Loopback),
            revocation_endpoint: settings
                .revocation_endpoint
                .map(|url| Url::parse(&url).expect("checked")),
            end_session_endpoint: settings
                .end_session_endpoint
                .map(|url| Url::parse(&url).expect("checked")),
        };
        config.check_provider()?;
        Ok(config)
    }

    /// What the settings ask of the provider that it will refuse.
    fn check_provider(&self) -> Result<(), ConfigError> {
        // Entra ID: "Client is public so neither 'client_assertion' nor 'client_secret' should
        // be presented" (AADSTS700025).
        if self.client_secret.is_some() && self.provider == Some(Provider::Entra) {
            return Err(ConfigError::invalid(
                Setting::ClientSecret,
                "must not be set for Entra ID, which refuses a secret from a desktop (public) \
                 client",
            ));
        }
        if !self.allowed_tenants.is_empty() && self.tenant_alias().is_none() {
            return Err(ConfigError::invalid(
                Setting::AllowedTenants,
                "applies only to an Entra ID multi-tenant issuer (…/common/v2.0, \
                 …/organizations/v2.0 or …/consumers/v2.0)",
            ));
        }
        Ok(())
    }

    /// Whether the issuer is one of Entra ID's multi-tenant authorities (`…/common/v2.0`,
    /// `…/organizations/v2.0`, `…/consumers/v2.0`), whose discovery names the issuer as a
    /// template (`…/{tenantid}/v2.0`) that each ID token fills with its own `tid`. Only with the
    /// `entra` preset, or on Entra's own host.
    pub fn tenant_alias(&self) -> Option<&str> {
        let url = Url::parse(&self.issuer).ok()?;
        let entra = self.provider == Some(Provider::Entra)
            || url.host_str() == Some("login.microsoftonline.com");
        if !entra {
            return None;
        }
        let mut segments = url.path_segments()?.rev();
        let (version, alias) = (segments.next()?, segments.next()?);
        let known = ["common", "organizations", "consumers"].contains(&alias);
        (version == "v2.0" && known).then(|| {
            let start = self.issuer.len() - "/v2.0".len() - alias.len();
            &self.issuer[start..start + alias.len()]
        })
    }

    /// Where to find the endpoints the provider's discovery may leave out: the settings' first,
    /// then what the provider is known to do.
    pub fn endpoints(&self) -> Gaps {
        Gaps {
            revocation_endpoint: self.revocation_endpoint.clone(),
            end_session_endpoint: self.end_session_endpoint.clone(),
            revocation_beside_token_endpoint: self.provider == Some(Provider::Cognito),
            no_end_session: self.provider == Some(Provider::Okta),
        }
    }

    /// The scopes a sign-in asks for: the configured ones, then each API's not among them;
    /// never `offline_access` when it is not to be asked for.
    pub fn request_scopes(&self) -> Vec<String> {
        let mut scopes = self.scopes.clone();
        if !self.offline_access {
            scopes.retain(|scope| scope != "offline_access");
        }
        for scope in self.apis.iter().flat_map(|api| &api.scopes) {
            if !scopes.contains(scope) {
                scopes.push(scope.clone());
            }
        }
        scopes
    }

    /// The audience a sign-in names: the configured one, or with Auth0's parameter the first
    /// API's (Auth0 takes one per request; the others come with the refresh token).
    pub fn request_audience(&self) -> Option<&str> {
        self.audience.as_deref().or(match self.resource_parameter {
            ResourceParameter::Audience => self.apis.first().map(|api| api.resource.as_str()),
            ResourceParameter::Resource | ResourceParameter::Scope => None,
        })
    }

    /// The resources a sign-in names (RFC 8707 §2.1), so that the grant covers every API.
    pub fn request_resources(&self) -> Vec<String> {
        match self.resource_parameter {
            ResourceParameter::Resource => {
                self.apis.iter().map(|api| api.resource.clone()).collect()
            }
            ResourceParameter::Audience | ResourceParameter::Scope => Vec::new(),
        }
    }

    /// The resource the code exchange names (RFC 8707 §2.2: one per token request): the first
    /// API's. The other APIs' tokens come from the refresh token.
    pub fn exchange_resource(&self) -> Option<&str> {
        match self.resource_parameter {
            ResourceParameter::Resource => self.apis.first().map(|api| api.resource.as_str()),
            ResourceParameter::Audience | ResourceParameter::Scope => None,
        }
    }

    /// The API named `api`: by its resource, or by its base URL.
    pub fn api(&self, api: &str) -> Option<&Api> {
        self.apis.iter().find(|a| a.is_named(api))
    }

    /// The API a call to `url` goes to, if any.
    pub fn api_for(&self, url: &Url) -> Option<&Api> {
        self.apis.iter().find(|api| api.covers(url))
    }

    /// Whether the issuer is on this machine, where plain `http` is allowed (RFC 8252 §8.3).
    pub fn issuer_is_loopback(&self) -> bool {
        Url::parse(&self.issuer).is_ok_and(|u| is_loopback(&u))
    }
}

/// The issuer of an Auth0 tenant: `https://{domain}/`, the form Auth0's tokens carry.
pub fn auth0_issuer(domain: &str) -> String {
    let domain = domain.trim_start_matches("https://").trim_end_matches('/');
    format!("https://{domain}/")
}

pub(crate) fn single_words(words: &[String]) -> bool {
    words
        .iter()
        .all(|s| !s.is_empty() && !s.contains(char::is_whitespace))
}

/// `https`, or `http` on a loopback address only; no query or fragment (OIDC Discovery §2).
pub(crate) fn check_issuer(issuer: &str) -> Result<(), &'static str> {
    check_page(issuer)?;
    if Url::parse(issuer).is_ok_and(|url| url.query().is_some()) {
        return Err("must not have a query or fragment");
    }
    Ok(())
}

/// A page of the provider's a setting names: `https` (plain `http` on loopback only, RFC
/// 8252 §8.3), with a query where the provider needs one of its own (Cognito's
/// `logout_uri`), never a fragment.
pub(crate) fn check_page(page: &str) -> Result<(), &'static str> {
    let url = Url::parse(page).map_err(|_| "is not a URL")?;
    if url.host().is_none() {
        return Err("is not a URL");
    }
    let scheme_ok = url.scheme() == "https" || (url.scheme() == "http" && is_loopback(&url));
    if !scheme_ok {
        return Err("must use https (plain http only on 127.0.0.1 or localhost)");
    }
    if url.fragment().is_some() {
        return Err("must not have a fragment");
    }
    Ok(())
}

impl fmt::Display for Setting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

#[cfg(test)]
mod tests;

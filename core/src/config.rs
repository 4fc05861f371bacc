//! Configuration: the [`Settings`] an app gives (in `tauri.conf.json` under
//! `plugins.gatehouse`, in code, or from a layer of its own such as environment variables),
//! checked and resolved into the [`Config`] the sign-in runs on.
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

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use url::Url;

use crate::oidc::http::is_loopback;
use crate::oidc::{ClientId, IssuerUrl};

/// The default scopes: a refresh token (`offline_access`) makes silent renewal possible.
pub const DEFAULT_SCOPES: [&str; 4] = ["openid", "profile", "email", "offline_access"];

/// The clock leeway allowed, in seconds (RFC 7519 §4.1.4 leaves it to the verifier, "usually
/// no more than a few minutes"): more would stop `exp`, `nbf` and `iat` from meaning anything.
pub const LEEWAY_RANGE: (u64, u64) = (0, 300);
/// The minimum remaining lifetime allowed, in seconds: at most an hour, so that a short-lived
/// token can still count as signed in.
pub const MIN_TTL_RANGE: (u64, u64) = (0, 3600);
/// How long a sign-in may take, in seconds: at least one, at most a day.
pub const LOGIN_TIMEOUT_RANGE: (u64, u64) = (1, 24 * 3600);
/// The session's ceiling, in seconds since the person authenticated (OIDC Core 3.1.2.1
/// `max_age`): at least one second, at most a year.
pub const MAX_AGE_RANGE: (u64, u64) = (1, 366 * 24 * 3600);

/// The settings of the sign-in as an app gives them; every one optional. The keys are those of
/// `plugins.gatehouse` in `tauri.conf.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Settings {
    /// The issuer URL, exactly as the provider spells it (`https://tenant.eu.auth0.com/`).
    pub issuer: Option<String>,
    /// An Auth0 tenant's domain: shorthand for the issuer `https://{domain}/`.
    pub auth0_domain: Option<String>,
    /// The public client id of a native application.
    pub client_id: Option<String>,
    /// An API audience (Auth0's `audience` parameter).
    pub audience: Option<String>,
    /// The scopes to ask for; they must include `openid`. Default: [`DEFAULT_SCOPES`].
    pub scopes: Option<Vec<String>>,
    /// The loopback port of the redirect URI; 0 (the default) lets the system pick.
    pub redirect_port: Option<u16>,
    /// The command that opens the provider's pages, as program and arguments (the URL is
    /// added last). Default: the system's opener.
    pub browser: Option<Vec<String>>,
    /// How long an ID token must still be valid to count as signed in, in seconds (0–3600,
    /// default 60).
    pub min_ttl_secs: Option<u64>,
    /// The clock skew allowed for `exp`, `nbf` and `iat`, in seconds (0–300, default 60).
    pub leeway_secs: Option<u64>,
    /// How long a sign-in may take, in seconds (default 300).
    pub login_timeout_secs: Option<u64>,
    /// Whether logout also opens the provider's logout page (default false).
    pub end_session: Option<bool>,
    /// The session's time limit, in seconds since the person authenticated at the provider
    /// (1 to a year; default none). Sent as `max_age` (OIDC Core 3.1.2.1); the session ends
    /// when it passes, however often it was renewed.
    pub max_age_secs: Option<u64>,
    /// The APIs the app calls on the person's behalf, each with an access token of its own.
    pub apis: Option<Vec<ApiSettings>>,
    /// How an API's resource is named to the provider: `"resource"` (RFC 8707) or
    /// `"audience"` (Auth0). Default: `audience` for an Auth0 tenant, `resource` otherwise.
    pub resource_parameter: Option<ResourceParameter>,
    /// DPoP (RFC 9449): `"auto"` (the default: when the provider offers it), `"required"` or
    /// `"off"`.
    pub dpop: Option<DpopMode>,
    /// The product name on the browser's callback page and in messages. Default: the app's.
    pub product_name: Option<String>,
}

/// An API the app calls on the person's behalf, as `plugins.gatehouse.apis` lists it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApiSettings {
    /// The base URL: calls go to it, or under its path, on its origin.
    pub url: String,
    /// What its tokens are for: RFC 8707's `resource` (an absolute URI), or Auth0's API
    /// `audience`.
    pub resource: String,
    /// The scopes to ask for it.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// A path under `url` an app may call to show that the API answers (Gatehouse's Home
    /// does).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probe: Option<String>,
    /// Request headers the page may set on this API's calls, beyond the ones every call may
    /// carry (`Accept`, `Content-Type`, the conditional ones, `Range`…). Never a credential or
    /// a header of the connection.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<String>,
}

/// Whether the session's tokens are bound to a key of the app's (DPoP, RFC 9449).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DpopMode {
    /// When the provider lists ES256 in `dpop_signing_alg_values_supported`; Bearer otherwise.
    Auto,
    /// Always: a provider that does not offer it is not signed in with.
    Required,
    /// Never: Bearer tokens.
    Off,
}

/// The parameter that names an API's resource to the provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResourceParameter {
    /// RFC 8707 `resource`, one per API, in the authorization request and each refresh.
    Resource,
    /// Auth0's `audience`: one in the authorization request (the first API's, unless
    /// [`Settings::audience`] is set), and each API's in its refresh.
    Audience,
}

impl ResourceParameter {
    /// The parameter's name in a request.
    pub fn name(self) -> &'static str {
        match self {
            Self::Resource => "resource",
            Self::Audience => "audience",
        }
    }
}

/// An API, checked: see [`ApiSettings`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Api {
    pub url: Url,
    pub resource: String,
    pub scopes: Vec<String>,
    pub probe: Option<String>,
    /// The headers the page may set beyond the usual ones, in lower case.
    pub headers: Vec<String>,
}

impl Api {
    /// Whether a call to `url` is one to this API: the same origin (scheme, host and port),
    /// and a path that is the base path or under it (a base `/v1` covers `/v1` and `/v1/…`,
    /// never `/v10`). URLs with credentials in them are nobody's.
    pub fn covers(&self, url: &Url) -> bool {
        if url.origin() != self.url.origin()
            || !url.username().is_empty()
            || url.password().is_some()
        {
            return false;
        }
        let base = self.url.path().trim_end_matches('/');
        let path = url.path();
        path == base
            || path
                .strip_prefix(base)
                .is_some_and(|rest| rest.starts_with('/'))
    }

    /// Whether `name` names this API: its resource, or its base URL.
    pub fn is_named(&self, name: &str) -> bool {
        self.resource == name
            || self.url.as_str() == name
            || Url::parse(name).is_ok_and(|url| url == self.url)
    }

    /// The probe's URL, when the API has one.
    pub fn probe_url(&self) -> Option<Url> {
        let probe = self.probe.as_deref()?;
        let mut url = self.url.clone();
        let base = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{base}{probe}"));
        Some(url)
    }
}

/// One setting, to name it in a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Setting {
    /// [`Settings::issuer`].
    Issuer,
    /// [`Settings::auth0_domain`].
    Auth0Domain,
    /// [`Settings::client_id`].
    ClientId,
    /// [`Settings::audience`].
    Audience,
    /// [`Settings::scopes`].
    Scopes,
    /// [`Settings::redirect_port`].
    RedirectPort,
    /// [`Settings::browser`].
    Browser,
    /// [`Settings::min_ttl_secs`].
    MinTtl,
    /// [`Settings::leeway_secs`].
    Leeway,
    /// [`Settings::login_timeout_secs`].
    LoginTimeout,
    /// [`Settings::end_session`].
    EndSession,
    /// [`Settings::max_age_secs`].
    MaxAge,
    /// [`Settings::apis`].
    Apis,
    /// [`Settings::resource_parameter`].
    ResourceParameter,
    /// [`Settings::dpop`].
    Dpop,
    /// [`Settings::product_name`].
    ProductName,
}

impl Setting {
    /// Its key in [`Settings`] (and in `plugins.gatehouse`).
    pub fn key(self) -> &'static str {
        match self {
            Self::Issuer => "issuer",
            Self::Auth0Domain => "auth0Domain",
            Self::ClientId => "clientId",
            Self::Audience => "audience",
            Self::Scopes => "scopes",
            Self::RedirectPort => "redirectPort",
            Self::Browser => "browser",
            Self::MinTtl => "minTtlSecs",
            Self::Leeway => "leewaySecs",
            Self::LoginTimeout => "loginTimeoutSecs",
            Self::EndSession => "endSession",
            Self::MaxAge => "maxAgeSecs",
            Self::Apis => "apis",
            Self::ResourceParameter => "resourceParameter",
            Self::Dpop => "dpop",
            Self::ProductName => "productName",
        }
    }
}

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

    fn invalid(setting: Setting, problem: impl Into<String>) -> Self {
        Self::Invalid {
            setting,
            problem: problem.into(),
        }
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
}

impl Settings {
    /// These settings with every value `over` gives put over them.
    ///
    /// ```
    /// use gatehouse_core::config::Settings;
    /// let base = Settings { leeway_secs: Some(30), client_id: Some("a".into()), ..Settings::default() };
    /// let over = Settings { client_id: Some("b".into()), ..Settings::default() };
    /// let merged = base.overlaid(over);
    /// assert_eq!((merged.leeway_secs, merged.client_id.as_deref()), (Some(30), Some("b")));
    /// ```
    pub fn overlaid(self, over: Settings) -> Settings {
        Settings {
            issuer: over.issuer.or(self.issuer),
            auth0_domain: over.auth0_domain.or(self.auth0_domain),
            client_id: over.client_id.or(self.client_id),
            audience: over.audience.or(self.audience),
            scopes: over.scopes.or(self.scopes),
            redirect_port: over.redirect_port.or(self.redirect_port),
            browser: over.browser.or(self.browser),
            min_ttl_secs: over.min_ttl_secs.or(self.min_ttl_secs),
            leeway_secs: over.leeway_secs.or(self.leeway_secs),
            login_timeout_secs: over.login_timeout_secs.or(self.login_timeout_secs),
            end_session: over.end_session.or(self.end_session),
            max_age_secs: over.max_age_secs.or(self.max_age_secs),
            apis: over.apis.or(self.apis),
            resource_parameter: over.resource_parameter.or(self.resource_parameter),
            dpop: over.dpop.or(self.dpop),
            product_name: over.product_name.or(self.product_name),
        }
    }

    /// Checks every value given; a missing one is not an error here ([`Config::from_settings`]
    /// asks for what it needs).
    pub fn check(&self) -> Result<(), ConfigError> {
        if let Some(issuer) = &self.issuer {
            check_issuer(issuer).map_err(|p| ConfigError::invalid(Setting::Issuer, p))?;
        }
        if let Some(domain) = &self.auth0_domain {
            check_issuer(&auth0_issuer(domain))
                .map_err(|_| ConfigError::invalid(Setting::Auth0Domain, "is not a domain name"))?;
        }
        for (setting, value) in [
            (Setting::ClientId, &self.client_id),
            (Setting::Audience, &self.audience),
            (Setting::ProductName, &self.product_name),
        ] {
            if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
                return Err(ConfigError::invalid(setting, "is empty"));
            }
        }
        if let Some(scopes) = &self.scopes {
            if !scopes.iter().any(|s| s == "openid") {
                return Err(ConfigError::invalid(Setting::Scopes, "must include openid"));
            }
            if !single_words(scopes) {
                return Err(ConfigError::invalid(
                    Setting::Scopes,
                    "must be single words without spaces",
                ));
            }
        }
        for (i, api) in self.apis.iter().flatten().enumerate() {
            check_api(api)
                .map_err(|p| ConfigError::invalid(Setting::Apis, format!("[{i}] {p}")))?;
            for (j, before) in self.apis.iter().flatten().take(i).enumerate() {
                if before.resource == api.resource {
                    return Err(ConfigError::invalid(
                        Setting::Apis,
                        format!("[{i}] names the resource of an API before it"),
                    ));
                }
                // A call under both would go to whichever came first, with its token.
                if overlap(&before.url, &api.url) {
                    return Err(ConfigError::invalid(
                        Setting::Apis,
                        format!(
                            "[{i}] ({}) overlaps [{j}] ({}): a call under both could reach \
                             either, so no API's base may lie under another's",
                            api.url, before.url
                        ),
                    ));
                }
            }
        }
        if self
            .browser
            .as_ref()
            .is_some_and(|b| b.is_empty() || b[0].is_empty())
        {
            return Err(ConfigError::invalid(Setting::Browser, "names no program"));
        }
        for (setting, value, range) in [
            (Setting::MinTtl, self.min_ttl_secs, MIN_TTL_RANGE),
            (Setting::Leeway, self.leeway_secs, LEEWAY_RANGE),
            (
                Setting::LoginTimeout,
                self.login_timeout_secs,
                LOGIN_TIMEOUT_RANGE,
            ),
            (Setting::MaxAge, self.max_age_secs, MAX_AGE_RANGE),
        ] {
            if let Some(value) = value {
                check_range(value, range).map_err(|p| ConfigError::invalid(setting, p))?;
            }
        }
        Ok(())
    }
}

/// `value` within `(min, max)` seconds, or the sentence saying it is not.
fn check_range(value: u64, (min, max): (u64, u64)) -> Result<(), String> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(format!("must be from {min} to {max} seconds, not {value}"))
    }
}

impl Config {
    /// Checks `settings` and fills in the defaults. The issuer (or Auth0 domain) and the client
    /// id must be given; the issuer wins over the Auth0 domain.
    pub fn from_settings(settings: Settings) -> Result<Self, ConfigError> {
        settings.check()?;
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
        Ok(Self {
            issuer: IssuerUrl::new(issuer),
            client_id: ClientId::new(client_id),
            audience: settings.audience,
            scopes: settings
                .scopes
                .unwrap_or_else(|| DEFAULT_SCOPES.map(str::to_owned).to_vec()),
            redirect_port: settings.redirect_port.unwrap_or(0),
            browser: settings.browser,
            min_ttl: seconds(settings.min_ttl_secs, 60),
            leeway: seconds(settings.leeway_secs, 60),
            login_timeout: seconds(settings.login_timeout_secs, 300),
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
        })
    }

    /// The scopes a sign-in asks for: the configured ones, then each API's not among them.
    pub fn request_scopes(&self) -> Vec<String> {
        let mut scopes = self.scopes.clone();
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
            ResourceParameter::Resource => None,
        })
    }

    /// The resources a sign-in names (RFC 8707 §2.1), so that the grant covers every API.
    pub fn request_resources(&self) -> Vec<String> {
        match self.resource_parameter {
            ResourceParameter::Resource => {
                self.apis.iter().map(|api| api.resource.clone()).collect()
            }
            ResourceParameter::Audience => Vec::new(),
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

fn single_words(words: &[String]) -> bool {
    words
        .iter()
        .all(|s| !s.is_empty() && !s.contains(char::is_whitespace))
}

/// Whether two APIs' base URLs overlap: the same origin, and one's path is the other's or
/// lies under it (segment by segment: `/v1` and `/v10` do not).
fn overlap(a: &str, b: &str) -> bool {
    let (Ok(a), Ok(b)) = (Url::parse(a), Url::parse(b)) else {
        return false;
    };
    let under = |path: &str, base: &str| {
        let base = base.trim_end_matches('/');
        path.trim_end_matches('/') == base
            || path
                .strip_prefix(base)
                .is_some_and(|rest| rest.starts_with('/'))
    };
    a.origin() == b.origin() && (under(a.path(), b.path()) || under(b.path(), a.path()))
}

/// The request headers no API may take from the page: the credentials only the backend adds
/// (RFC 6750 §2.1, RFC 9449 §4.1), the person's cookies, and the connection's own (the Fetch
/// standard's forbidden request headers).
const NEVER_THE_PAGES: [&str; 14] = [
    "authorization",
    "dpop",
    "cookie",
    "cookie2",
    "host",
    "connection",
    "content-length",
    "keep-alive",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "expect",
    "via",
];

/// An API's base URL as an issuer's (`https`; plain `http` only on the literal loopback
/// addresses; no query or fragment), without credentials; a resource that is an absolute URI
/// without a fragment (RFC 8707 §2); single-word scopes; a probe that is a path; headers that
/// are header names and never a credential or the connection's.
fn check_api(api: &ApiSettings) -> Result<(), String> {
    // RFC 8252 §8.3: `localhost` may be resolved elsewhere than this machine (a hosts file, a
    // resolver that answers for it); only the literal addresses are surely loopback.
    let literal_loopback = |url: &Url| match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        _ => false,
    };
    if Url::parse(&api.url).is_ok_and(|url| url.scheme() == "http" && !literal_loopback(&url)) {
        return Err("url must use https (plain http only on 127.0.0.1 or [::1])".into());
    }
    check_issuer(&api.url).map_err(|p| format!("url {p}"))?;
    let url = Url::parse(&api.url).map_err(|_| "url is not a URL".to_owned())?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err("url must not hold credentials".into());
    }
    for name in &api.headers {
        let lower = name.to_ascii_lowercase();
        let valid = reqwest::header::HeaderName::from_bytes(lower.as_bytes()).is_ok();
        if !valid {
            return Err(format!("headers: {name:?} is not a header name"));
        }
        if NEVER_THE_PAGES.contains(&lower.as_str())
            || lower.starts_with("proxy-")
            || lower.starts_with("sec-")
        {
            return Err(format!("headers: {name} is never the page's to set"));
        }
    }
    let resource_ok = Url::parse(&api.resource).is_ok_and(|r| r.fragment().is_none());
    if !resource_ok {
        return Err("resource must be an absolute URI without a fragment".into());
    }
    if !single_words(&api.scopes) {
        return Err("scopes must be single words without spaces".into());
    }
    if let Some(probe) = &api.probe {
        let path_only = probe.starts_with('/')
            && !probe.starts_with("//")
            && !probe.contains(['?', '#', '\\'])
            && !probe.split('/').any(|segment| segment == "..");
        if !path_only {
            return Err("probe must be a path starting with /".into());
        }
    }
    Ok(())
}

/// `https`, or `http` on a loopback address only; no query or fragment (OIDC Discovery §2).
fn check_issuer(issuer: &str) -> Result<(), &'static str> {
    let url = Url::parse(issuer).map_err(|_| "is not a URL")?;
    if url.host().is_none() {
        return Err("is not a URL");
    }
    let scheme_ok = url.scheme() == "https" || (url.scheme() == "http" && is_loopback(&url));
    if !scheme_ok {
        return Err("must use https (plain http only on 127.0.0.1 or localhost)");
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err("must not have a query or fragment");
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

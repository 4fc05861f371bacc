//! Every setting, declared once: its key in `plugins.gatehouse`, its environment variables, its
//! file key, its type and form, its default and its one-line help, and the check of its value.
//! From this come [`Settings`] and its serde, [`Setting`], the overlay of layers, the names in
//! errors, the environment and file readers (see `declare.rs`), `--help` and the README's
//! tables ([`reference_table`]).
//!
//! Adding a setting is one entry here, and the code that uses it.

use serde::{Deserialize, Serialize};

use super::api::{check_apis, ApiSettings};
use super::declare::settings;
use super::forms::{Choice, Choices, CommandLine, Flag, JsonList, Number, SecretText, Text, Words};
use super::{auth0_issuer, check_issuer, check_page, single_words};
use crate::secret::Secret;

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

settings! {
    /// The issuer URL, exactly as the provider spells it (`https://tenant.eu.auth0.com/`).
    Issuer issuer: String as Text {
        key: "issuer", env: ["GATEHOUSE_ISSUER"], file: true, default: "none",
        help: "the issuer URL, exactly as the provider spells it",
        check: |issuer: &String| check_issuer(issuer).map_err(str::to_owned),
    }
    /// An Auth0 tenant's domain: shorthand for the issuer `https://{domain}/`.
    Auth0Domain auth0_domain: String as Text {
        key: "auth0Domain", env: ["AUTH0_DOMAIN"], file: true, default: "none",
        help: "an Auth0 tenant's domain: shorthand for the issuer https://{domain}/",
        check: |domain: &String| {
            check_issuer(&auth0_issuer(domain)).map_err(|_| "is not a domain name".to_owned())
        },
    }
    /// The public client id of a native application.
    ClientId client_id: String as Text {
        key: "clientId", env: ["GATEHOUSE_CLIENT_ID", "AUTH0_CLIENT_ID"], file: true,
        default: "none", help: "the public client id of a native application",
        check: not_empty,
    }
    /// An API audience (Auth0's `audience` parameter).
    Audience audience: String as Text {
        key: "audience", env: ["GATEHOUSE_AUDIENCE"], file: true, default: "none",
        help: "an API audience (Auth0)",
        check: not_empty,
    }
    /// The scopes to ask for; they must include `openid`. Default: [`super::DEFAULT_SCOPES`].
    Scopes scopes: Vec<String> as Words {
        key: "scopes", env: ["GATEHOUSE_SCOPES"], file: true,
        default: "openid profile email offline_access",
        help: "the scopes to ask for; openid among them, offline_access for silent renewal",
        check: check_scopes,
    }
    /// The loopback port of the redirect URI; 0 (the default) lets the system pick.
    RedirectPort redirect_port: u16 as Number<u16> {
        key: "redirectPort", env: ["GATEHOUSE_REDIRECT_PORT"], file: true,
        default: "0, the system picks",
        help: "the loopback port of the redirect URI http://127.0.0.1:{port}/callback",
        check: |_: &_| Ok(()),
    }
    /// The command that opens the provider's pages, as program and arguments (the URL is
    /// added last). Default: the system's opener.
    Browser browser: Vec<String> as CommandLine {
        key: "browser", env: ["GATEHOUSE_BROWSER"], file: true,
        default: "the system's opener",
        help: "the command that opens the provider's pages; the URL is its last argument",
        check: |browser: &Vec<String>| match browser.first() {
            Some(program) if !program.is_empty() => Ok(()),
            _ => Err("names no program".to_owned()),
        },
    }
    /// How long an ID token must still be valid to count as signed in, in seconds (0–3600,
    /// default 60).
    MinTtl min_ttl_secs: u64 as Number<u64> {
        key: "minTtlSecs", env: ["GATEHOUSE_MIN_TTL_SECS"], file: true, default: "60",
        help: "how long an ID token must still be valid to count as signed in, in seconds (0-3600)",
        check: |secs: &u64| check_range(*secs, MIN_TTL_RANGE),
    }
    /// The clock skew allowed for `exp`, `nbf` and `iat`, in seconds (0–300, default 60).
    Leeway leeway_secs: u64 as Number<u64> {
        key: "leewaySecs", env: ["GATEHOUSE_LEEWAY_SECS"], file: true, default: "60",
        help: "the clock skew allowed for exp, nbf and iat, in seconds (0-300)",
        check: |secs: &u64| check_range(*secs, LEEWAY_RANGE),
    }
    /// How long a sign-in may take, in seconds (default 300).
    LoginTimeout login_timeout_secs: u64 as Number<u64> {
        key: "loginTimeoutSecs", env: ["GATEHOUSE_LOGIN_TIMEOUT_SECS"], file: true,
        default: "300", help: "how long a sign-in may take, in seconds (1-86400)",
        check: |secs: &u64| check_range(*secs, LOGIN_TIMEOUT_RANGE),
    }
    /// Whether logout also opens the provider's logout page (default false).
    EndSession end_session: bool as Flag {
        key: "endSession", env: ["GATEHOUSE_END_SESSION"], file: true, default: "false",
        help: "on logout, also open the provider's logout page",
        check: |_: &_| Ok(()),
    }
    /// The session's time limit, in seconds since the person authenticated at the provider
    /// (1 to a year; default none). Sent as `max_age` (OIDC Core 3.1.2.1); the session ends
    /// when it passes, however often it was renewed.
    MaxAge max_age_secs: u64 as Number<u64> {
        key: "maxAgeSecs", env: ["GATEHOUSE_MAX_AGE_SECS"], file: true, default: "none",
        help: "the session's time limit after signing in at the provider, renewals or not, in \
               seconds (1-31622400); sent as max_age",
        check: |secs: &u64| check_range(*secs, MAX_AGE_RANGE),
    }
    /// The APIs the app calls on the person's behalf, each with an access token of its own.
    Apis apis: Vec<ApiSettings> as JsonList<ApiSettings> {
        key: "apis", env: ["GATEHOUSE_APIS"], file: true, default: "none",
        help: "the APIs the app calls, as JSON: [{\"url\", \"resource\", \"scopes\": [...], \
               \"probe\", \"headers\": [...]}]",
        check: check_apis,
    }
    /// How an API's resource is named to the provider: `"resource"` (RFC 8707) or
    /// `"audience"` (Auth0). Default: `audience` for an Auth0 tenant, `resource` otherwise.
    ResourceParameter resource_parameter: ResourceParameter as Choice<ResourceParameter> {
        key: "resourceParameter", env: ["GATEHOUSE_RESOURCE_PARAMETER"], file: true,
        default: "audience for Auth0, else resource",
        help: "how an API's resource is named to the provider: resource (RFC 8707), audience \
               (Auth0) or scope (its scopes alone: Entra ID, Okta, Keycloak, Cognito)",
        check: |_: &_| Ok(()),
    }
    /// DPoP (RFC 9449): `"auto"` (the default: when the provider offers it), `"required"` or
    /// `"off"`.
    Dpop dpop: DpopMode as Choice<DpopMode> {
        key: "dpop", env: ["GATEHOUSE_DPOP"], file: true,
        default: "auto, when the provider offers it",
        help: "bind the session's tokens to a key of the app's (DPoP): auto, required or off",
        check: |_: &_| Ok(()),
    }
    /// A provider whose departures from the specs Gatehouse knows: its defaults are filled
    /// in beneath the settings given (see [`Provider`]).
    Provider provider: Provider as Choice<Provider> {
        key: "provider", env: ["GATEHOUSE_PROVIDER"], file: true, default: "none",
        help: "a provider preset: google, entra, okta, keycloak, cognito or auth0 (explicit \
               settings win)",
        check: |_: &_| Ok(()),
    }
    /// The client secret a provider issues to desktop apps anyway (Google). Not confidential:
    /// it ships in the app. Sent to the token endpoint as its discovery document says
    /// (`client_secret_basic` or `client_secret_post`); PKCE is sent all the same.
    ClientSecret client_secret: Secret as SecretText {
        key: "clientSecret", env: ["GATEHOUSE_CLIENT_SECRET"], file: true, default: "none",
        help: "the client secret a provider gives desktop apps (Google); shipped in the app, \
               not confidential",
        check: |secret: &Secret| not_empty(secret.secret()),
    }
    /// Whether `offline_access` is asked for, for a refresh token (default true). Google
    /// refuses the scope and gives installed apps a refresh token without it.
    OfflineAccess offline_access: bool as Flag {
        key: "offlineAccess", env: ["GATEHOUSE_OFFLINE_ACCESS"], file: true,
        default: "true (false for google and cognito)",
        help: "ask for a refresh token with the offline_access scope",
        check: |_: &_| Ok(()),
    }
    /// How the sign-in after a logout asks the provider for credentials again (OIDC Core
    /// 3.1.2.1 `prompt`): `login` (the default), or `select_account` where `login` is not a
    /// value the provider documents (Google).
    PromptAfterLogout prompt_after_logout: PromptAfterLogout as Choice<PromptAfterLogout> {
        key: "promptAfterLogout", env: ["GATEHOUSE_PROMPT_AFTER_LOGOUT"], file: true,
        default: "login (select_account for google)",
        help: "how the sign-in after a logout asks for credentials again: login or \
               select_account",
        check: |_: &_| Ok(()),
    }
    /// Microsoft Entra ID's multi-tenant authorities (`common`, `organizations`): the tenants
    /// whose people may sign in, by tenant id. Empty, or not set: any tenant.
    AllowedTenants allowed_tenants: Vec<String> as Words {
        key: "allowedTenants", env: ["GATEHOUSE_ALLOWED_TENANTS"], file: true,
        default: "any tenant",
        help: "Entra ID multi-tenant: the tenant ids allowed to sign in (none: any)",
        check: check_tenants,
    }
    /// The host of the redirect URI: `127.0.0.1` (the default, RFC 8252 §7.3) or `localhost`,
    /// for providers that register `http://localhost`. The listener binds 127.0.0.1 either
    /// way.
    RedirectHost redirect_host: RedirectHost as Choice<RedirectHost> {
        key: "redirectHost", env: ["GATEHOUSE_REDIRECT_HOST"], file: true,
        default: "127.0.0.1 (localhost for entra and cognito)",
        help: "the host of the redirect URI: 127.0.0.1 or localhost (the listener binds \
               127.0.0.1 either way)",
        check: |_: &_| Ok(()),
    }
    /// The revocation endpoint (RFC 7009), for a provider whose discovery does not list it.
    RevocationEndpoint revocation_endpoint: String as Text {
        key: "revocationEndpoint", env: ["GATEHOUSE_REVOCATION_ENDPOINT"], file: true,
        default: "the provider's metadata",
        help: "the revocation endpoint, where the provider's discovery lists none",
        check: |url: &String| check_issuer(url).map_err(str::to_owned),
    }
    /// The end-session endpoint (OIDC RP-Initiated Logout), for a provider whose discovery
    /// does not list it.
    EndSessionEndpoint end_session_endpoint: String as Text {
        key: "endSessionEndpoint", env: ["GATEHOUSE_END_SESSION_ENDPOINT"], file: true,
        default: "the provider's metadata",
        help: "the provider's logout page, where its discovery lists none (Cognito: its \
               /logout with a logout_uri)",
        check: |url: &String| check_page(url).map_err(str::to_owned),
    }
    /// The product name on the browser's callback page and in messages. Default: the app's.
    ProductName product_name: String as Text {
        key: "productName", env: [], file: false, default: "the app's productName",
        help: "the name on the browser's callback page and in messages",
        check: not_empty,
    }
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

impl Choices for DpopMode {
    const CHOICES: &'static [(&'static str, Self)] = &[
        ("auto", Self::Auto),
        ("required", Self::Required),
        ("off", Self::Off),
    ];
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
    /// None: an API is named by its scopes alone (`api://…/read` on Entra ID, a resource
    /// server's scopes on Cognito, an authorization server's on Okta and Keycloak).
    Scope,
}

impl Choices for ResourceParameter {
    const CHOICES: &'static [(&'static str, Self)] = &[
        ("resource", Self::Resource),
        ("audience", Self::Audience),
        ("scope", Self::Scope),
    ];
}

impl ResourceParameter {
    /// The parameter's name in a request; none when the API is named by its scopes alone.
    pub fn name(self) -> Option<&'static str> {
        match self {
            Self::Resource => Some("resource"),
            Self::Audience => Some("audience"),
            Self::Scope => None,
        }
    }
}

/// A provider whose departures from the specs Gatehouse knows (`../docs/providers/`). Each
/// fills in defaults beneath the settings given:
///
/// | provider | defaults |
/// |---|---|
/// | `google` | scopes `openid profile email`, no `offline_access` (refused, and a refresh token comes anyway), `promptAfterLogout` `select_account` |
/// | `entra` | `redirectHost` `localhost`, APIs named by their scopes; the multi-tenant issuer template (`{tenantid}`) |
/// | `okta` | APIs named by their scopes; its logout page is not opened (it needs the ID token in its URL) |
/// | `keycloak` | APIs named by their scopes |
/// | `cognito` | scopes `openid profile email`, no `offline_access`, `redirectHost` `localhost`, APIs named by their scopes; revocation on the pool's domain when discovery lists none |
/// | `auth0` | APIs named by `audience` |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    Google,
    Entra,
    Okta,
    Keycloak,
    Cognito,
    Auth0,
}

impl Choices for Provider {
    const CHOICES: &'static [(&'static str, Self)] = &[
        ("google", Self::Google),
        ("entra", Self::Entra),
        ("okta", Self::Okta),
        ("keycloak", Self::Keycloak),
        ("cognito", Self::Cognito),
        ("auth0", Self::Auth0),
    ];
}

impl Provider {
    /// The settings this provider needs where the app gives none.
    pub fn preset(self) -> Settings {
        let scopes = |list: &[&str]| Some(list.iter().map(|s| (*s).to_owned()).collect());
        match self {
            Self::Google => Settings {
                scopes: scopes(&["openid", "profile", "email"]),
                offline_access: Some(false),
                prompt_after_logout: Some(PromptAfterLogout::SelectAccount),
                ..Settings::default()
            },
            Self::Entra => Settings {
                redirect_host: Some(RedirectHost::Localhost),
                resource_parameter: Some(ResourceParameter::Scope),
                ..Settings::default()
            },
            Self::Okta | Self::Keycloak => Settings {
                resource_parameter: Some(ResourceParameter::Scope),
                ..Settings::default()
            },
            Self::Cognito => Settings {
                scopes: scopes(&["openid", "profile", "email"]),
                offline_access: Some(false),
                redirect_host: Some(RedirectHost::Localhost),
                resource_parameter: Some(ResourceParameter::Scope),
                ..Settings::default()
            },
            Self::Auth0 => Settings {
                resource_parameter: Some(ResourceParameter::Audience),
                ..Settings::default()
            },
        }
    }
}

/// How the sign-in after a logout asks for credentials again (the `prompt` parameter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PromptAfterLogout {
    /// `prompt=login` (OIDC Core 3.1.2.1).
    Login,
    /// `prompt=select_account`: the provider offers its accounts to choose from.
    SelectAccount,
}

impl Choices for PromptAfterLogout {
    const CHOICES: &'static [(&'static str, Self)] = &[
        ("login", Self::Login),
        ("select_account", Self::SelectAccount),
    ];
}

impl PromptAfterLogout {
    /// The value of `prompt`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Login => "login",
            Self::SelectAccount => "select_account",
        }
    }
}

/// The host of the redirect URI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RedirectHost {
    #[serde(rename = "127.0.0.1")]
    Loopback,
    #[serde(rename = "localhost")]
    Localhost,
}

impl Choices for RedirectHost {
    const CHOICES: &'static [(&'static str, Self)] = &[
        ("127.0.0.1", Self::Loopback),
        ("localhost", Self::Localhost),
    ];
}

impl RedirectHost {
    /// Whether the redirect URI names `localhost`.
    pub fn is_localhost(self) -> bool {
        self == Self::Localhost
    }

    /// The host as written in the redirect URI.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Loopback => "127.0.0.1",
            Self::Localhost => "localhost",
        }
    }
}

/// Tenant ids as Entra ID writes them: letters, digits and hyphens.
fn check_tenants(tenants: &[String]) -> Result<(), String> {
    match tenants
        .iter()
        .find(|t| t.is_empty() || !t.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
    {
        Some(bad) => Err(format!("holds {bad:?}, which is not a tenant id")),
        None => Ok(()),
    }
}

fn not_empty(value: &str) -> Result<(), String> {
    if value.trim().is_empty() {
        Err("is empty".to_owned())
    } else {
        Ok(())
    }
}

fn check_scopes(scopes: &[String]) -> Result<(), String> {
    if !scopes.iter().any(|s| s == "openid") {
        return Err("must include openid".to_owned());
    }
    if !single_words(scopes) {
        return Err("must be single words without spaces".to_owned());
    }
    Ok(())
}

/// `value` within `(min, max)` seconds, or the sentence saying it is not.
fn check_range(value: u64, (min, max): (u64, u64)) -> Result<(), String> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(format!("must be from {min} to {max} seconds, not {value}"))
    }
}

/// How a table names the settings: by their key in `plugins.gatehouse`, or by their environment
/// variables and file keys (settings neither gives are left out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Naming {
    Key,
    Env,
}

/// The settings as a Markdown table: name, meaning and default, one row each; the README's
/// tables are this, and a test keeps them so.
pub fn reference_table(naming: Naming) -> String {
    let mut table = match naming {
        Naming::Key => "| key | meaning | default |\n|---|---|---|\n",
        Naming::Env => "| variable | file key | meaning | default |\n|---|---|---|---|\n",
    }
    .to_owned();
    let code = |name: &str| format!("`{name}`");
    for &setting in Setting::ALL {
        let name = match naming {
            Naming::Key => code(setting.key()),
            Naming::Env => match (setting.env(), setting.file_key()) {
                ([], None) => continue,
                (names, file_key) => {
                    let names: Vec<String> = names.iter().map(|name| code(name)).collect();
                    let file_key = file_key.map(code).unwrap_or_default();
                    format!("{} | {file_key}", names.join(" or "))
                }
            },
        };
        let help = setting.help().replace('|', "\\|");
        let default = setting.default_text();
        table.push_str(&format!("| {name} | {help} | {default} |\n"));
    }
    table
}

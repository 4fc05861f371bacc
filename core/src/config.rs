//! Configuration: environment variables over a JSON config file over defaults. The names are a
//! stable contract, listed in the README.
//!
//! ```
//! use gatehouse_core::config::Config;
//! let env = |name: &str| match name {
//!     "AUTH0_DOMAIN" => Some("tenant.eu.auth0.com".to_owned()),
//!     "AUTH0_CLIENT_ID" => Some("abc123".to_owned()),
//!     _ => None,
//! };
//! let config = Config::resolve(env, None).unwrap();
//! assert_eq!(config.issuer, "https://tenant.eu.auth0.com/");
//! assert_eq!(config.client_id, "abc123");
//! ```

use std::path::Path;
use std::time::Duration;

use serde::Deserialize;
use url::Url;

use crate::oidc::http::is_loopback;
use crate::oidc::{ClientId, IssuerUrl};
use crate::{Error, Result};

/// The default scopes: a refresh token (`offline_access`) makes silent renewal possible.
pub const DEFAULT_SCOPES: &str = "openid profile email offline_access";

/// Every variable Gatehouse reads: name, meaning, default. The same keys, in lower case
/// without the prefix, may be written in the configuration file.
pub const VARIABLES: &[(&str, &str, &str)] = &[
    (
        "GATEHOUSE_ISSUER",
        "the issuer URL, exactly as the provider spells it",
        "none",
    ),
    (
        "AUTH0_DOMAIN",
        "shorthand for the issuer https://{domain}/",
        "none",
    ),
    (
        "GATEHOUSE_CLIENT_ID",
        "the public client id (or AUTH0_CLIENT_ID)",
        "none",
    ),
    ("GATEHOUSE_AUDIENCE", "an API audience (Auth0)", "none"),
    ("GATEHOUSE_SCOPES", "the scopes to ask for", DEFAULT_SCOPES),
    (
        "GATEHOUSE_REDIRECT_PORT",
        "the loopback port of the redirect URI",
        "0, the OS picks",
    ),
    (
        "GATEHOUSE_BROWSER",
        "the command that opens the provider's pages; the URL is its last argument",
        "the system's opener",
    ),
    (
        "GATEHOUSE_MIN_TTL_SECS",
        "how long an ID token must still be valid to count as signed in",
        "60",
    ),
    (
        "GATEHOUSE_LEEWAY_SECS",
        "allowed clock skew for exp, nbf, iat",
        "60",
    ),
    (
        "GATEHOUSE_LOGIN_TIMEOUT_SECS",
        "how long a sign-in may take",
        "300",
    ),
    (
        "GATEHOUSE_END_SESSION",
        "on logout, also open the provider's logout page",
        "false",
    ),
    (
        "RUST_LOG",
        "what to log to stderr: a level, or target=level directives",
        "info",
    ),
];

/// Everything the sign-in needs to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The issuer, exactly as the provider spells it (Auth0's ends with `/`).
    pub issuer: IssuerUrl,
    /// The public client id; there is no client secret (RFC 8252 §8.4).
    pub client_id: ClientId,
    /// An API audience (Auth0's `audience` parameter).
    pub audience: Option<String>,
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
}

/// The config file's shape: the same settings, in snake case.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    issuer: Option<String>,
    auth0_domain: Option<String>,
    client_id: Option<String>,
    audience: Option<String>,
    scopes: Option<String>,
    redirect_port: Option<u16>,
    browser: Option<String>,
    min_ttl_secs: Option<u64>,
    leeway_secs: Option<u64>,
    login_timeout_secs: Option<u64>,
    end_session: Option<bool>,
}

impl Config {
    /// Resolves from `env` (a lookup such as `std::env::var(..).ok()`) and the optional JSON
    /// file at `file` (absent is fine; unreadable or malformed is an error).
    pub fn resolve(env: impl Fn(&str) -> Option<String>, file: Option<&Path>) -> Result<Self> {
        let env = |name: &str| {
            env(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let file = match file {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };

        let issuer = env("GATEHOUSE_ISSUER")
            .or_else(|| env("AUTH0_DOMAIN").map(|d| auth0_issuer(&d)))
            .or(file.issuer)
            .or_else(|| file.auth0_domain.map(|d| auth0_issuer(&d)));
        let client_id = env("GATEHOUSE_CLIENT_ID")
            .or_else(|| env("AUTH0_CLIENT_ID"))
            .or(file.client_id);

        let mut missing = Vec::new();
        if issuer.is_none() {
            missing.push("GATEHOUSE_ISSUER (or AUTH0_DOMAIN)");
        }
        if client_id.is_none() {
            missing.push("GATEHOUSE_CLIENT_ID (or AUTH0_CLIENT_ID)");
        }
        let (Some(issuer), Some(client_id)) = (issuer, client_id) else {
            return Err(Error::MissingConfig {
                missing: missing.join(" and "),
            });
        };
        check_issuer(&issuer)?;

        let scopes: Vec<String> = env("GATEHOUSE_SCOPES")
            .or(file.scopes)
            .unwrap_or_else(|| DEFAULT_SCOPES.to_owned())
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        if !scopes.iter().any(|s| s == "openid") {
            return Err(Error::InvalidConfig(
                "GATEHOUSE_SCOPES must include openid.".into(),
            ));
        }

        let browser = match env("GATEHOUSE_BROWSER").or(file.browser) {
            Some(command) => Some(
                shlex::split(&command)
                    .filter(|w| !w.is_empty())
                    .ok_or_else(|| {
                        Error::InvalidConfig(
                            "GATEHOUSE_BROWSER is not a valid command line.".into(),
                        )
                    })?,
            ),
            None => None,
        };

        Ok(Self {
            issuer: IssuerUrl::new(issuer),
            client_id: ClientId::new(client_id),
            audience: env("GATEHOUSE_AUDIENCE").or(file.audience),
            scopes,
            redirect_port: number(env, "GATEHOUSE_REDIRECT_PORT")?
                .or(file.redirect_port)
                .unwrap_or(0),
            browser,
            min_ttl: seconds(env, "GATEHOUSE_MIN_TTL_SECS", file.min_ttl_secs, 60)?,
            leeway: seconds(env, "GATEHOUSE_LEEWAY_SECS", file.leeway_secs, 60)?,
            login_timeout: seconds(
                env,
                "GATEHOUSE_LOGIN_TIMEOUT_SECS",
                file.login_timeout_secs,
                300,
            )?,
            end_session: flag(env, "GATEHOUSE_END_SESSION")?
                .or(file.end_session)
                .unwrap_or(false),
        })
    }

    /// Whether the issuer is on this machine, where plain `http` is allowed (RFC 8252 §8.3).
    pub fn issuer_is_loopback(&self) -> bool {
        Url::parse(&self.issuer).is_ok_and(|u| is_loopback(&u))
    }
}

fn auth0_issuer(domain: &str) -> String {
    let domain = domain.trim_start_matches("https://").trim_end_matches('/');
    format!("https://{domain}/")
}

fn read_file(path: &Path) -> Result<FileConfig> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
            Error::InvalidConfig(format!(
                "{} is not a valid config file: {e}.",
                path.display()
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(FileConfig::default()),
        Err(e) => Err(Error::InvalidConfig(format!(
            "{} cannot be read: {e}.",
            path.display()
        ))),
    }
}

/// `https`, or `http` on a loopback address only; no query or fragment (OIDC Discovery §2).
fn check_issuer(issuer: &str) -> Result<()> {
    let url = Url::parse(issuer)
        .map_err(|_| Error::InvalidConfig(format!("the issuer {issuer:?} is not a URL.")))?;
    let scheme_ok = url.scheme() == "https" || (url.scheme() == "http" && is_loopback(&url));
    if !scheme_ok {
        return Err(Error::InvalidConfig(format!(
            "the issuer {issuer:?} must use https (plain http only on 127.0.0.1 or localhost)."
        )));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::InvalidConfig(format!(
            "the issuer {issuer:?} must not have a query or fragment."
        )));
    }
    Ok(())
}

fn number<T: std::str::FromStr>(
    env: impl Fn(&str) -> Option<String>,
    name: &str,
) -> Result<Option<T>> {
    env(name)
        .map(|v| {
            v.parse().map_err(|_| {
                Error::InvalidConfig(format!("{name} must be a whole number, not {v:?}."))
            })
        })
        .transpose()
}

fn seconds(
    env: impl Fn(&str) -> Option<String>,
    name: &str,
    file: Option<u64>,
    default: u64,
) -> Result<Duration> {
    Ok(Duration::from_secs(
        number(env, name)?.or(file).unwrap_or(default),
    ))
}

fn flag(env: impl Fn(&str) -> Option<String>, name: &str) -> Result<Option<bool>> {
    env(name)
        .map(|v| match v.to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Ok(true),
            "0" | "false" | "no" | "off" => Ok(false),
            _ => Err(Error::InvalidConfig(format!(
                "{name} must be true or false, not {v:?}."
            ))),
        })
        .transpose()
}

#[cfg(test)]
mod tests;

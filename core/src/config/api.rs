//! The APIs the app calls on the person's behalf: each as `plugins.gatehouse.apis` lists it
//! ([`ApiSettings`]), and checked ([`Api`]).

use serde::{Deserialize, Serialize};
use url::Url;

use super::forms::Described;
use super::{check_issuer, single_words};

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

impl Described for ApiSettings {
    const WHAT: &'static str = "APIs";
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

/// Checks the APIs as `apis` lists them: each usable (see [`check_api`]), no resource named
/// twice, and no base under another's.
pub(super) fn check_apis(apis: &[ApiSettings]) -> Result<(), String> {
    for (i, api) in apis.iter().enumerate() {
        check_api(api).map_err(|p| format!("[{i}] {p}"))?;
        for (j, before) in apis.iter().take(i).enumerate() {
            if before.resource == api.resource {
                return Err(format!("[{i}] names the resource of an API before it"));
            }
            // A call under both would go to whichever came first, with its token.
            if overlap(&before.url, &api.url) {
                return Err(format!(
                    "[{i}] ({}) overlaps [{j}] ({}): a call under both could reach either, so \
                     no API's base may lie under another's",
                    api.url, before.url
                ));
            }
        }
    }
    Ok(())
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

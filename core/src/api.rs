//! The page's calls of the app's APIs (the plugin's `fetch`): checked here before anything is
//! sent, sent with the API's own token, which the page never sees, and answered with what a
//! page may read.
//!
//! - Only under a configured API: the same origin, the path under its base (see
//!   [`Api::covers`]). Anything else is refused without a request.
//! - The path is checked as a strict server reads it, before any token is fetched: no encoded
//!   `/`, `\` or `.` (`%2F`, `%5C`, `%2E`), no `;` parameters, nothing a server or gateway would
//!   normalize first (`.` and `..` segments, empty ones, a backslash). A gateway that decodes
//!   `/orders/..%2Fme` routes it outside `/orders`; the check here would not see it (RFC 3986
//!   §6.2.2, §2.1).
//! - Headers come from an allowlist ([`ALLOWED`], and the names an API lists in its
//!   `headers`): the credentials are the backend's to add (RFC 6750 §2.1, RFC 9449 §4.1), and a
//!   header such as `X-HTTP-Method-Override` or `X-Forwarded-Host` could make a server act
//!   outside the API.
//! - Redirects are not followed (the token would follow them); the page gets the 3xx.
//! - Bodies are capped both ways, and each try has [`TIMEOUT`].
//! - The answer's headers are filtered to [`READABLE`]: never `Set-Cookie`.

use std::collections::BTreeMap;
use std::time::Duration;

use gatehouse_contract::{FetchRequest, FetchResponse, MAX_REQUEST_BODY, MAX_RESPONSE_BODY};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION, WWW_AUTHENTICATE};
use reqwest::{Method, StatusCode};
use url::Url;

use crate::access_token::Sendable;
use crate::config::{Api, Config};
use crate::oidc::dpop::{self, Nonce, Prover};
use crate::{Error, Result};

/// How long one try of a call may take, from the request to the last byte of the answer.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// The methods a page may use.
const METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/// The request headers a page may set on any API's call: content negotiation, the body's
/// type and language, the conditional requests (RFC 9110 §13) and `Range`. An API takes more
/// when its `headers` setting names them.
pub const ALLOWED: [&str; 9] = [
    "accept",
    "accept-language",
    "content-type",
    "content-language",
    "if-match",
    "if-none-match",
    "if-modified-since",
    "if-unmodified-since",
    "range",
];

/// The answer's headers the page is given: the Fetch standard's safelisted response headers,
/// and those an API client reads (its challenge, its pagination, its request id).
pub const READABLE: [&str; 14] = [
    "allow",
    "cache-control",
    "content-language",
    "content-range",
    "content-type",
    "etag",
    "expires",
    "last-modified",
    "link",
    "location",
    "retry-after",
    "www-authenticate",
    "x-request-id",
    "x-total-count",
];

/// A page's call, checked: what will be sent, and to which API.
pub(crate) struct Call<'a> {
    pub api: &'a Api,
    url: Url,
    method: Method,
    headers: HeaderMap,
    body: Option<String>,
}

/// Checks a page's call against the configured APIs; nothing is sent, and no token fetched,
/// when it fails.
pub(crate) fn check(config: &Config, request: FetchRequest) -> Result<Call<'_>> {
    let url = Url::parse(&request.url)
        .map_err(|_| Error::ApiCall("its URL is not an absolute URL".into()))?;
    strict_path(&request.url, &url).map_err(|problem| Error::ApiCall(problem.into()))?;
    let api = config.api_for(&url).ok_or_else(|| Error::ApiNotAllowed {
        url: without_query(&url),
    })?;
    let method = request.method.to_ascii_uppercase();
    if !METHODS.contains(&method.as_str()) {
        return Err(Error::ApiCall(format!(
            "the method {:?} is not one of {}",
            request.method,
            METHODS.join(", ")
        )));
    }
    let mut headers = HeaderMap::new();
    for (name, value) in &request.headers {
        let lower = name.to_ascii_lowercase();
        if !ALLOWED.contains(&lower.as_str()) && !api.headers.contains(&lower) {
            return Err(Error::ApiCall(format!(
                "the page may not set the header {name}"
            )));
        }
        let header = HeaderName::from_bytes(lower.as_bytes())
            .map_err(|_| Error::ApiCall(format!("{name:?} is not a header name")))?;
        let value = HeaderValue::from_str(value)
            .map_err(|_| Error::ApiCall(format!("the value of {name} is not a header value")))?;
        headers.append(header, value);
    }
    if request
        .body
        .as_ref()
        .is_some_and(|b| b.len() > MAX_REQUEST_BODY)
    {
        return Err(Error::ApiCall(format!(
            "its body is larger than {} KiB",
            MAX_REQUEST_BODY / 1024
        )));
    }
    Ok(Call {
        api,
        url,
        method: Method::from_bytes(method.as_bytes()).expect("one of METHODS"),
        headers,
        body: request.body,
    })
}

/// The path of `text` (which parsed as `url`), as a strict server would read it: it must hold
/// nothing a server or gateway decodes or normalizes before routing, so that the path checked
/// against the API's base is the one the server acts on. `Err` says what is wrong.
fn strict_path(text: &str, url: &Url) -> std::result::Result<(), &'static str> {
    // The path as written: after the authority, up to the query or fragment.
    let after_scheme = text.split_once("://").map_or(text, |(_, rest)| rest);
    let path_start = after_scheme
        .find(['/', '\\', '?', '#'])
        .unwrap_or(after_scheme.len());
    let rest = &after_scheme[path_start..];
    let written = &rest[..rest.find(['?', '#']).unwrap_or(rest.len())];
    if written.contains('\\') {
        return Err("its path holds a backslash");
    }
    let lower = written.to_ascii_lowercase();
    if ["%2f", "%5c", "%2e"]
        .iter()
        .any(|code| lower.contains(code))
    {
        return Err("its path holds an encoded /, \\ or . (%2F, %5C or %2E)");
    }
    if written.contains(';') {
        return Err("its path holds a ; parameter");
    }
    // `.` and `..` anywhere, and empty segments (`//`) but for a trailing slash.
    let segments: Vec<&str> = written.split('/').skip(1).collect();
    let last = segments.len().saturating_sub(1);
    let odd = segments
        .iter()
        .enumerate()
        .any(|(i, segment)| matches!(*segment, "." | "..") || (segment.is_empty() && i < last));
    let written = if written.is_empty() { "/" } else { written };
    if odd || written != url.path() {
        return Err("its path is not in normal form (no . or .. segments, no empty ones, every character a URL may hold as it is)");
    }
    Ok(())
}

impl Call<'_> {
    /// Sends the call with `token`, as its own record says: a bearer token (RFC 6750 §2.1), or
    /// a DPoP-bound one with a proof naming the call and the token's hash (RFC 9449 §7.1), with
    /// `nonce`, the API's last `DPoP-Nonce`. An answer that asks for a nonce
    /// (`use_dpop_nonce`, RFC 9449 §9) is sent once more with it.
    pub(crate) async fn send(
        &self,
        client: &reqwest::Client,
        token: &Sendable,
        nonce: &Nonce,
        now: i64,
    ) -> Result<reqwest::Response> {
        let dpop = token.key.as_deref().map(|key| Prover { key, nonce, now });
        let scheme = if dpop.is_some() { "DPoP" } else { "Bearer" };
        let mut tries = 0;
        loop {
            tries += 1;
            let mut headers = self.headers.clone();
            let mut authorization =
                HeaderValue::from_str(&format!("{scheme} {}", token.token.secret())).map_err(
                    |_| {
                        Error::ApiAnswer("the provider's access token is not a header value".into())
                    },
                )?;
            authorization.set_sensitive(true);
            headers.insert(AUTHORIZATION, authorization);
            if let Some(dpop) = &dpop {
                let proof = dpop.proof(self.method.as_str(), &self.url, Some(&token.token));
                let mut proof = HeaderValue::from_str(&proof).expect("a JWT is a header value");
                proof.set_sensitive(true);
                headers.insert("dpop", proof);
            }
            let mut request = client
                .request(self.method.clone(), self.url.clone())
                .headers(headers)
                .timeout(TIMEOUT);
            if let Some(body) = &self.body {
                request = request.body(body.clone());
            }
            let response = request.send().await.map_err(|e| Error::ApiUnreachable {
                origin: self.api.url.origin().ascii_serialization(),
                timed_out: e.is_timeout(),
            })?;
            if dpop.is_none() {
                return Ok(response);
            }
            let fresh = dpop::nonce_in(response.headers());
            if let Some(fresh) = &fresh {
                nonce.set(fresh);
            }
            if tries == 2 || fresh.is_none() || !challenge_says(&response, "use_dpop_nonce") {
                return Ok(response);
            }
        }
    }
}

/// Whether a `401`'s `WWW-Authenticate` carries `error="{code}"` (RFC 6750 §3, RFC 9449 §7.1).
fn challenge_says(response: &reqwest::Response, code: &str) -> bool {
    let quoted = format!("error=\"{code}\"");
    let bare = format!("error={code}");
    response.status() == StatusCode::UNAUTHORIZED
        && response
            .headers()
            .get_all(WWW_AUTHENTICATE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|challenge| {
                challenge
                    .split([',', ' '])
                    .any(|param| param.trim() == quoted || param.trim() == bare)
            })
}

/// Whether an answer says the token was refused as expired or revoked (RFC 6750 §3.1:
/// `401` with `error="invalid_token"` in its `WWW-Authenticate`).
pub(crate) fn token_refused(response: &reqwest::Response) -> bool {
    challenge_says(response, "invalid_token")
}

/// The answer as the page gets it: its status, its readable headers, its body as text.
pub(crate) async fn answer(mut response: reqwest::Response, origin: &str) -> Result<FetchResponse> {
    let status = response.status().as_u16();
    let mut headers = BTreeMap::<String, String>::new();
    for (name, value) in response.headers() {
        if !READABLE.contains(&name.as_str()) {
            continue;
        }
        let Ok(value) = value.to_str() else { continue };
        headers
            .entry(name.as_str().to_owned())
            .and_modify(|v| {
                v.push_str(", ");
                v.push_str(value);
            })
            .or_insert_with(|| value.to_owned());
    }
    let too_large = || {
        Error::ApiAnswer(format!(
            "its body is larger than {} KiB",
            MAX_RESPONSE_BODY / 1024
        ))
    };
    if response
        .content_length()
        .is_some_and(|n| n > MAX_RESPONSE_BODY as u64)
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    loop {
        let chunk = response.chunk().await.map_err(|e| Error::ApiUnreachable {
            origin: origin.to_owned(),
            timed_out: e.is_timeout(),
        })?;
        let Some(chunk) = chunk else { break };
        if body.len() + chunk.len() > MAX_RESPONSE_BODY {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    let body =
        String::from_utf8(body).map_err(|_| Error::ApiAnswer("its body is not text".into()))?;
    Ok(FetchResponse {
        status,
        headers,
        body,
    })
}

/// `url` without its query and fragment, to name it in a message.
fn without_query(url: &Url) -> String {
    let mut url = url.clone();
    url.set_query(None);
    url.set_fragment(None);
    url.to_string()
}

#[cfg(test)]
mod tests;

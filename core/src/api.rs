//! The page's calls of the app's APIs (the plugin's `fetch`): checked here before anything is
//! sent, sent with the API's own token, which the page never sees, and answered with what a
//! page may read.
//!
//! - Only under a configured API: the same origin, the path under its base (see
//!   [`Api::covers`]). Anything else is refused without a request.
//! - The page sets no credential: `Authorization` (RFC 6750 §2.1), `DPoP` (RFC 9449 §4.1),
//!   `Cookie`, nor the connection's own headers (the Fetch standard's forbidden request
//!   headers).
//! - Redirects are not followed (the token would follow them); the page gets the 3xx.
//! - Bodies are capped both ways, and each try has [`TIMEOUT`].
//! - The answer's headers are filtered to [`READABLE`]: never `Set-Cookie`.

use std::collections::BTreeMap;
use std::time::Duration;

use gatehouse_contract::{FetchRequest, FetchResponse, MAX_REQUEST_BODY, MAX_RESPONSE_BODY};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, AUTHORIZATION, WWW_AUTHENTICATE};
use reqwest::{Method, StatusCode};
use url::Url;

use crate::config::{Api, Config};
use crate::oidc::dpop::{self, Prover};
use crate::secret::Secret;
use crate::{Error, Result};

/// How long one try of a call may take, from the request to the last byte of the answer.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// The methods a page may use.
const METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/// Request headers the page may not set: the credentials only the backend adds, the person's
/// cookies, and the headers of the connection itself.
const REFUSED: [&str; 14] = [
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

/// Checks a page's call against the configured APIs; nothing is sent when it fails.
pub(crate) fn check(config: &Config, request: FetchRequest) -> Result<Call<'_>> {
    let url = Url::parse(&request.url)
        .map_err(|_| Error::ApiCall("its URL is not an absolute URL".into()))?;
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
        if REFUSED.contains(&lower.as_str())
            || lower.starts_with("proxy-")
            || lower.starts_with("sec-")
        {
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

impl Call<'_> {
    /// Sends the call with `token`: as a bearer token (RFC 6750 §2.1), or with `dpop` as a
    /// DPoP-bound one, with a proof naming the call and the token's hash (RFC 9449 §7.1). An
    /// answer that asks for a nonce (`use_dpop_nonce`, RFC 9449 §9) is sent once more with it.
    pub(crate) async fn send(
        &self,
        client: &reqwest::Client,
        token: &Secret,
        dpop: Option<&Prover<'_>>,
    ) -> Result<reqwest::Response> {
        let mut tries = 0;
        loop {
            tries += 1;
            let mut headers = self.headers.clone();
            let scheme = if dpop.is_some() { "DPoP" } else { "Bearer" };
            let mut authorization = HeaderValue::from_str(&format!("{scheme} {}", token.secret()))
                .map_err(|_| {
                    Error::ApiAnswer("the provider's access token is not a header value".into())
                })?;
            authorization.set_sensitive(true);
            headers.insert(AUTHORIZATION, authorization);
            if let Some(dpop) = dpop {
                let proof = dpop.proof(self.method.as_str(), &self.url, Some(token));
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
            let Some(dpop) = dpop else {
                return Ok(response);
            };
            let fresh = dpop::nonce_in(response.headers());
            if let Some(fresh) = &fresh {
                dpop.nonce.set(fresh);
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

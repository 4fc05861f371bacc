//! The back-channel HTTP client: no redirects, timeouts, bounded bodies, TLS 1.2 or later except
//! on loopback.

use std::time::Duration;

use serde::de::DeserializeOwned;
use url::Url;

use super::json::{self, Kind};
use super::RequestError;

/// The largest body the provider may send on the back channel.
const MAX_BODY: usize = 1 << 20;

/// The oldest TLS the back channel speaks: 1.2 (RFC 8996 deprecates 1.0 and 1.1; RFC 9325
/// §3.1.1). It is native-tls's own minimum today, and is set here so that it stays one.
///
/// TLS is the platform's (OpenSSL on Linux, SChannel on Windows, Secure Transport on macOS),
/// which checks the server's certificate against the system's roots and its name (RFC 6749
/// §10.9, RFC 6125) and is patched with the system.
const MIN_TLS: reqwest::tls::Version = reqwest::tls::Version::TLS_1_2;

/// A client for discovery, JWKS, token and revocation calls.
pub fn client() -> reqwest::Client {
    builder()
        .build()
        .expect("the HTTP client configuration is valid")
}

/// The settings of [`client`].
///
/// Redirects are not followed: a token endpoint that redirects could send the code and verifier
/// somewhere else (RFC 9700 §4.11).
fn builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .min_tls_version(MIN_TLS)
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(15))
        .user_agent(concat!(
            "tauri-plugin-gatehouse/",
            env!("CARGO_PKG_VERSION")
        ))
}

/// Loopback hosts: 127.0.0.0/8, ::1 and `localhost`, where plain `http` is allowed
/// (RFC 8252 §8.3).
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// What is wrong with the certificate a server presented, when that is why a request failed
/// (RFC 6125, RFC 5280 §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CertificateProblem {
    /// It names another host than the one asked for.
    OtherName,
    /// It does not chain to a root this computer trusts (self-signed, a private CA).
    UntrustedIssuer,
    Expired,
    NotYetValid,
    /// Another reason the TLS library gave.
    Unverified,
}

impl CertificateProblem {
    /// The problem the TLS library reports in `error` or its sources, if that is what they
    /// report: OpenSSL's verification results, and SChannel's and Secure Transport's where
    /// they say as much.
    pub fn of(error: &(dyn std::error::Error + 'static)) -> Option<Self> {
        let mut said = String::new();
        let mut next = Some(error);
        while let Some(error) = next {
            said.push_str(&error.to_string().to_ascii_lowercase());
            said.push('\n');
            next = error.source();
        }
        let has = |phrases: &[&str]| phrases.iter().any(|p| said.contains(p));
        if has(&[
            "hostname mismatch",
            "ip address mismatch",
            "target principal name is incorrect",
            "does not match",
        ]) {
            Some(Self::OtherName)
        } else if has(&[
            "self-signed certificate",
            "self signed certificate",
            "unable to get local issuer certificate",
            "unable to get issuer certificate",
            "unable to verify the first certificate",
            "root certificate which is not trusted",
            "not trusted",
        ]) {
            Some(Self::UntrustedIssuer)
        } else if has(&["certificate has expired", "certificate expired"]) {
            Some(Self::Expired)
        } else if has(&["certificate is not yet valid"]) {
            Some(Self::NotYetValid)
        } else if has(&["certificate verify failed", "certificate"]) && has(&["verif"]) {
            Some(Self::Unverified)
        } else {
            None
        }
    }

    /// The problem, as the end of "… presented a certificate".
    pub fn describe(self) -> &'static str {
        match self {
            Self::OtherName => "for another name",
            Self::UntrustedIssuer => "from an issuer this computer does not trust",
            Self::Expired => "that has expired",
            Self::NotYetValid => "that is not valid yet",
            Self::Unverified => "that could not be verified",
        }
    }
}

/// A response body, wiped on drop: the token endpoint's holds the tokens.
pub(crate) type Body = zeroize::Zeroizing<Vec<u8>>;

/// What the back channel needs of a response.
pub(crate) struct Response {
    pub status: u16,
    /// `Cache-Control: max-age`, in seconds, when the response has one (RFC 9111 §5.2.2.1).
    pub max_age: Option<u64>,
    /// The server's `DPoP-Nonce`, for the next proof (RFC 9449 §8).
    pub dpop_nonce: Option<String>,
    pub body: Body,
}

/// The `max-age` directive of a `Cache-Control` header, if any; `no-store` and `no-cache`
/// mean 0.
pub(crate) fn cache_max_age(header: &str) -> Option<u64> {
    let mut max_age = None;
    for directive in header.split(',').map(str::trim) {
        let (name, value) = directive.split_once('=').unwrap_or((directive, ""));
        match name.to_ascii_lowercase().as_str() {
            "no-store" | "no-cache" => return Some(0),
            "max-age" => max_age = value.trim_matches('"').parse().ok(),
            _ => {}
        }
    }
    max_age
}

/// Sends `request` and returns the status, caching lifetime and body, at most [`MAX_BODY`]
/// bytes.
pub(crate) async fn send(
    request: reqwest::RequestBuilder,
    url: &str,
) -> Result<Response, RequestError> {
    let transport = |source: reqwest::Error| {
        if let Some(problem) = CertificateProblem::of(&source) {
            // The TLS library's own words, for whoever reads the log; no token is in them.
            let reason =
                std::iter::successors(Some(&source as &(dyn std::error::Error + 'static)), |e| {
                    e.source()
                })
                .last()
                .map(ToString::to_string)
                .unwrap_or_default();
            tracing::warn!(url, problem = problem.describe(), %reason, "the server's certificate was refused");
        }
        RequestError::Transport {
            url: url.to_owned(),
            source,
        }
    };
    let mut response = request.send().await.map_err(transport)?;
    let status = response.status().as_u16();
    let max_age = response
        .headers()
        .get(reqwest::header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .and_then(cache_max_age);
    let dpop_nonce = super::dpop::nonce_in(response.headers());
    // Sized once from Content-Length (within the limit), so that growing it rarely leaves an
    // unwiped copy behind.
    let expected = response.content_length().unwrap_or(0).min(MAX_BODY as u64) as usize;
    let mut body = Body::new(Vec::with_capacity(expected.max(4096)));
    while let Some(chunk) = response.chunk().await.map_err(transport)? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(RequestError::response(
                url,
                format!("more than {MAX_BODY} bytes"),
            ));
        }
        if body.len() + chunk.len() > body.capacity() {
            // Grow into a fresh buffer and wipe the old one, rather than let it be freed as is.
            let mut grown = Body::new(Vec::with_capacity((body.len() + chunk.len()) * 2));
            grown.extend_from_slice(&body);
            body = grown;
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Response {
        status,
        max_age,
        dpop_nonce,
        body,
    })
}

/// POSTs `form` as `application/x-www-form-urlencoded`, asking for JSON back.
/// With `proof`, the request carries it as its `DPoP` header (RFC 9449 §4.1).
pub(crate) async fn post_form<F: serde::Serialize + ?Sized>(
    client: &reqwest::Client,
    endpoint: &Url,
    form: &F,
    proof: Option<&str>,
    authorization: Option<&reqwest::header::HeaderValue>,
) -> Result<Response, RequestError> {
    let mut request = client
        .post(endpoint.clone())
        .header("accept", "application/json")
        .form(form);
    if let Some(proof) = proof {
        request = request.header("dpop", proof);
    }
    if let Some(authorization) = authorization {
        request = request.header(reqwest::header::AUTHORIZATION, authorization.clone());
    }
    send(request, endpoint.as_str()).await
}

/// GETs the JSON document `what` (see [`json::parse`]); any status but 200 is an error. Returns
/// it with its `max-age`.
pub(crate) async fn get_json<T: DeserializeOwned>(
    client: &reqwest::Client,
    url: &str,
    what: &str,
    fields: &[(&str, Kind)],
) -> Result<(T, Option<u64>), RequestError> {
    let response = send(client.get(url).header("accept", "application/json"), url).await?;
    if response.status != 200 {
        return Err(RequestError::Status {
            url: url.to_owned(),
            status: response.status,
        });
    }
    let value = json::parse(&response.body, what, fields)
        .map_err(|reason| RequestError::response(url, reason))?;
    Ok((value, response.max_age))
}

#[cfg(all(test, target_os = "linux"))]
mod tls_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_control_max_age_is_read_and_no_store_is_zero() {
        assert_eq!(cache_max_age("public, max-age=3600"), Some(3600));
        assert_eq!(cache_max_age("Max-Age=\"60\", must-revalidate"), Some(60));
        assert_eq!(cache_max_age("no-store"), Some(0));
        assert_eq!(cache_max_age("max-age=600, no-cache"), Some(0));
        assert_eq!(cache_max_age("private"), None);
        assert_eq!(cache_max_age("max-age=-1"), None);
    }

    #[test]
    fn response_bodies_are_wiped_on_drop() {
        fn wiped<T: zeroize::ZeroizeOnDrop>() {}
        wiped::<Body>();
    }

    #[test]
    fn loopback_is_127_0_0_0_8_ipv6_one_and_localhost() {
        for url in [
            "http://127.0.0.1:1/",
            "http://127.9.9.9/",
            "http://[::1]/",
            "http://LOCALHOST/",
        ] {
            assert!(is_loopback(&Url::parse(url).unwrap()), "{url}");
        }
        for url in [
            "http://128.0.0.1/",
            "http://localhost.example/",
            "http://10.0.0.1/",
        ] {
            assert!(!is_loopback(&Url::parse(url).unwrap()), "{url}");
        }
    }
}

//! The back-channel HTTP client: no redirects, timeouts, bounded bodies, TLS except on loopback.

use std::time::Duration;

use serde::de::DeserializeOwned;
use url::Url;

use crate::config::is_loopback;
use crate::{Error, Result};

/// The largest body the provider may send on the back channel.
const MAX_BODY: usize = 1 << 20;

/// A client for discovery, JWKS, token and revocation calls.
///
/// Redirects are not followed: a token endpoint that redirects could send the code and verifier
/// somewhere else (RFC 9700 §4.11).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(15))
        .user_agent(concat!("Gatehouse/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("the HTTP client configuration is valid")
}

/// An endpoint the provider named: `https`, or `http` on loopback when the issuer is on
/// loopback too (RFC 8252 §8.3 allows no plain http elsewhere).
pub fn check_endpoint(name: &str, value: &str, allow_loopback_http: bool) -> Result<Url> {
    let url = Url::parse(value)
        .map_err(|_| Error::BadResponse(format!("its {name} {value:?} is not a URL")))?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if allow_loopback_http && is_loopback(&url) => Ok(url),
        _ => Err(Error::BadResponse(format!(
            "its {name} {value:?} does not use https"
        ))),
    }
}

/// Sends `request` and returns the status and the body, at most [`MAX_BODY`] bytes.
pub async fn send(request: reqwest::RequestBuilder, url: &str) -> Result<(u16, Vec<u8>)> {
    let unreachable = |source| Error::Unreachable {
        url: url.to_owned(),
        source,
    };
    let mut response = request.send().await.map_err(unreachable)?;
    let status = response.status().as_u16();
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(unreachable)? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(Error::BadResponse(format!(
                "{url} sent more than {MAX_BODY} bytes"
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((status, body))
}

/// GETs JSON; any status but 200 is an error.
pub async fn get_json<T: DeserializeOwned>(client: &reqwest::Client, url: &str) -> Result<T> {
    let (status, body) = send(client.get(url).header("accept", "application/json"), url).await?;
    if status != 200 {
        return Err(Error::HttpStatus {
            url: url.to_owned(),
            status,
        });
    }
    serde_json::from_slice(&body)
        .map_err(|e| Error::BadResponse(format!("{url} is not the expected JSON ({e})")))
}

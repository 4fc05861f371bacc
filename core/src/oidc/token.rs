//! Token endpoint calls: the code exchange (RFC 6749 §4.1.3 with RFC 7636 §4.5), refresh
//! (RFC 6749 §6) and revocation (RFC 7009).

use std::fmt;
use std::time::Duration;

use serde::Deserialize;
use url::Url;

use super::http::send;
use crate::secret::Secret;
use crate::{Error, Result};

/// A successful token response. Only what Gatehouse keeps is read.
#[derive(Debug, Deserialize)]
pub struct TokenResponse {
    pub id_token: Option<Secret>,
    pub refresh_token: Option<Secret>,
    pub token_type: String,
    pub expires_in: Option<u64>,
}

/// An error response of the token endpoint (RFC 6749 §5.2).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct TokenEndpointError {
    pub error: String,
    pub error_description: Option<String>,
}

impl fmt::Display for TokenEndpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.error_description {
            Some(d) => write!(f, "{}: {d}", self.error),
            None => f.write_str(&self.error),
        }
    }
}

/// The result of a call that the provider may refuse with a protocol error.
pub type Grant = std::result::Result<TokenResponse, TokenEndpointError>;

/// Exchanges the authorization code, proving possession of the PKCE verifier.
pub(crate) async fn exchange_code(
    client: &reqwest::Client,
    token_endpoint: &Url,
    client_id: &str,
    code: &Secret,
    verifier: &Secret,
    redirect_uri: &str,
) -> Result<Grant> {
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.secret()),
        ("redirect_uri", redirect_uri),
        ("client_id", client_id),
        ("code_verifier", verifier.secret()),
    ];
    post_token(client, token_endpoint, &form).await
}

/// Trades a refresh token for new tokens.
pub(crate) async fn refresh(
    client: &reqwest::Client,
    token_endpoint: &Url,
    client_id: &str,
    refresh_token: &Secret,
) -> Result<Grant> {
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token.secret()),
        ("client_id", client_id),
    ];
    post_token(client, token_endpoint, &form).await
}

async fn post_token(
    client: &reqwest::Client,
    endpoint: &Url,
    form: &[(&str, &str)],
) -> Result<Grant> {
    let url = endpoint.as_str();
    let request = client
        .post(endpoint.clone())
        .header("accept", "application/json")
        .form(form);
    let (status, body) = send(request, url).await?;
    match status {
        200 => {
            let response: TokenResponse = serde_json::from_slice(&body).map_err(|e| {
                Error::BadResponse(format!("the token response is not valid JSON ({e})"))
            })?;
            // RFC 6749 §5.1 and OIDC Core 3.1.3.3: token_type is Bearer (case-insensitive).
            if !response.token_type.eq_ignore_ascii_case("bearer") {
                return Err(Error::BadResponse(format!(
                    "the token type is {:?}, not Bearer",
                    response.token_type
                )));
            }
            Ok(Ok(response))
        }
        400 | 401 => serde_json::from_slice::<TokenEndpointError>(&body)
            .map(Err)
            .map_err(|_| Error::HttpStatus {
                url: url.to_owned(),
                status,
            }),
        _ => Err(Error::HttpStatus {
            url: url.to_owned(),
            status,
        }),
    }
}

/// Revokes a refresh token (RFC 7009 §2.1), giving up after `limit`. The caller logs a failure;
/// it never stops a logout.
pub(crate) async fn revoke(
    client: &reqwest::Client,
    endpoint: &Url,
    client_id: &str,
    refresh_token: &Secret,
    limit: Duration,
) -> Result<()> {
    let form = [
        ("token", refresh_token.secret()),
        ("token_type_hint", "refresh_token"),
        ("client_id", client_id),
    ];
    let request = client.post(endpoint.clone()).form(&form).timeout(limit);
    let (status, _) = send(request, endpoint.as_str()).await?;
    // RFC 7009 §2.2: 200 whether or not the token was valid.
    if status == 200 {
        Ok(())
    } else {
        Err(Error::HttpStatus {
            url: endpoint.to_string(),
            status,
        })
    }
}

//! Token endpoint calls: the code exchange (RFC 6749 §4.1.3 with RFC 7636 §4.5), refresh
//! (RFC 6749 §6) and revocation (RFC 7009). Reading an answer is apart from sending the
//! request, so that it is tested without a provider.

use std::time::Duration;

use serde::Deserialize;
use url::Url;

use super::dpop::Prover;
use super::http::{self, post_form, send};
use super::json::{self, Kind};
use super::{ClientId, OAuthError, PkceVerifier, RequestError};
use crate::secret::Secret;

impl TokenResponse {
    pub fn is_bearer(&self) -> bool {
        self.token_type.eq_ignore_ascii_case("bearer")
    }

    /// Its access token is bound to the DPoP key of the request (RFC 9449 §5).
    pub fn is_dpop(&self) -> bool {
        self.token_type.eq_ignore_ascii_case("dpop")
    }
}

/// A successful token response (RFC 6749 §5.1, OIDC Core 3.1.3.3). Only what the session
/// keeps is read.
#[derive(Debug, Deserialize)]
pub struct TokenResponse {
    pub id_token: Option<Secret>,
    /// For the app's own API calls (RFC 6749 §1.4); never shown to the UI.
    pub access_token: Option<Secret>,
    pub refresh_token: Option<Secret>,
    pub token_type: String,
    /// The access token's lifetime in seconds (RFC 6749 §5.1).
    pub expires_in: Option<u64>,
}

/// The fields of a token response (RFC 6749 §5.1, OIDC Core 3.1.3.3) and what each holds.
const FIELDS: &[(&str, Kind)] = &[
    ("id_token", Kind::String),
    ("access_token", Kind::String),
    ("refresh_token", Kind::String),
    ("token_type", Kind::String),
    ("expires_in", Kind::Number),
];

/// Reads the token endpoint's answer to a request sent to `url`.
///
/// ```
/// use gatehouse_core::oidc::{parse_token_response, RequestError};
/// let body = br#"{"error": "invalid_grant"}"#;
/// let err = parse_token_response("https://id.example/token", 400, body).unwrap_err();
/// assert!(matches!(err, RequestError::OAuth(e) if e.error == "invalid_grant"));
/// ```
pub fn parse_token_response(
    url: &str,
    status: u16,
    body: &[u8],
) -> Result<TokenResponse, RequestError> {
    match status {
        200 => {
            let response: TokenResponse = json::parse(body, "a token response", FIELDS)
                .map_err(|reason| RequestError::response(url, reason))?;
            // RFC 6749 §5.1 and OIDC Core 3.1.3.3: token_type is Bearer (case-insensitive), or
            // DPoP for tokens bound to the request's DPoP key (RFC 9449 §5).
            if !response.is_bearer() && !response.is_dpop() {
                return Err(RequestError::response(
                    url,
                    "a token response whose token_type is neither Bearer nor DPoP",
                ));
            }
            Ok(response)
        }
        // RFC 6749 §5.2: an error response is a 400 (401 for client authentication) with JSON.
        400 | 401 => Err(RequestError::refusal(url, status, body)),
        _ => Err(RequestError::Status {
            url: url.to_owned(),
            status,
        }),
    }
}

/// Exchanges the authorization code, proving possession of the PKCE verifier.
pub(crate) async fn exchange_code(
    client: &reqwest::Client,
    token_endpoint: &Url,
    client_id: &ClientId,
    code: &Secret,
    verifier: &PkceVerifier,
    redirect_uri: &str,
    dpop: Option<&Prover<'_>>,
) -> Result<TokenResponse, RequestError> {
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code.secret()),
        // RFC 6749 §4.1.3: the same redirect_uri as in the authorization request.
        ("redirect_uri", redirect_uri),
        ("client_id", client_id),
        ("code_verifier", verifier.secret()),
    ];
    post_token(client, token_endpoint, &form, dpop).await
}

/// Trades a refresh token for new tokens.
pub(crate) async fn refresh(
    client: &reqwest::Client,
    token_endpoint: &Url,
    client_id: &ClientId,
    refresh_token: &Secret,
    dpop: Option<&Prover<'_>>,
) -> Result<TokenResponse, RequestError> {
    refresh_for(client, token_endpoint, client_id, refresh_token, &[], dpop).await
}

/// Trades a refresh token for an access token narrowed by `extra`: an API's `resource`
/// (RFC 8707 §2.2) or `audience`, and its `scope` (RFC 6749 §6).
pub(crate) async fn refresh_for(
    client: &reqwest::Client,
    token_endpoint: &Url,
    client_id: &ClientId,
    refresh_token: &Secret,
    extra: &[(&str, &str)],
    dpop: Option<&Prover<'_>>,
) -> Result<TokenResponse, RequestError> {
    let mut form = vec![
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token.secret()),
        ("client_id", client_id),
    ];
    form.extend_from_slice(extra);
    post_token(client, token_endpoint, &form, dpop).await
}

async fn post_token(
    client: &reqwest::Client,
    endpoint: &Url,
    form: &[(&str, &str)],
    dpop: Option<&Prover<'_>>,
) -> Result<TokenResponse, RequestError> {
    let response = post_with_dpop(client, endpoint, form, dpop).await?;
    parse_token_response(endpoint.as_str(), response.status, &response.body)
}

/// POSTs `form`, with a fresh DPoP proof when `dpop` is given. The provider's `DPoP-Nonce` is
/// kept for the next proof, and a refusal that asks for one (`use_dpop_nonce`, RFC 9449 §8) is
/// sent once more with it.
pub(crate) async fn post_with_dpop<F: serde::Serialize + ?Sized>(
    client: &reqwest::Client,
    endpoint: &Url,
    form: &F,
    dpop: Option<&Prover<'_>>,
) -> Result<http::Response, RequestError> {
    let Some(dpop) = dpop else {
        return post_form(client, endpoint, form, None).await;
    };
    let mut tries = 0;
    loop {
        tries += 1;
        let proof = dpop.proof("POST", endpoint, None);
        let response = post_form(client, endpoint, form, Some(&proof)).await?;
        if let Some(fresh) = &response.dpop_nonce {
            dpop.nonce.set(fresh);
        }
        let asks_for_nonce = response.status == 400
            && response.dpop_nonce.is_some()
            && serde_json::from_slice::<OAuthError>(&response.body)
                .is_ok_and(|e| e.error == "use_dpop_nonce");
        if !asks_for_nonce || tries == 2 {
            return Ok(response);
        }
    }
}

/// What a token given for revocation is (RFC 7009 §2.1 `token_type_hint`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenHint {
    RefreshToken,
    AccessToken,
}

impl TokenHint {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RefreshToken => "refresh_token",
            Self::AccessToken => "access_token",
        }
    }
}

/// Revokes a token (RFC 7009 §2.1), giving up after `limit`. The caller logs a failure; it
/// never stops a logout.
pub(crate) async fn revoke(
    client: &reqwest::Client,
    endpoint: &Url,
    client_id: &ClientId,
    token: &Secret,
    hint: TokenHint,
    limit: Duration,
) -> Result<(), RequestError> {
    let form = [
        ("token", token.secret()),
        ("token_type_hint", hint.as_str()),
        ("client_id", client_id),
    ];
    let request = client.post(endpoint.clone()).form(&form).timeout(limit);
    let response = send(request, endpoint.as_str()).await?;
    match response.status {
        // RFC 7009 §2.2: 200 whether or not the token was valid.
        200 => Ok(()),
        // RFC 7009 §2.2.1: an error response, such as `unsupported_token_type` for a token
        // the server cannot revoke (a self-contained JWT access token, which lives until it
        // expires).
        400 | 401 => Err(RequestError::refusal(
            endpoint.as_str(),
            response.status,
            &response.body,
        )),
        status => Err(RequestError::Status {
            url: endpoint.to_string(),
            status,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://id.example/token";

    #[test]
    fn a_bearer_response_yields_its_tokens() {
        let body = br#"{"id_token": "h.p.s", "refresh_token": "r1", "token_type": "bearer",
            "expires_in": 3600, "access_token": "a", "scope": "openid"}"#;
        let response = parse_token_response(URL, 200, body).unwrap();
        assert_eq!(response.access_token.unwrap().secret(), "a");
        assert_eq!(response.id_token.unwrap().secret(), "h.p.s");
        assert_eq!(response.refresh_token.unwrap().secret(), "r1");
        assert_eq!(response.expires_in, Some(3600));
    }

    #[test]
    fn another_token_type_is_an_unusable_answer() {
        let body = br#"{"id_token": "h.p.s", "token_type": "MAC"}"#;
        let err = parse_token_response(URL, 200, body).unwrap_err();
        assert!(
            matches!(&err, RequestError::Response { reason, .. }
                if reason == "a token response whose token_type is neither Bearer nor DPoP"),
            "{err:?}"
        );
        assert!(!err.is_transient());
        let dpop = br#"{"id_token": "h.p.s", "token_type": "DPoP"}"#;
        assert!(parse_token_response(URL, 200, dpop).unwrap().is_dpop());
    }

    #[test]
    fn a_field_of_the_wrong_type_is_named_and_its_value_is_not_repeated() {
        let body = br#"{"id_token": "h.p.s", "token_type": "Bearer",
            "expires_in": "SECRET-VALUE-7f3a"}"#;
        let err = parse_token_response(URL, 200, body).unwrap_err();
        assert_eq!(
            err.to_string(),
            "https://id.example/token sent an unusable answer: a token response whose \
             expires_in is not a number"
        );
        let missing = parse_token_response(URL, 200, br#"{"id_token": "SECRET"}"#).unwrap_err();
        assert!(
            missing
                .to_string()
                .ends_with("a token response without token_type"),
            "{missing}"
        );
    }

    #[test]
    fn invalid_json_is_an_unusable_answer_that_does_not_quote_the_body() {
        let err = parse_token_response(URL, 200, b"{\"id_token\": \"secret-jwt").unwrap_err();
        assert!(matches!(err, RequestError::Response { .. }), "{err:?}");
        assert!(!err.to_string().contains("secret-jwt"));
    }

    #[test]
    fn an_oauth_error_response_is_the_providers_refusal() {
        let body = br#"{"error": "invalid_grant", "error_description": "grant revoked"}"#;
        for status in [400, 401] {
            match parse_token_response(URL, status, body) {
                Err(RequestError::OAuth(e)) => {
                    assert_eq!(e.error, "invalid_grant");
                    assert_eq!(e.error_description.as_deref(), Some("grant revoked"));
                }
                other => panic!("{status}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_400_without_an_error_object_and_other_statuses_are_http_errors() {
        for (status, body) in [
            (400, &b"<html>bad</html>"[..]),
            (500, br#"{"error": "server_error"}"#),
            (302, b""),
        ] {
            match parse_token_response(URL, status, body) {
                Err(e @ RequestError::Status { .. }) => assert!(e.is_transient()),
                other => panic!("{status}: {other:?}"),
            }
        }
    }
}

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
        // RFC 6749 §5.2: an error response is a 400 (401 for client authentication) with JSON;
        // some providers answer 403 (Auth0, for a dead refresh token) or no JSON at all: a
        // refusal all the same.
        _ => Err(RequestError::refusal(url, status, body)),
    }
}

/// How the client authenticates at the provider's endpoints (RFC 6749 §2.3): a public client
/// by its `client_id` alone (RFC 6749 §4.1.3, RFC 8252 §8.4), or with the secret some
/// providers issue to desktop apps anyway (Google), which is not confidential and is sent as
/// the provider's metadata says. PKCE goes with the code either way.
#[derive(Clone, Copy)]
pub(crate) struct ClientAuth<'a> {
    pub client_id: &'a ClientId,
    pub secret: Option<(&'a Secret, SecretMethod)>,
}

/// How a client secret is sent (OIDC Core 9, RFC 6749 §2.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretMethod {
    /// `client_secret_basic`: HTTP Basic authentication.
    Basic,
    /// `client_secret_post`: `client_secret` in the form.
    Post,
}

impl SecretMethod {
    /// The method of the provider's `token_endpoint_auth_methods_supported`: Basic when it
    /// lists it (or lists nothing: it is the default, OIDC Discovery §3), else Post.
    pub fn for_provider(supported: Option<&[String]>) -> Self {
        let lists = |method: &str| supported.is_some_and(|m| m.iter().any(|x| x == method));
        match supported {
            Some(_) if !lists("client_secret_basic") && lists("client_secret_post") => Self::Post,
            _ => Self::Basic,
        }
    }
}

impl<'a> ClientAuth<'a> {
    /// `form` with the client's identity: `client_id` (left out under Basic authentication,
    /// which names the client, unless `always_id`: a pushed request carries it as an
    /// authorization request parameter), and `client_secret` when it is posted; the
    /// `Authorization` header under Basic authentication.
    pub(crate) fn apply(
        &self,
        form: &mut Vec<(&'a str, &'a str)>,
        always_id: bool,
    ) -> Option<reqwest::header::HeaderValue> {
        match self.secret {
            None => {
                form.push(("client_id", self.client_id));
                None
            }
            Some((secret, SecretMethod::Post)) => {
                form.push(("client_id", self.client_id));
                form.push(("client_secret", secret.secret()));
                None
            }
            Some((secret, SecretMethod::Basic)) => {
                use base64::engine::general_purpose::STANDARD;
                use base64::Engine;
                if always_id {
                    form.push(("client_id", self.client_id));
                }
                // RFC 6749 §2.3.1: both form-urlencoded, then joined with a colon.
                let encode = |value: &str| {
                    url::form_urlencoded::byte_serialize(value.as_bytes()).collect::<String>()
                };
                let credentials = zeroize::Zeroizing::new(format!(
                    "{}:{}",
                    encode(self.client_id),
                    encode(secret.secret())
                ));
                let mut value = reqwest::header::HeaderValue::from_str(&format!(
                    "Basic {}",
                    STANDARD.encode(credentials.as_bytes())
                ))
                .expect("base64 is a header value");
                value.set_sensitive(true);
                Some(value)
            }
        }
    }
}

/// Exchanges the authorization code, proving possession of the PKCE verifier. `resource`, when
/// given, is the one resource the token is for (RFC 8707 §2.2: one per token request).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn exchange_code(
    client: &reqwest::Client,
    token_endpoint: &Url,
    auth: ClientAuth<'_>,
    code: &Secret,
    verifier: &PkceVerifier,
    redirect_uri: &str,
    resource: Option<&str>,
    dpop: Option<&Prover<'_>>,
) -> Result<TokenResponse, RequestError> {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code.secret()),
        // RFC 6749 §4.1.3: the same redirect_uri as in the authorization request.
        ("redirect_uri", redirect_uri),
        ("code_verifier", verifier.secret()),
    ];
    if let Some(resource) = resource {
        form.push(("resource", resource));
    }
    post_token(client, token_endpoint, form, auth, dpop).await
}

/// Trades a refresh token for new tokens.
pub(crate) async fn refresh(
    client: &reqwest::Client,
    token_endpoint: &Url,
    auth: ClientAuth<'_>,
    refresh_token: &Secret,
    dpop: Option<&Prover<'_>>,
) -> Result<TokenResponse, RequestError> {
    refresh_for(client, token_endpoint, auth, refresh_token, &[], dpop).await
}

/// Trades a refresh token for an access token narrowed by `extra`: an API's `resource`
/// (RFC 8707 §2.2) or `audience`, and its `scope` (RFC 6749 §6).
pub(crate) async fn refresh_for(
    client: &reqwest::Client,
    token_endpoint: &Url,
    auth: ClientAuth<'_>,
    refresh_token: &Secret,
    extra: &[(&str, &str)],
    dpop: Option<&Prover<'_>>,
) -> Result<TokenResponse, RequestError> {
    let mut form = vec![
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token.secret()),
    ];
    form.extend_from_slice(extra);
    post_token(client, token_endpoint, form, auth, dpop).await
}

async fn post_token<'a>(
    client: &reqwest::Client,
    endpoint: &Url,
    mut form: Vec<(&'a str, &'a str)>,
    auth: ClientAuth<'a>,
    dpop: Option<&Prover<'_>>,
) -> Result<TokenResponse, RequestError> {
    let authorization = auth.apply(&mut form, false);
    let response = post_with_dpop(client, endpoint, &form, dpop, authorization.as_ref()).await?;
    parse_token_response(endpoint.as_str(), response.status, &response.body)
}

/// POSTs `form`, with a fresh DPoP proof when `dpop` is given, and `authorization` when the
/// client authenticates with Basic. The provider's `DPoP-Nonce` is kept for the next proof, and
/// a refusal that asks for one (`use_dpop_nonce`, RFC 9449 §8) is sent once more with it.
pub(crate) async fn post_with_dpop<F: serde::Serialize + ?Sized>(
    client: &reqwest::Client,
    endpoint: &Url,
    form: &F,
    dpop: Option<&Prover<'_>>,
    authorization: Option<&reqwest::header::HeaderValue>,
) -> Result<http::Response, RequestError> {
    let Some(dpop) = dpop else {
        return post_form(client, endpoint, form, None, authorization).await;
    };
    let mut tries = 0;
    loop {
        tries += 1;
        let proof = dpop.proof("POST", endpoint, None);
        let response = post_form(client, endpoint, form, Some(&proof), authorization).await?;
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
    auth: ClientAuth<'_>,
    token: &Secret,
    hint: TokenHint,
    limit: Duration,
) -> Result<(), RequestError> {
    let mut form = vec![
        ("token", token.secret()),
        ("token_type_hint", hint.as_str()),
    ];
    let authorization = auth.apply(&mut form, false);
    let mut request = client.post(endpoint.clone()).form(&form).timeout(limit);
    if let Some(authorization) = authorization {
        request = request.header(reqwest::header::AUTHORIZATION, authorization);
    }
    let response = send(request, endpoint.as_str()).await?;
    match response.status {
        // RFC 7009 §2.2: 200 whether or not the token was valid.
        200 => Ok(()),
        // RFC 7009 §2.2.1: an error response, such as `unsupported_token_type` for a token
        // the server cannot revoke (a self-contained JWT access token, which lives until it
        // expires).
        status => Err(RequestError::refusal(
            endpoint.as_str(),
            status,
            &response.body,
        )),
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

    /// RFC 6749 §5.2 names 400 (401 for client authentication); Auth0 answers a dead refresh
    /// token with 403, Cognito leaves the description out, and Entra ID adds fields of its own.
    /// Each is the refusal it is.
    #[test]
    fn a_403_and_an_error_without_description_or_with_extra_fields_are_refusals() {
        let cases: [(u16, &[u8], Option<&str>); 3] = [
            (403, br#"{"error": "invalid_grant", "error_description": "Unknown or invalid refresh token."}"#, Some("Unknown or invalid refresh token.")),
            (400, br#"{"error":"invalid_grant"}"#, None),
            (400, br#"{"error": "invalid_grant", "error_description": "AADSTS70008: expired",
                "error_codes": [70008], "timestamp": "2026-12-05 01:02:03Z",
                "trace_id": "t", "correlation_id": "c", "error_uri": "https://login.example/error"}"#,
                Some("AADSTS70008: expired")),
        ];
        for (status, body, description) in cases {
            match parse_token_response(URL, status, body) {
                Err(RequestError::OAuth(e)) => {
                    assert_eq!(e.error, "invalid_grant");
                    assert_eq!(e.error_description.as_deref(), description);
                }
                other => panic!("{status}: {other:?}"),
            }
        }
    }

    /// A 4xx whose body is no OAuth error (an HTML page, nothing) is still a refusal, which
    /// retrying will not change; a 5xx or a redirect is the provider out of order, for now.
    #[test]
    fn an_error_body_that_is_not_json_is_a_refusal_and_a_5xx_is_transient() {
        for status in [400, 401, 403] {
            match parse_token_response(URL, status, b"<html>bad</html>") {
                Err(e @ RequestError::Refused { .. }) => assert!(!e.is_transient()),
                other => panic!("{status}: {other:?}"),
            }
        }
        for (status, body) in [(500, &br#"{"error": "server_error"}"#[..]), (302, b"")] {
            match parse_token_response(URL, status, body) {
                Err(e @ RequestError::Status { .. }) => assert!(e.is_transient()),
                other => panic!("{status}: {other:?}"),
            }
        }
    }

    /// RFC 6749 §2.3.1: Basic authentication with the client id and secret, each
    /// form-urlencoded first; `client_id` then stays out of the form. Posted, both go in the
    /// form. Without a secret, the form names the client (RFC 6749 §4.1.3).
    #[test]
    fn a_client_secret_is_sent_by_the_method_the_provider_lists() {
        let client_id = ClientId::new("app id:1");
        let secret = Secret::new("s3cr/t".to_owned());
        let basic = ClientAuth {
            client_id: &client_id,
            secret: Some((&secret, SecretMethod::Basic)),
        };
        let mut form = vec![("grant_type", "refresh_token")];
        let header = basic.apply(&mut form, false).unwrap();
        assert!(header.is_sensitive());
        use base64::Engine;
        let encoded = header.to_str().unwrap().strip_prefix("Basic ").unwrap();
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .unwrap();
        assert_eq!(decoded, b"app+id%3A1:s3cr%2Ft");
        assert_eq!(form, [("grant_type", "refresh_token")]);

        let post = ClientAuth {
            secret: Some((&secret, SecretMethod::Post)),
            ..basic
        };
        let mut form = Vec::new();
        assert!(post.apply(&mut form, false).is_none());
        assert_eq!(
            form,
            [("client_id", "app id:1"), ("client_secret", "s3cr/t")]
        );

        let public = ClientAuth {
            secret: None,
            ..basic
        };
        let mut form = Vec::new();
        assert!(public.apply(&mut form, false).is_none());
        assert_eq!(form, [("client_id", "app id:1")]);
    }

    /// OIDC Discovery §3: `client_secret_basic` is the default when the provider lists no
    /// methods; Post only where it lists Post and not Basic.
    #[test]
    fn basic_is_chosen_unless_the_provider_lists_only_post() {
        let list = |methods: &[&str]| methods.iter().map(|m| (*m).to_owned()).collect::<Vec<_>>();
        assert_eq!(SecretMethod::for_provider(None), SecretMethod::Basic);
        let both = list(&["client_secret_post", "client_secret_basic"]);
        assert_eq!(SecretMethod::for_provider(Some(&both)), SecretMethod::Basic);
        let post = list(&["client_secret_post", "private_key_jwt"]);
        assert_eq!(SecretMethod::for_provider(Some(&post)), SecretMethod::Post);
    }
}

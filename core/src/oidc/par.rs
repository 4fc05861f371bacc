//! Pushed authorization requests (RFC 9126): the request goes to the provider over the back
//! channel, and the browser is sent only a short `request_uri`.

use serde::Deserialize;
use url::Url;

use super::dpop::Prover;
use super::json::{self, Kind};
use super::token::{post_with_dpop, ClientAuth};
use super::RequestError;

/// The provider's answer to a push (RFC 9126 §2.2).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct PushedRequest {
    pub request_uri: String,
    pub expires_in: u64,
}

/// Reads the answer to a push sent to `url`: 201 with the `request_uri` (200 is taken too),
/// or the provider's OAuth error (RFC 9126 §2.3).
pub fn parse_par_response(
    url: &str,
    status: u16,
    body: &[u8],
) -> Result<PushedRequest, RequestError> {
    match status {
        200 | 201 => {
            let fields = [("request_uri", Kind::String), ("expires_in", Kind::Number)];
            let pushed: PushedRequest = json::parse(body, "a pushed request answer", &fields)
                .map_err(|reason| RequestError::response(url, reason))?;
            if pushed.request_uri.is_empty() {
                return Err(RequestError::response(url, "an empty request_uri"));
            }
            Ok(pushed)
        }
        _ => Err(RequestError::refusal(url, status, body)),
    }
}

/// Pushes the authorization request `form` (RFC 9126 §2.1), the client authenticating as it
/// does at the token endpoint (§2: a public client by its `client_id`, which the request
/// carries anyway).
pub(crate) async fn push(
    client: &reqwest::Client,
    endpoint: &Url,
    form: &[(&'static str, String)],
    auth: ClientAuth<'_>,
    dpop: Option<&Prover<'_>>,
) -> Result<PushedRequest, RequestError> {
    let mut pairs: Vec<(&str, &str)> = form
        .iter()
        .filter(|(name, _)| *name != "client_id")
        .map(|(name, value)| (*name, value.as_str()))
        .collect();
    let authorization = auth.apply(&mut pairs, true);
    let response = post_with_dpop(client, endpoint, &pairs, dpop, authorization.as_ref()).await?;
    parse_par_response(endpoint.as_str(), response.status, &response.body)
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://id.example/par";

    #[test]
    fn a_pushed_request_yields_its_request_uri() {
        let body = br#"{"request_uri": "urn:ietf:params:oauth:request_uri:6esc_11ACC5bwc014ltc14eY22c", "expires_in": 60}"#;
        let pushed = parse_par_response(URL, 201, body).unwrap();
        assert_eq!(
            pushed.request_uri,
            "urn:ietf:params:oauth:request_uri:6esc_11ACC5bwc014ltc14eY22c"
        );
        assert_eq!(pushed.expires_in, 60);
    }

    #[test]
    fn a_refused_push_is_the_providers_oauth_error() {
        let body =
            br#"{"error": "unauthorized_client", "error_description": "PAR is not enabled"}"#;
        for status in [400, 401, 403] {
            match parse_par_response(URL, status, body) {
                Err(RequestError::OAuth(e)) => assert_eq!(e.error, "unauthorized_client"),
                other => panic!("{status}: {other:?}"),
            }
        }
        assert!(matches!(
            parse_par_response(URL, 404, b"not here"),
            Err(RequestError::Status { status: 404, .. })
        ));
    }

    #[test]
    fn an_unusable_answer_is_refused() {
        assert!(matches!(
            parse_par_response(URL, 201, br#"{"request_uri": "", "expires_in": 60}"#),
            Err(RequestError::Response { .. })
        ));
        assert!(matches!(
            parse_par_response(URL, 201, b"{}"),
            Err(RequestError::Response { .. })
        ));
    }
}

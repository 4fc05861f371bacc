//! The authorization request (RFC 6749 §4.1.1, RFC 7636 §4.3, OIDC Core 3.1.2.1): the URL the
//! system browser opens.

use url::Url;

use super::{ClientId, CsrfState, Nonce, PkceChallenge};

/// Everything one authorization request sends.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AuthorizationRequest<'a> {
    pub authorization_endpoint: &'a Url,
    pub client_id: &'a ClientId,
    /// `http://127.0.0.1:{port}/callback` on the port actually bound (RFC 8252 §7.3).
    pub redirect_uri: &'a str,
    /// Includes `openid` (OIDC Core 3.1.2.1).
    pub scopes: &'a [String],
    pub state: &'a CsrfState,
    pub nonce: &'a Nonce,
    pub pkce_challenge: &'a PkceChallenge,
    /// Auth0's API audience, when one is configured.
    pub audience: Option<&'a str>,
    /// The APIs the grant is for (RFC 8707 §2.1), one `resource` each.
    pub resources: &'a [String],
    /// The thumbprint of the DPoP key the code is bound to (RFC 9449 §10).
    pub dpop_jkt: Option<&'a str>,
    /// `prompt` (OIDC Core 3.1.2.1): `login` has the provider ask for credentials even when its
    /// browser session could sign the person in silently; `select_account` offers its accounts
    /// where `login` is not a value the provider documents (Google).
    pub prompt: Option<&'a str>,
    /// `max_age` in seconds (OIDC Core 3.1.2.1): the provider asks for credentials again when
    /// the person authenticated longer ago, and the ID token then carries `auth_time`.
    pub max_age: Option<u64>,
}

impl AuthorizationRequest<'_> {
    /// The request's parameters, in the order they are sent: the query of the authorization
    /// URL, or the form body of a pushed request.
    pub(crate) fn form(&self) -> Vec<(&'static str, String)> {
        let mut form = vec![
            ("response_type", "code".to_owned()),
            ("client_id", self.client_id.to_string()),
            ("redirect_uri", self.redirect_uri.to_owned()),
            ("scope", self.scopes.join(" ")),
            ("state", self.state.as_str().to_owned()),
            ("nonce", self.nonce.as_str().to_owned()),
            ("code_challenge", self.pkce_challenge.as_str().to_owned()),
            (
                "code_challenge_method",
                self.pkce_challenge.method().to_owned(),
            ),
        ];
        if let Some(audience) = self.audience {
            form.push(("audience", audience.to_owned()));
        }
        for resource in self.resources {
            form.push(("resource", resource.clone()));
        }
        if let Some(jkt) = self.dpop_jkt {
            form.push(("dpop_jkt", jkt.to_owned()));
        }
        if let Some(prompt) = self.prompt {
            form.push(("prompt", prompt.to_owned()));
        }
        if let Some(max_age) = self.max_age {
            form.push(("max_age", max_age.to_string()));
        }
        form
    }

    /// The authorization endpoint with the request's parameters in its query, after any the
    /// endpoint already has (RFC 6749 §3.1: they are kept).
    pub(crate) fn url(&self) -> Url {
        let mut url = self.authorization_endpoint.clone();
        url.query_pairs_mut().extend_pairs(self.form());
        url
    }

    /// RFC 9126 §4: after a push, the browser is sent only the client id and the
    /// `request_uri` the provider gave; nothing of the request shows in its address bar.
    pub(crate) fn pushed_url(&self, request_uri: &str) -> Url {
        let mut url = self.authorization_endpoint.clone();
        url.query_pairs_mut()
            .append_pair("client_id", self.client_id)
            .append_pair("request_uri", request_uri);
        url
    }
}

#[cfg(test)]
mod tests {
    use super::super::PkceVerifier;
    use super::*;

    fn pairs(url: &Url) -> Vec<(String, String)> {
        url.query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    #[test]
    fn the_request_sends_exactly_the_code_flow_parameters_with_pkce_s256() {
        let endpoint = Url::parse("https://id.example/authorize").unwrap();
        let verifier = PkceVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into());
        let scopes = ["openid".to_owned(), "offline_access".to_owned()];
        let request = AuthorizationRequest {
            authorization_endpoint: &endpoint,
            client_id: &ClientId::new("client-1"),
            redirect_uri: "http://127.0.0.1:53682/callback",
            scopes: &scopes,
            state: &CsrfState::new("state-1"),
            nonce: &Nonce::new("nonce-1"),
            pkce_challenge: &verifier.challenge(),
            audience: None,
            resources: &[],
            dpop_jkt: None,
            prompt: None,
            max_age: None,
        };
        let url = request.url();
        assert_eq!(url.path(), "/authorize");
        assert_eq!(
            pairs(&url),
            [
                ("response_type", "code"),
                ("client_id", "client-1"),
                ("redirect_uri", "http://127.0.0.1:53682/callback"),
                ("scope", "openid offline_access"),
                ("state", "state-1"),
                ("nonce", "nonce-1"),
                (
                    "code_challenge",
                    "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
                ),
                ("code_challenge_method", "S256"),
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
        // RFC 7636 §4.5: the verifier itself is sent only to the token endpoint.
        assert!(!url.as_str().contains(verifier.secret()));

        let with_audience = AuthorizationRequest {
            audience: Some("https://api.example/"),
            ..request
        }
        .url();
        assert_eq!(
            pairs(&with_audience).last(),
            Some(&("audience".to_owned(), "https://api.example/".to_owned()))
        );
    }

    #[test]
    fn a_sign_in_after_logout_asks_for_credentials_with_prompt_login() {
        let url = minimal("https://id.example/authorize", |request| {
            AuthorizationRequest {
                prompt: Some("login"),
                ..*request
            }
            .url()
        });
        assert_eq!(
            pairs(&url).last(),
            Some(&("prompt".to_owned(), "login".to_owned()))
        );
        let silent = minimal("https://id.example/authorize", |request| request.url());
        assert!(pairs(&silent).iter().all(|(k, _)| k != "prompt"));
    }

    /// A minimal request to `endpoint`, turned into a URL by `to_url`.
    fn minimal(endpoint: &str, to_url: impl FnOnce(&AuthorizationRequest<'_>) -> Url) -> Url {
        let endpoint = Url::parse(endpoint).unwrap();
        let (client_id, state, nonce) = (ClientId::new("c"), CsrfState::new("s"), Nonce::new("n"));
        let scopes = ["openid".to_owned()];
        let challenge = PkceVerifier::new_random().challenge();
        to_url(&AuthorizationRequest {
            authorization_endpoint: &endpoint,
            client_id: &client_id,
            redirect_uri: "http://127.0.0.1:1/callback",
            scopes: &scopes,
            state: &state,
            nonce: &nonce,
            pkce_challenge: &challenge,
            audience: None,
            resources: &[],
            dpop_jkt: None,
            prompt: None,
            max_age: None,
        })
    }

    #[test]
    fn each_api_is_named_by_a_resource_parameter_rfc8707_2_1() {
        let resources = ["https://a.example/".to_owned(), "urn:example:b".to_owned()];
        let url = minimal("https://id.example/authorize", |request| {
            AuthorizationRequest {
                resources: &resources,
                ..*request
            }
            .url()
        });
        let named: Vec<_> = pairs(&url)
            .into_iter()
            .filter(|(k, _)| k == "resource")
            .map(|(_, v)| v)
            .collect();
        assert_eq!(named, resources);
    }

    #[test]
    fn a_session_time_limit_is_sent_as_max_age_in_seconds() {
        let url = minimal("https://id.example/authorize", |request| {
            AuthorizationRequest {
                max_age: Some(28_800),
                ..*request
            }
            .url()
        });
        assert_eq!(
            pairs(&url).last(),
            Some(&("max_age".to_owned(), "28800".to_owned()))
        );
        let none = minimal("https://id.example/authorize", |request| request.url());
        assert!(pairs(&none).iter().all(|(k, _)| k != "max_age"));
    }

    #[test]
    fn a_pushed_request_shows_only_the_client_and_the_request_uri() {
        let url = minimal("https://id.example/authorize", |request| {
            request.pushed_url("urn:ietf:params:oauth:request_uri:abc")
        });
        assert_eq!(
            pairs(&url),
            [
                ("client_id", "c"),
                ("request_uri", "urn:ietf:params:oauth:request_uri:abc")
            ]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
    }

    #[test]
    fn parameters_the_endpoint_already_has_are_kept() {
        let url = minimal("https://id.example/authorize?tenant=t1", |request| {
            request.url()
        });
        assert_eq!(pairs(&url)[0], ("tenant".to_owned(), "t1".to_owned()));
        assert_eq!(pairs(&url)[1].0, "response_type");
    }
}

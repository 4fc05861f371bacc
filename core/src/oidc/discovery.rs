//! OpenID Provider metadata (OIDC Discovery 1.0).

use serde::Deserialize;
use url::Url;

use super::http::{get_json, is_loopback};
use super::json::{self, Kind};
use super::{ClientId, IssuerUrl, RequestError};

/// What Gatehouse needs of the provider's discovery document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderMetadata {
    pub issuer: IssuerUrl,
    pub authorization_endpoint: Url,
    pub token_endpoint: Url,
    pub jwks_uri: Url,
    pub revocation_endpoint: Option<Url>,
    pub end_session_endpoint: Option<Url>,
    /// RFC 9126: where to push the authorization request, when the provider offers it.
    pub pushed_authorization_request_endpoint: Option<Url>,
    /// RFC 9126 §5: the provider takes authorization requests only when pushed.
    pub require_pushed_authorization_requests: bool,
    /// RFC 9207 §3: the provider sends `iss` with every authorization response, so a
    /// response without it is refused.
    pub authorization_response_iss_parameter_supported: bool,
    /// The algorithms the provider signs ID tokens with (OIDC Discovery §3), when it lists
    /// them: a token signed otherwise is refused (RFC 8725 §3.1).
    pub id_token_signing_alg_values_supported: Option<Vec<String>>,
    /// The algorithms it takes DPoP proofs in (RFC 9449 §5.1); none: it does not offer DPoP.
    pub dpop_signing_alg_values_supported: Option<Vec<String>>,
}

/// Why the provider's metadata cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DiscoveryError {
    #[error("the discovery document could not be fetched")]
    Request(#[from] RequestError),
    /// OIDC Discovery §4.3: the document names another issuer than the one configured. What
    /// it names is kept for the caller, never put in the message.
    #[error("its discovery document names another issuer than {expected:?}")]
    IssuerMismatch { expected: IssuerUrl, found: String },
    /// The document is not the expected JSON: what is wrong, naming the field, not its value.
    #[error("it sent {0}")]
    NotJson(String),
    #[error("its {name} is not a URL")]
    NotAUrl { name: &'static str, value: String },
    /// RFC 8252 §8.3: plain `http` only for a loopback provider.
    #[error("its {name} does not use https")]
    Insecure { name: &'static str, value: String },
    /// RFC 7636 §4.3, RFC 9700 §2.1.1.
    #[error("it does not support PKCE with S256")]
    NoPkceS256,
}

#[derive(Deserialize)]
struct Document {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
    revocation_endpoint: Option<String>,
    end_session_endpoint: Option<String>,
    code_challenge_methods_supported: Option<Vec<String>>,
    pushed_authorization_request_endpoint: Option<String>,
    #[serde(default)]
    require_pushed_authorization_requests: bool,
    #[serde(default)]
    authorization_response_iss_parameter_supported: bool,
    id_token_signing_alg_values_supported: Option<Vec<String>>,
    dpop_signing_alg_values_supported: Option<Vec<String>>,
}

/// The fields of the discovery document read here, and what each holds (OIDC Discovery §3,
/// RFC 8414 §2, RFC 9126 §5, RFC 9207 §3).
const FIELDS: &[(&str, Kind)] = &[
    ("issuer", Kind::String),
    ("authorization_endpoint", Kind::String),
    ("token_endpoint", Kind::String),
    ("jwks_uri", Kind::String),
    ("revocation_endpoint", Kind::String),
    ("end_session_endpoint", Kind::String),
    ("code_challenge_methods_supported", Kind::Strings),
    ("pushed_authorization_request_endpoint", Kind::String),
    ("require_pushed_authorization_requests", Kind::Boolean),
    (
        "authorization_response_iss_parameter_supported",
        Kind::Boolean,
    ),
    ("id_token_signing_alg_values_supported", Kind::Strings),
    ("dpop_signing_alg_values_supported", Kind::Strings),
];

/// The discovery URL: the issuer with any terminating `/` removed, then
/// `/.well-known/openid-configuration` (OIDC Discovery §4).
pub(crate) fn discovery_url(issuer: &IssuerUrl) -> String {
    format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    )
}

/// Fetches and checks the discovery document of `issuer`. Plain `http` endpoints are accepted
/// only when the issuer itself is on loopback.
pub(crate) async fn discover(
    client: &reqwest::Client,
    issuer: &IssuerUrl,
) -> Result<ProviderMetadata, DiscoveryError> {
    let (doc, _): (Document, _) = get_json(
        client,
        &discovery_url(issuer),
        "a discovery document",
        FIELDS,
    )
    .await?;
    ProviderMetadata::from_document(doc, issuer, issuer_on_loopback(issuer))
}

fn issuer_on_loopback(issuer: &IssuerUrl) -> bool {
    Url::parse(issuer).is_ok_and(|u| is_loopback(&u))
}

/// An endpoint the provider named: `https`, or `http` on loopback when the issuer is on
/// loopback too (RFC 8252 §8.3 allows no plain http elsewhere).
fn check_endpoint(
    name: &'static str,
    value: &str,
    allow_loopback_http: bool,
) -> Result<Url, DiscoveryError> {
    let url = Url::parse(value).map_err(|_| DiscoveryError::NotAUrl {
        name,
        value: value.to_owned(),
    })?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if allow_loopback_http && is_loopback(&url) => Ok(url),
        _ => Err(DiscoveryError::Insecure {
            name,
            value: value.to_owned(),
        }),
    }
}

impl ProviderMetadata {
    /// Reads and checks a discovery document for `issuer`, as sign-in does with the one it
    /// fetches.
    ///
    /// ```
    /// use gatehouse_core::oidc::{IssuerUrl, ProviderMetadata};
    /// let doc = br#"{"issuer": "https://id.example/", "jwks_uri": "https://id.example/jwks",
    ///   "authorization_endpoint": "https://id.example/authorize",
    ///   "token_endpoint": "https://id.example/token"}"#;
    /// let metadata = ProviderMetadata::from_json(doc, &IssuerUrl::new("https://id.example/"));
    /// assert_eq!(metadata.unwrap().token_endpoint.as_str(), "https://id.example/token");
    /// ```
    pub fn from_json(json: &[u8], issuer: &IssuerUrl) -> Result<Self, DiscoveryError> {
        let doc: Document =
            json::parse(json, "a discovery document", FIELDS).map_err(DiscoveryError::NotJson)?;
        Self::from_document(doc, issuer, issuer_on_loopback(issuer))
    }

    fn from_document(
        doc: Document,
        issuer: &IssuerUrl,
        loopback: bool,
    ) -> Result<Self, DiscoveryError> {
        // OIDC Discovery §4.3: the issuer returned MUST be identical to the one used to build
        // the URL. Compared byte for byte: Auth0's ends with `/`, others' do not.
        if *issuer != *doc.issuer {
            return Err(DiscoveryError::IssuerMismatch {
                expected: issuer.clone(),
                found: doc.issuer,
            });
        }
        // RFC 7636 §4.3 / RFC 9700 §2.1.1: PKCE with S256. A provider that lists its methods
        // and leaves S256 out cannot protect the code.
        if let Some(methods) = &doc.code_challenge_methods_supported {
            if !methods.iter().any(|m| m == "S256") {
                return Err(DiscoveryError::NoPkceS256);
            }
        }
        let optional = |name, value: Option<String>| {
            value
                .map(|v| check_endpoint(name, &v, loopback))
                .transpose()
        };
        Ok(Self {
            authorization_endpoint: check_endpoint(
                "authorization_endpoint",
                &doc.authorization_endpoint,
                loopback,
            )?,
            token_endpoint: check_endpoint("token_endpoint", &doc.token_endpoint, loopback)?,
            jwks_uri: check_endpoint("jwks_uri", &doc.jwks_uri, loopback)?,
            revocation_endpoint: optional("revocation_endpoint", doc.revocation_endpoint)?,
            end_session_endpoint: optional("end_session_endpoint", doc.end_session_endpoint)?,
            pushed_authorization_request_endpoint: optional(
                "pushed_authorization_request_endpoint",
                doc.pushed_authorization_request_endpoint,
            )?,
            require_pushed_authorization_requests: doc.require_pushed_authorization_requests,
            authorization_response_iss_parameter_supported: doc
                .authorization_response_iss_parameter_supported,
            id_token_signing_alg_values_supported: doc.id_token_signing_alg_values_supported,
            dpop_signing_alg_values_supported: doc.dpop_signing_alg_values_supported,
            issuer: IssuerUrl::new(doc.issuer),
        })
    }

    /// Where to end the provider's browser session: the `end_session_endpoint` (OIDC
    /// RP-Initiated Logout 1.0), else Auth0's `/v2/logout` for an Auth0 issuer.
    ///
    /// The request names the client with `client_id` (RP-Initiated Logout §2) and sends no
    /// `id_token_hint`: a URL ends up in the browser's history, in the opener's argv and in
    /// access logs, where a token must never be (RFC 9700 §4.3.2, RFC 6750 §5.3). The
    /// provider may then ask the person to confirm, which is the right question anyway.
    pub fn logout_url(&self, client_id: &ClientId) -> Option<Url> {
        if let Some(endpoint) = &self.end_session_endpoint {
            let mut url = endpoint.clone();
            url.query_pairs_mut().append_pair("client_id", client_id);
            return Some(url);
        }
        let issuer = Url::parse(&self.issuer).ok()?;
        let host = issuer.host_str()?;
        if host.ends_with(".auth0.com") {
            let mut url = issuer.join("/v2/logout").ok()?;
            url.query_pairs_mut().append_pair("client_id", client_id);
            return Some(url);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iss(value: &str) -> IssuerUrl {
        IssuerUrl::new(value)
    }

    fn doc(issuer: &str, base: &str) -> Document {
        Document {
            issuer: issuer.into(),
            authorization_endpoint: format!("{base}/authorize"),
            token_endpoint: format!("{base}/token"),
            jwks_uri: format!("{base}/jwks"),
            revocation_endpoint: None,
            end_session_endpoint: None,
            code_challenge_methods_supported: Some(vec!["S256".into()]),
            pushed_authorization_request_endpoint: None,
            require_pushed_authorization_requests: false,
            authorization_response_iss_parameter_supported: false,
            id_token_signing_alg_values_supported: None,
            dpop_signing_alg_values_supported: None,
        }
    }

    #[test]
    fn discovery_url_removes_one_terminating_slash() {
        assert_eq!(
            discovery_url(&iss("https://t.auth0.com/")),
            "https://t.auth0.com/.well-known/openid-configuration"
        );
        assert_eq!(
            discovery_url(&iss("https://id.example/realms/x")),
            "https://id.example/realms/x/.well-known/openid-configuration"
        );
    }

    #[test]
    fn issuer_must_match_exactly_trailing_slash_included() {
        let err = ProviderMetadata::from_document(
            doc("https://t.auth0.com", "https://t.auth0.com"),
            &iss("https://t.auth0.com/"),
            false,
        )
        .unwrap_err();
        assert!(matches!(err, DiscoveryError::IssuerMismatch { .. }));
        assert!(ProviderMetadata::from_document(
            doc("https://t.auth0.com/", "https://t.auth0.com"),
            &iss("https://t.auth0.com/"),
            false
        )
        .is_ok());
    }

    #[test]
    fn plain_http_endpoints_only_on_loopback() {
        let remote = doc("https://id.example", "http://id.example");
        assert!(matches!(
            ProviderMetadata::from_document(remote, &iss("https://id.example"), true),
            Err(DiscoveryError::Insecure { .. })
        ));
        let local = doc("http://127.0.0.1:3000", "http://127.0.0.1:3000");
        assert!(
            ProviderMetadata::from_document(local, &iss("http://127.0.0.1:3000"), true).is_ok()
        );
        let local = doc("http://127.0.0.1:3000", "http://127.0.0.1:3000");
        assert!(
            ProviderMetadata::from_document(local, &iss("http://127.0.0.1:3000"), false).is_err()
        );
    }

    #[test]
    fn provider_without_s256_is_refused() {
        let mut d = doc("https://id.example", "https://id.example");
        d.code_challenge_methods_supported = Some(vec!["plain".into()]);
        assert!(ProviderMetadata::from_document(d, &iss("https://id.example"), false).is_err());
    }

    #[test]
    fn logout_url_prefers_end_session_then_auth0() {
        let mut d = doc("https://id.example", "https://id.example");
        d.end_session_endpoint = Some("https://id.example/logout".into());
        let m = ProviderMetadata::from_document(d, &iss("https://id.example"), false).unwrap();
        let url = m.logout_url(&ClientId::new("cid")).unwrap();
        assert_eq!(url.as_str(), "https://id.example/logout?client_id=cid");

        let m = ProviderMetadata::from_document(
            doc("https://t.eu.auth0.com/", "https://t.eu.auth0.com"),
            &iss("https://t.eu.auth0.com/"),
            false,
        )
        .unwrap();
        assert_eq!(
            m.logout_url(&ClientId::new("cid")).unwrap().as_str(),
            "https://t.eu.auth0.com/v2/logout?client_id=cid"
        );

        let m = ProviderMetadata::from_document(
            doc("https://id.example", "https://id.example"),
            &iss("https://id.example"),
            false,
        )
        .unwrap();
        assert!(m.logout_url(&ClientId::new("cid")).is_none());
    }

    #[test]
    fn par_and_the_iss_parameter_are_read_when_offered() {
        let plain = ProviderMetadata::from_document(
            doc("https://id.example", "https://id.example"),
            &iss("https://id.example"),
            false,
        )
        .unwrap();
        assert_eq!(plain.pushed_authorization_request_endpoint, None);
        assert!(!plain.require_pushed_authorization_requests);
        assert!(!plain.authorization_response_iss_parameter_supported);

        let json = serde_json::json!({
            "issuer": "https://id.example",
            "authorization_endpoint": "https://id.example/authorize",
            "token_endpoint": "https://id.example/token",
            "jwks_uri": "https://id.example/jwks",
            "pushed_authorization_request_endpoint": "https://id.example/par",
            "require_pushed_authorization_requests": true,
            "authorization_response_iss_parameter_supported": true
        });
        let offered = ProviderMetadata::from_document(
            serde_json::from_value(json).unwrap(),
            &iss("https://id.example"),
            false,
        )
        .unwrap();
        assert_eq!(
            offered
                .pushed_authorization_request_endpoint
                .unwrap()
                .as_str(),
            "https://id.example/par"
        );
        assert!(offered.require_pushed_authorization_requests);
        assert!(offered.authorization_response_iss_parameter_supported);

        let mut insecure = doc("https://id.example", "https://id.example");
        insecure.pushed_authorization_request_endpoint = Some("http://id.example/par".into());
        assert!(matches!(
            ProviderMetadata::from_document(insecure, &iss("https://id.example"), false),
            Err(DiscoveryError::Insecure {
                name: "pushed_authorization_request_endpoint",
                ..
            })
        ));
    }
}

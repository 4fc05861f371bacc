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
    /// How clients may authenticate at its token endpoint (OIDC Discovery §3): what a client
    /// secret, when there is one, is sent by.
    pub token_endpoint_auth_methods_supported: Option<Vec<String>>,
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
    token_endpoint_auth_methods_supported: Option<Vec<String>>,
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
    ("token_endpoint_auth_methods_supported", Kind::Strings),
];

/// The tenant of Microsoft personal accounts, which the `consumers` authority names as its
/// issuer (Microsoft Entra ID, "ID token claims reference": `tid`).
pub(crate) const CONSUMERS_TENANT: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";

/// The placeholder of Entra ID's multi-tenant issuer template.
pub const TENANT_PLACEHOLDER: &str = "{tenantid}";

/// Whether `found` names the issuer `expected`: byte for byte, or for a multi-tenant template
/// (`…/{tenantid}/v2.0`) with a tenant id (letters, digits, hyphens) in the placeholder's place.
pub(crate) fn names_issuer(expected: &str, found: &str) -> bool {
    match expected.split_once(TENANT_PLACEHOLDER) {
        None => expected == found,
        Some((before, after)) => found
            .strip_prefix(before)
            .and_then(|rest| rest.strip_suffix(after))
            .is_some_and(is_tenant_id),
    }
}

/// A tenant id as Entra ID writes one: letters, digits and hyphens.
pub(crate) fn is_tenant_id(tenant: &str) -> bool {
    !tenant.is_empty()
        && tenant
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// The discovery URL: the issuer with any terminating `/` removed, then
/// `/.well-known/openid-configuration` (OIDC Discovery §4).
pub(crate) fn discovery_url(issuer: &IssuerUrl) -> String {
    format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    )
}

/// Fetches and checks the discovery document of `issuer`. Plain `http` endpoints are accepted
/// only when the issuer itself is on loopback. `tenant_alias` is the tenant segment of an
/// Entra ID multi-tenant authority (see [`ProviderMetadata::from_json_for_tenants`]).
pub(crate) async fn discover(
    client: &reqwest::Client,
    issuer: &IssuerUrl,
    tenant_alias: Option<&str>,
) -> Result<ProviderMetadata, DiscoveryError> {
    let (doc, _): (Document, _) = get_json(
        client,
        &discovery_url(issuer),
        "a discovery document",
        FIELDS,
    )
    .await?;
    ProviderMetadata::from_document(doc, issuer, issuer_on_loopback(issuer), tenant_alias)
}

/// The revocation endpoint of `issuer`'s OAuth 2.0 Authorization Server Metadata (RFC 8414),
/// for a provider whose OpenID configuration lists none: its document, at the well-known path
/// inserted before the issuer's own (§3.1), must name the same issuer (§3.3). `None` when
/// there is no such document or it lists no endpoint.
pub(crate) async fn revocation_endpoint_of(
    client: &reqwest::Client,
    issuer: &IssuerUrl,
) -> Option<Url> {
    #[derive(Deserialize)]
    struct Metadata {
        issuer: String,
        revocation_endpoint: Option<String>,
    }
    const METADATA_FIELDS: &[(&str, Kind)] = &[
        ("issuer", Kind::String),
        ("revocation_endpoint", Kind::String),
    ];
    let url = Url::parse(issuer).ok()?;
    let path = url.path().trim_end_matches('/');
    let mut well_known = url.clone();
    well_known.set_path(&format!("/.well-known/oauth-authorization-server{path}"));
    let (metadata, _): (Metadata, _) = get_json(
        client,
        well_known.as_str(),
        "authorization server metadata",
        METADATA_FIELDS,
    )
    .await
    .ok()?;
    if *issuer != *metadata.issuer {
        tracing::warn!("the authorization server metadata names another issuer; not used");
        return None;
    }
    let endpoint = metadata.revocation_endpoint?;
    check_endpoint("revocation_endpoint", &endpoint, issuer_on_loopback(issuer)).ok()
}

/// What a provider's discovery document may leave out, and where it is then found.
#[derive(Debug, Clone, Default)]
pub struct Gaps {
    /// The revocation endpoint the settings name: it wins over the document's.
    pub revocation_endpoint: Option<Url>,
    /// The end-session endpoint the settings name: it wins over the document's.
    pub end_session_endpoint: Option<Url>,
    /// Amazon Cognito: the revocation endpoint is `/oauth2/revoke` on the pool's domain, the
    /// host of its token endpoint, whether or not discovery lists it.
    pub revocation_beside_token_endpoint: bool,
    /// The provider's logout page needs what Gatehouse never puts in a URL (Okta requires
    /// `id_token_hint`): its browser session is left alone unless the settings name a page.
    pub no_end_session: bool,
}

impl ProviderMetadata {
    /// Fills in what the document leaves out (or the settings override), as `gaps` says.
    pub fn fill_gaps(&mut self, gaps: &Gaps) {
        if gaps.no_end_session {
            self.end_session_endpoint = None;
        }
        if let Some(endpoint) = &gaps.end_session_endpoint {
            self.end_session_endpoint = Some(endpoint.clone());
        }
        if self.revocation_endpoint.is_none() && gaps.revocation_beside_token_endpoint {
            self.revocation_endpoint = self.token_endpoint.join("/oauth2/revoke").ok();
        }
        if let Some(endpoint) = &gaps.revocation_endpoint {
            self.revocation_endpoint = Some(endpoint.clone());
        }
    }
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
        Self::from_json_for_tenants(json, issuer, None)
    }

    /// [`ProviderMetadata::from_json`] for an Entra ID multi-tenant authority whose tenant
    /// segment is `tenant_alias` (`common`, `organizations`, `consumers`): its document names
    /// the issuer as a template, the segment replaced by [`TENANT_PLACEHOLDER`], which each ID
    /// token fills with its own `tid` (the `consumers` authority names the personal accounts'
    /// tenant instead). Nothing else differs from the configured issuer.
    pub fn from_json_for_tenants(
        json: &[u8],
        issuer: &IssuerUrl,
        tenant_alias: Option<&str>,
    ) -> Result<Self, DiscoveryError> {
        let doc: Document =
            json::parse(json, "a discovery document", FIELDS).map_err(DiscoveryError::NotJson)?;
        Self::from_document(doc, issuer, issuer_on_loopback(issuer), tenant_alias)
    }

    /// Whether its issuer is a multi-tenant template, which each ID token fills with its own
    /// tenant.
    pub fn issuer_is_template(&self) -> bool {
        self.issuer.contains(TENANT_PLACEHOLDER)
    }

    fn from_document(
        doc: Document,
        issuer: &IssuerUrl,
        loopback: bool,
        tenant_alias: Option<&str>,
    ) -> Result<Self, DiscoveryError> {
        // OIDC Discovery §4.3: the issuer returned MUST be identical to the one used to build
        // the URL. Compared byte for byte: Auth0's ends with `/`, others' do not. The one
        // exception is Entra ID's multi-tenant authorities, whose documents name the issuer
        // with the tenant segment in its place (a template, or the personal accounts' tenant).
        let in_tenant_place = |tenant: &str| {
            tenant_alias.map(|alias| {
                let (start, end) = (
                    issuer.len() - "/v2.0".len() - alias.len(),
                    issuer.len() - "/v2.0".len(),
                );
                format!("{}{tenant}{}", &issuer[..start], &issuer[end..])
            })
        };
        let tenant_form = *issuer != *doc.issuer
            && (in_tenant_place(TENANT_PLACEHOLDER).as_deref() == Some(doc.issuer.as_str())
                || (tenant_alias == Some("consumers")
                    && in_tenant_place(CONSUMERS_TENANT).as_deref() == Some(doc.issuer.as_str())));
        if *issuer != *doc.issuer && !tenant_form {
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
            token_endpoint_auth_methods_supported: doc.token_endpoint_auth_methods_supported,
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
mod tests;

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
        token_endpoint_auth_methods_supported: None,
    }
}

fn from_document(
    doc: Document,
    issuer: &IssuerUrl,
    loopback: bool,
) -> Result<ProviderMetadata, DiscoveryError> {
    ProviderMetadata::from_document(doc, issuer, loopback, None)
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
    let err = from_document(
        doc("https://t.auth0.com", "https://t.auth0.com"),
        &iss("https://t.auth0.com/"),
        false,
    )
    .unwrap_err();
    assert!(matches!(err, DiscoveryError::IssuerMismatch { .. }));
    assert!(from_document(
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
        from_document(remote, &iss("https://id.example"), true),
        Err(DiscoveryError::Insecure { .. })
    ));
    let local = doc("http://127.0.0.1:3000", "http://127.0.0.1:3000");
    assert!(from_document(local, &iss("http://127.0.0.1:3000"), true).is_ok());
    let local = doc("http://127.0.0.1:3000", "http://127.0.0.1:3000");
    assert!(from_document(local, &iss("http://127.0.0.1:3000"), false).is_err());
}

#[test]
fn provider_without_s256_is_refused() {
    let mut d = doc("https://id.example", "https://id.example");
    d.code_challenge_methods_supported = Some(vec!["plain".into()]);
    assert!(from_document(d, &iss("https://id.example"), false).is_err());
}

#[test]
fn logout_url_prefers_end_session_then_auth0() {
    let mut d = doc("https://id.example", "https://id.example");
    d.end_session_endpoint = Some("https://id.example/logout".into());
    let m = from_document(d, &iss("https://id.example"), false).unwrap();
    let url = m.logout_url(&ClientId::new("cid")).unwrap();
    assert_eq!(url.as_str(), "https://id.example/logout?client_id=cid");

    let m = from_document(
        doc("https://t.eu.auth0.com/", "https://t.eu.auth0.com"),
        &iss("https://t.eu.auth0.com/"),
        false,
    )
    .unwrap();
    assert_eq!(
        m.logout_url(&ClientId::new("cid")).unwrap().as_str(),
        "https://t.eu.auth0.com/v2/logout?client_id=cid"
    );

    let m = from_document(
        doc("https://id.example", "https://id.example"),
        &iss("https://id.example"),
        false,
    )
    .unwrap();
    assert!(m.logout_url(&ClientId::new("cid")).is_none());
}

#[test]
fn par_and_the_iss_parameter_are_read_when_offered() {
    let plain = from_document(
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
    let offered = from_document(
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
        from_document(insecure, &iss("https://id.example"), false),
        Err(DiscoveryError::Insecure {
            name: "pushed_authorization_request_endpoint",
            ..
        })
    ));
}

/// Entra ID's multi-tenant authorities name the issuer with the tenant in its place: a
/// template for `common` and `organizations`, the personal accounts' tenant for `consumers`.
/// Only there, and only that segment, may the document's issuer differ.
#[test]
fn a_multi_tenant_authority_names_its_issuer_with_the_tenant_in_its_place() {
    let base = "https://login.microsoftonline.com";
    let template = format!("{base}/{{tenantid}}/v2.0");
    for alias in ["common", "organizations"] {
        let configured = iss(&format!("{base}/{alias}/v2.0"));
        let m =
            ProviderMetadata::from_document(doc(&template, base), &configured, false, Some(alias))
                .unwrap();
        assert!(m.issuer_is_template());
        assert_eq!(*m.issuer, template);
        // Without the alias (no Entra preset, another host), the exact rule holds.
        assert!(matches!(
            from_document(doc(&template, base), &configured, false),
            Err(DiscoveryError::IssuerMismatch { .. })
        ));
    }
    let consumers = iss(&format!("{base}/consumers/v2.0"));
    let msa = format!("{base}/{CONSUMERS_TENANT}/v2.0");
    let m = ProviderMetadata::from_document(doc(&msa, base), &consumers, false, Some("consumers"))
        .unwrap();
    assert!(!m.issuer_is_template());
    // Any other issuer is still refused: another host, another version, another tenant.
    for other in [
        "https://evil.example/{tenantid}/v2.0".to_owned(),
        format!("{base}/{{tenantid}}/v1.0"),
        format!("{base}/11111111-2222-3333-4444-555555555555/v2.0"),
    ] {
        assert!(
            matches!(
                ProviderMetadata::from_document(
                    doc(&other, base),
                    &iss(&format!("{base}/common/v2.0")),
                    false,
                    Some("common")
                ),
                Err(DiscoveryError::IssuerMismatch { .. })
            ),
            "{other}"
        );
    }
}

/// Cognito's revocation endpoint is `/oauth2/revoke` on the pool's domain (the token
/// endpoint's host), which older discovery documents leave out; the settings' endpoints win
/// over anything discovery says; Okta's logout page, which wants the ID token in its URL, is
/// left alone unless the settings name one.
#[test]
fn gaps_are_filled_from_the_settings_then_from_the_providers_known_places() {
    let issuer = iss("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Pool");
    let mut cognito_doc = doc(
        &issuer,
        "https://pool.auth.eu-west-1.amazoncognito.com/oauth2",
    );
    cognito_doc.code_challenge_methods_supported = None;
    let mut cognito = from_document(cognito_doc, &issuer, false).unwrap();
    cognito.fill_gaps(&Gaps {
        revocation_beside_token_endpoint: true,
        ..Gaps::default()
    });
    assert_eq!(
        cognito.revocation_endpoint.unwrap().as_str(),
        "https://pool.auth.eu-west-1.amazoncognito.com/oauth2/revoke"
    );
    assert_eq!(cognito.end_session_endpoint, None);

    let mut listed = doc("https://id.example", "https://id.example");
    listed.revocation_endpoint = Some("https://id.example/revoke".into());
    listed.end_session_endpoint = Some("https://id.example/logout".into());
    let listed = from_document(listed, &iss("https://id.example"), false).unwrap();
    let given = Url::parse("https://elsewhere.example/revoke").unwrap();
    let mut overridden = listed.clone();
    overridden.fill_gaps(&Gaps {
        revocation_endpoint: Some(given.clone()),
        ..Gaps::default()
    });
    assert_eq!(overridden.revocation_endpoint, Some(given));
    assert!(overridden.end_session_endpoint.is_some());
    let mut okta = listed.clone();
    okta.fill_gaps(&Gaps {
        no_end_session: true,
        ..Gaps::default()
    });
    assert_eq!(okta.logout_url(&ClientId::new("c")), None);
    assert!(okta.revocation_endpoint.is_some());
}

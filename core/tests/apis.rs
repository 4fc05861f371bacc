//! An access token for each API (RFC 8707 resource indicators), from the session's one
//! refresh token, against the real local provider issuing JWT access tokens for two APIs, the
//! real Secret Service and a real browser for the sign-in.

mod common;

use std::sync::Arc;

use common::{auth, config_with, vault, WITH_REFRESH};
use gatehouse_core::clock::SystemClock;
use gatehouse_core::config::ApiSettings;
use gatehouse_core::secret::Secret;
use gatehouse_core::vault::Opened;
use gatehouse_core::Error;
use gatehouse_tests::idp::{Idp, IdpOptions};
use gatehouse_tests::TempDir;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;

const ORDERS: &str = "https://orders.gatehouse.test/";
const PROFILE: &str = "https://profile.gatehouse.test/";
const ORDERS_URL: &str = "http://127.0.0.1:9/orders";
const PROFILE_URL: &str = "http://127.0.0.1:9/profile";

fn apis() -> Vec<ApiSettings> {
    vec![
        ApiSettings {
            url: ORDERS_URL.into(),
            resource: ORDERS.into(),
            scopes: vec!["read".into()],
            probe: None,
            headers: Vec::new(),
        },
        ApiSettings {
            url: PROFILE_URL.into(),
            resource: PROFILE.into(),
            scopes: vec!["read".into(), "write".into()],
            probe: None,
            headers: Vec::new(),
        },
    ]
}

fn provider() -> Idp {
    Idp::start(IdpOptions {
        resources: vec![ORDERS.into(), PROFILE.into()],
        ..Default::default()
    })
}

/// `token`'s claims, once its signature checks against the provider's published keys and it
/// is for `audience` from this issuer.
async fn verified(idp: &Idp, token: &Secret, audience: &str) -> Value {
    let keys: JwkSet = reqwest::get(format!("{}/jwks", idp.issuer))
        .await
        .expect("the provider's keys")
        .json()
        .await
        .expect("a key set");
    let key = DecodingKey::from_jwk(&keys.keys[0]).expect("an RSA key");
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[audience]);
    validation.set_issuer(&[&idp.issuer]);
    jsonwebtoken::decode::<Value>(token.secret(), &key, &validation)
        .unwrap_or_else(|e| panic!("a token for {audience}: {e}"))
        .claims
}

#[tokio::test(flavor = "multi_thread")]
async fn the_code_exchange_names_one_api_and_the_others_get_theirs_from_the_refresh_token() {
    let idp = provider();
    let home = TempDir::new("apis");
    let config = config_with(&idp, WITH_REFRESH, 60, |s| s.apis = Some(apis()));
    let (auth, _events) = auth(&home, &config, Arc::new(SystemClock));
    let signed_in = auth.login().await.expect("login");

    // RFC 8707 §2.2: the code exchange names one resource, the first API's, and the provider
    // (with oidc-provider's stock defaultResource) gives its token at once; the other API's
    // comes from the refresh token. Asked at once: one refresh at a time, each with the
    // rotated token of the one before (two with the same token would make the provider revoke
    // the whole grant).
    let (orders, profile) = tokio::join!(
        auth.api_access_token(ORDERS),
        auth.api_access_token(PROFILE_URL)
    );
    let (orders, profile) = (orders.expect("orders"), profile.expect("profile"));
    let stats = idp.stats();
    assert_eq!((stats.refresh_token, stats.refresh_errors), (1, 0));
    let orders_claims = verified(&idp, orders.token(), ORDERS).await;
    let profile_claims = verified(&idp, profile.token(), PROFILE).await;
    assert_eq!(orders_claims["aud"], ORDERS);
    // The code exchange's token carries what the sign-in asked of this API.
    let orders_scopes = orders_claims["scope"].as_str().unwrap();
    assert!(
        orders_scopes.split(' ').any(|s| s == "read"),
        "{orders_scopes}"
    );
    assert_eq!(profile_claims["aud"], PROFILE);
    assert_eq!(profile_claims["scope"], "read write");
    assert_eq!(orders_claims["sub"], profile_claims["sub"]);

    // Fresh tokens come from the sealed session, without asking the provider.
    assert_eq!(auth.api_access_token(ORDERS).await.unwrap(), orders);
    assert_eq!(auth.api_access_token(PROFILE).await.unwrap(), profile);
    assert_eq!(idp.stats().refresh_token, 1);
    assert!(auth.logged_in());
    assert_eq!(
        auth.session().session().cloned(),
        Some(signed_in),
        "the session itself is as it was"
    );

    // Sealed per API, with the rotated refresh token: a new instance on the same files has
    // them, and its refresh token is the live one.
    let Opened::Session(record) = vault(&home, &config).open() else {
        panic!("a stored session")
    };
    assert_eq!(&record.api_tokens[ORDERS].token, orders.token());
    assert_eq!(&record.api_tokens[PROFILE].token, profile.token());
    drop(auth);
    let (second, _events) = common::auth(&home, &config, Arc::new(SystemClock));
    second.open().await;
    assert_eq!(second.api_access_token(ORDERS).await.unwrap(), orders);
    let before = idp.stats().refresh_token;
    second
        .renew()
        .await
        .expect("the rotated refresh token renews");
    assert_eq!(idp.stats().refresh_token, before + 1);
    assert_eq!(idp.stats().refresh_errors, 0);
    assert_eq!(
        second.api_access_token(PROFILE).await.unwrap(),
        profile,
        "a renewal keeps the APIs' tokens"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_is_given_only_for_a_configured_api() {
    let idp = provider();
    let home = TempDir::new("apis-unknown");
    let config = config_with(&idp, WITH_REFRESH, 60, |s| s.apis = Some(apis()));
    let (auth, _events) = auth(&home, &config, Arc::new(SystemClock));
    auth.login().await.expect("login");
    for other in [
        "https://elsewhere.test/",
        "http://127.0.0.1:9/",
        "http://127.0.0.1:9/orders/x",
    ] {
        assert!(
            matches!(auth.api_access_token(other).await, Err(Error::UnknownApi(ref api)) if api == other),
            "{other}"
        );
    }
    assert_eq!(
        idp.stats().refresh_token,
        0,
        "nothing was asked of the provider"
    );
}

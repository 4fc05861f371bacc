//! DPoP (RFC 9449) against the real local provider with DPoP on and its nonces required, and a
//! loopback resource server that checks every proof: the session's tokens are bound to a key
//! sealed with them, so a token taken without the key is worth nothing; the setting's
//! `required` and `off`.

mod common;

use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use common::{auth, config_with, vault, WITH_REFRESH};
use gatehouse_contract::FetchRequest;
use gatehouse_core::access_token::TokenScheme;
use gatehouse_core::clock::SystemClock;
use gatehouse_core::config::{ApiSettings, Config, DpopMode};
use gatehouse_core::oidc::dpop::DpopKey;
use gatehouse_core::secret::Secret;
use gatehouse_core::vault::{Opened, SessionRecord};
use gatehouse_core::Error;
use gatehouse_tests::idp::{Idp, IdpOptions};
use gatehouse_tests::resource::ResourceServer;
use gatehouse_tests::TempDir;
use serde_json::Value;

const ORDERS: &str = "https://orders.gatehouse.test/";

fn provider(dpop: bool) -> Idp {
    Idp::start(IdpOptions {
        resources: vec![ORDERS.into()],
        dpop,
        ..Default::default()
    })
}

fn config(idp: &Idp, mode: Option<DpopMode>) -> Config {
    config_with(idp, WITH_REFRESH, 60, |s| {
        s.dpop = mode;
        s.apis = Some(vec![ApiSettings {
            url: "http://127.0.0.1:9/orders".into(),
            resource: ORDERS.into(),
            scopes: vec!["read".into()],
            probe: None,
            headers: Vec::new(),
        }]);
    })
}

fn stored(home: &TempDir, config: &Config) -> SessionRecord {
    match vault(home, config).open() {
        Opened::Session(record) => record,
        _ => panic!("a stored session"),
    }
}

/// A JWT's claims, read without checking (the provider's own token, just issued).
fn claims(token: &Secret) -> Value {
    let payload = token.secret().split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn with_dpop_the_tokens_are_bound_to_the_sealed_key_and_worthless_without_it() {
    let idp = provider(true);
    let home = TempDir::new("dpop");
    let config = config(&idp, None);
    let (auth, _events) = auth(&home, &config, Arc::new(SystemClock));
    auth.login()
        .await
        .expect("login through the provider's nonces");
    let record = stored(&home, &config);
    let key = DpopKey::from_sealed(record.dpop_key.as_ref().expect("the key is sealed"))
        .expect("a P-256 key");
    // The code exchange brought the first API's token (RFC 8707 §2.2), bound.
    assert!(record.api_tokens[ORDERS].dpop, "token_type DPoP");

    // An API's token: a JWT confirming the key (RFC 9449 §6.1 cnf.jkt).
    let orders = auth
        .api_access_token(ORDERS)
        .await
        .expect("the API's token");
    assert_eq!(orders.scheme(), TokenScheme::Dpop);
    assert_eq!(claims(orders.token())["cnf"]["jkt"], key.thumbprint());
    assert!(stored(&home, &config).api_tokens[ORDERS].dpop);

    // Renewal sends a proof with the provider's nonce.
    auth.renew().await.expect("renewed");
    let stats = idp.stats();
    assert_eq!((stats.refresh_token, stats.refresh_errors), (1, 0));
    assert!(stored(&home, &config).access_token.unwrap().dpop);

    // The refresh token without the key: refused by the provider.
    let refresh_token = stored(&home, &config).refresh_token.unwrap();
    let (status, error) = idp.try_refresh(refresh_token.secret());
    assert_eq!(status, 400, "{error:?}");
    assert!(auth.renew().await.is_ok(), "with the key it still renews");

    auth.logout().await.unwrap();
    assert!(
        matches!(vault(&home, &config).open(), Opened::Empty),
        "the key went with the session"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn dpop_required_with_a_provider_without_it_signs_no_one_in_and_says_why() {
    let idp = provider(false);
    let home = TempDir::new("dpop-required");
    let config = config(&idp, Some(DpopMode::Required));
    let (auth, _events) = auth(&home, &config, Arc::new(SystemClock));
    let refused = auth.login().await.unwrap_err();
    assert!(matches!(refused, Error::DpopUnavailable));
    assert_eq!(
        refused.to_string(),
        "The identity provider does not offer DPoP, which this app is set up to require."
    );
    assert!(!auth.logged_in());
    assert_eq!(idp.stats().authorization_code, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn dpop_off_or_a_provider_without_it_gives_bearer_tokens() {
    for (dpop_at_provider, mode) in [(true, Some(DpopMode::Off)), (false, None)] {
        let idp = provider(dpop_at_provider);
        let home = TempDir::new("dpop-off");
        let config = config(&idp, mode);
        let (auth, _events) = auth(&home, &config, Arc::new(SystemClock));
        auth.login().await.expect("login");
        let record = stored(&home, &config);
        assert!(record.dpop_key.is_none());
        assert!(!record.api_tokens[ORDERS].dpop);
        let orders = auth.api_access_token(ORDERS).await.unwrap();
        assert_eq!(orders.scheme(), TokenScheme::Bearer);
        assert!(claims(orders.token()).get("cnf").is_none());
    }
}

/// RFC 9449 §7: each call carries a fresh proof bound to the call and the token; a proof copied
/// off a call is refused (§11.1), and so is the token without one.
#[tokio::test(flavor = "multi_thread")]
async fn an_api_call_carries_a_fresh_proof_and_neither_a_replay_nor_the_token_alone_gets_in() {
    let idp = provider(true);
    let orders = ResourceServer::start(&idp, ORDERS);
    let home = TempDir::new("dpop-api");
    let config = config_with(&idp, WITH_REFRESH, 60, |s| {
        s.apis = Some(vec![ApiSettings {
            url: format!("{}/v1", orders.origin),
            resource: ORDERS.into(),
            scopes: vec!["read".into()],
            probe: None,
            headers: Vec::new(),
        }]);
    });
    let (auth, _events) = auth(&home, &config, Arc::new(SystemClock));
    auth.login().await.expect("login");
    let me = FetchRequest::get(format!("{}/v1/me?page=1", orders.origin));
    let answer = auth.fetch(me.clone()).await.expect("an answer");
    assert_eq!(answer.status, 200, "{:?}", orders.why_refused());
    // The server's nonce was asked for once (RFC 9449 §9), then the call went through.
    let seen = orders.seen();
    assert_eq!(seen.len(), 2);
    assert!(seen[0].accepted.is_none() && seen[1].accepted.is_some());
    let call = &seen[1];
    let token = auth.api_access_token(ORDERS).await.unwrap();
    assert_eq!(
        call.header("authorization"),
        Some(format!("DPoP {}", token.secret()).as_str())
    );
    assert!(call.header("dpop").is_some());

    // The nonce is kept: the next call needs one request, with a proof of its own.
    assert_eq!(auth.fetch(me).await.unwrap().status, 200);
    assert_eq!(orders.seen().len(), 3);

    // Copied off the wire: the same token and proof again.
    let copied: Vec<(String, String)> = ["authorization", "dpop"]
        .iter()
        .map(|name| (name.to_string(), call.header(name).unwrap().to_owned()))
        .collect();
    assert_eq!(orders.replay("GET", "/v1/me?page=1", &copied), 401);
    assert_eq!(
        orders.why_refused().as_deref(),
        Some("the proof was used before")
    );
    // The token alone, as a bearer token or without a proof.
    for authorization in [
        format!("Bearer {}", token.secret()),
        format!("DPoP {}", token.secret()),
    ] {
        let alone = [("authorization".to_owned(), authorization)];
        assert_eq!(orders.replay("GET", "/v1/me", &alone), 401);
    }
    assert_eq!(
        orders.why_refused().as_deref(),
        Some("no DPoP proof"),
        "refused for want of the key's proof"
    );
}

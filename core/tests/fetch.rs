//! The page's calls of the app's APIs (`fetch`), against the real local provider issuing JWT
//! access tokens for two APIs and two loopback resource servers that verify them as an API
//! would (signature, issuer, audience, expiry), with the real Secret Service and a real
//! browser for the sign-in.

mod common;

use std::sync::Arc;

use common::{auth, config_with, WITH_REFRESH};
use gatehouse_contract::{FetchRequest, FetchResponse};
use gatehouse_core::clock::SystemClock;
use gatehouse_core::config::ApiSettings;
use gatehouse_core::session::Auth;
use gatehouse_core::Error;
use gatehouse_tests::idp::{Idp, IdpOptions};
use gatehouse_tests::resource::ResourceServer;
use gatehouse_tests::TempDir;
use serde_json::Value;

const ORDERS: &str = "https://orders.gatehouse.test/";
const PROFILE: &str = "https://profile.gatehouse.test/";
/// A third API the provider knows, which neither server serves.
const OTHER: &str = "https://other.gatehouse.test/";

struct World {
    idp: Idp,
    orders: ResourceServer,
    profile: ResourceServer,
    _home: TempDir,
    auth: Auth,
}

/// Signed in, with the orders API at `{orders}/v1` and the profile API at `{profile}/`; the
/// profile API's tokens are asked for `profile_resource`.
async fn world(name: &str, profile_resource: &str) -> World {
    let idp = Idp::start(IdpOptions {
        resources: vec![ORDERS.into(), PROFILE.into(), OTHER.into()],
        ..Default::default()
    });
    let orders = ResourceServer::start(&idp, ORDERS);
    let profile = ResourceServer::start(&idp, PROFILE);
    let apis = vec![
        ApiSettings {
            url: format!("{}/v1", orders.origin),
            resource: ORDERS.into(),
            scopes: vec!["read".into()],
            probe: None,
        },
        ApiSettings {
            url: format!("{}/", profile.origin),
            resource: profile_resource.into(),
            scopes: vec!["read".into()],
            probe: None,
        },
    ];
    let home = TempDir::new(name);
    let config = config_with(&idp, WITH_REFRESH, 60, |s| s.apis = Some(apis));
    let (auth, _events) = auth(&home, &config, Arc::new(SystemClock));
    auth.login().await.expect("login");
    World {
        idp,
        orders,
        profile,
        _home: home,
        auth,
    }
}

fn body(response: &FetchResponse) -> Value {
    serde_json::from_str(&response.body).expect("a JSON body")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_page_reaches_each_api_with_its_own_token_and_nothing_else() {
    let w = world("fetch", PROFILE).await;
    let me = w
        .auth
        .fetch(FetchRequest::get(format!("{}/v1/me?x=1", w.orders.origin)))
        .await
        .expect("an answer");
    assert_eq!(me.status, 200);
    assert_eq!(body(&me)["aud"], ORDERS);
    assert_eq!(body(&me)["target"], "/v1/me?x=1");
    let profile = w
        .auth
        .fetch(FetchRequest::get(format!("{}/profile", w.profile.origin)))
        .await
        .expect("an answer");
    assert_eq!(body(&profile)["aud"], PROFILE);

    // The answer's readable headers only: never its cookie or its internal ones.
    let names: Vec<&str> = me.headers.keys().map(String::as_str).collect();
    assert_eq!(names, ["cache-control", "content-type", "x-request-id"]);

    // A body and a header of the page's own go through; the token is the backend's.
    let mut post = FetchRequest::get(format!("{}/v1/orders", w.orders.origin));
    post.method = "POST".into();
    post.headers
        .insert("Content-Type".into(), "application/json".into());
    post.headers.insert("X-Trace".into(), "t-1".into());
    post.body = Some(r#"{"item":"tea"}"#.into());
    let created = w.auth.fetch(post).await.expect("an answer");
    assert_eq!(body(&created)["body"], r#"{"item":"tea"}"#);
    let seen = w.orders.seen().pop().unwrap();
    assert_eq!(
        (seen.method.as_str(), seen.header("x-trace")),
        ("POST", Some("t-1"))
    );
    assert_eq!(seen.header("cookie"), None);

    // Each server saw only its own API's token, accepted every time.
    let orders_token = w.auth.api_access_token(ORDERS).await.unwrap();
    let profile_token = w.auth.api_access_token(PROFILE).await.unwrap();
    for (server, token) in [(&w.orders, &orders_token), (&w.profile, &profile_token)] {
        for seen in server.seen() {
            assert_eq!(
                seen.header("authorization"),
                Some(format!("Bearer {}", token.secret()).as_str())
            );
            assert!(seen.accepted.is_some());
            assert!(!seen.target.contains(token.secret()), "never in a URL");
        }
    }
    // No token in anything the page got.
    for answer in [&me, &profile, &created] {
        let text = serde_json::to_string(answer).unwrap();
        for token in [&orders_token, &profile_token] {
            assert!(!text.contains(token.secret()));
        }
    }

    // Anything else is refused, and nothing is sent.
    let before = (w.orders.seen().len(), w.profile.seen().len());
    for url in [
        format!("{}/v2/me", w.orders.origin),
        format!("{}/v10", w.orders.origin),
        format!("{}/v1/me", w.idp.issuer),
        "http://127.0.0.1:9/v1/me".to_owned(),
    ] {
        let refused = w.auth.fetch(FetchRequest::get(url.clone())).await;
        assert!(
            matches!(refused, Err(Error::ApiNotAllowed { .. })),
            "{url}: {refused:?}"
        );
    }
    let mut forged = FetchRequest::get(format!("{}/v1/me", w.orders.origin));
    forged.headers.insert(
        "Authorization".into(),
        format!("Bearer {}", profile_token.secret()),
    );
    assert!(matches!(w.auth.fetch(forged).await, Err(Error::ApiCall(_))));
    assert_eq!((w.orders.seen().len(), w.profile.seen().len()), before);
}

/// RFC 6750 §3.1: a `401` with `invalid_token` (the token was revoked, or expired early) gets
/// one new token and one more try; the page sees the second answer.
#[tokio::test(flavor = "multi_thread")]
async fn after_a_401_invalid_token_the_call_is_renewed_and_tried_once_more() {
    let w = world("fetch-retry", PROFILE).await;
    let url = format!("{}/v1/me", w.orders.origin);
    w.auth.fetch(FetchRequest::get(url.clone())).await.unwrap();
    assert_eq!(w.idp.stats().refresh_token, 1);
    w.orders.refuse_tokens_seen();

    let again = w
        .auth
        .fetch(FetchRequest::get(url))
        .await
        .expect("an answer");
    assert_eq!(again.status, 200, "{}", again.body);
    let seen = w.orders.seen();
    assert_eq!(seen.len(), 3);
    assert!(seen[1].accepted.is_none(), "the old token, refused");
    let (first, last) = (
        seen[0].accepted.as_ref().unwrap(),
        seen[2].accepted.as_ref().unwrap(),
    );
    assert_ne!(first["jti"], last["jti"], "a new token");
    let stats = w.idp.stats();
    assert_eq!((stats.refresh_token, stats.refresh_errors), (2, 0));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_the_api_keeps_refusing_is_renewed_once_and_its_401_reaches_the_page() {
    // The profile server's API is set up with another API's resource: each token it gets is
    // for another audience, which it refuses.
    let w = world("fetch-refused", OTHER).await;
    let refused = w
        .auth
        .fetch(FetchRequest::get(format!("{}/me", w.profile.origin)))
        .await
        .expect("an answer");
    assert_eq!(refused.status, 401);
    assert_eq!(
        refused.headers.get("www-authenticate").map(String::as_str),
        Some("Bearer error=\"invalid_token\"")
    );
    assert_eq!(w.profile.seen().len(), 2, "one try, one retry");
    assert_eq!(w.idp.stats().refresh_token, 2, "one token, one renewal");
}

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
use gatehouse_core::session::{Auth, MAX_IN_FLIGHT};
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
    world_with(name, profile_resource, None).await
}

/// [`world`], with the APIs' tokens living `token_ttl` seconds when given.
async fn world_with(name: &str, profile_resource: &str, token_ttl: Option<u64>) -> World {
    let idp = Idp::start(IdpOptions {
        resources: vec![ORDERS.into(), PROFILE.into(), OTHER.into()],
        resource_token_ttl_secs: token_ttl,
        ..Default::default()
    });
    let orders = ResourceServer::start(&idp, ORDERS);
    let profile = ResourceServer::start(&idp, PROFILE);
    let apis = vec![
        ApiSettings {
            url: format!("{}/v1", orders.origin),
            resource: ORDERS.into(),
            scopes: vec!["read".into()],
            headers: vec!["X-Trace".into()],
            ..ApiSettings::default()
        },
        ApiSettings {
            url: format!("{}/", profile.origin),
            resource: profile_resource.into(),
            scopes: vec!["read".into()],
            ..ApiSettings::default()
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
    // The orders API's first token came with the code exchange (RFC 8707 §2.2).
    assert_eq!(w.idp.stats().refresh_token, 0);
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
    assert_eq!((stats.refresh_token, stats.refresh_errors), (1, 0));
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

/// The refresh grants the provider has served.
fn grants(w: &World) -> u32 {
    w.idp.stats().refresh_token
}

/// A page calling, in a loop, an API that refuses every token: one token, one renewal and
/// retry, then the API backs off and its `401` goes straight to the page.
#[tokio::test(flavor = "multi_thread")]
async fn thirty_calls_to_an_api_that_refuses_every_token_cost_at_most_three_refresh_grants() {
    let w = world("fetch-refuses-all", OTHER).await;
    let url = format!("{}/me", w.profile.origin);
    for _ in 0..30 {
        let answer = w.auth.fetch(FetchRequest::get(url.clone())).await.unwrap();
        assert_eq!(answer.status, 401);
    }
    let spent = grants(&w);
    eprintln!("figure: 30 calls to an API that refuses every token: {spent} refresh grants");
    assert!(spent <= 3, "{spent} refresh grants");
    // Each call still reached the API: the page gets the API's own answer.
    assert!(w.profile.seen().len() >= 30);
    // An answer that takes the token ends the back-off: the orders API is not held back.
    let orders = format!("{}/v1/me", w.orders.origin);
    assert_eq!(
        w.auth
            .fetch(FetchRequest::get(orders))
            .await
            .unwrap()
            .status,
        200
    );
}

/// Tokens that live 30 seconds, less than the minimum remaining lifetime (60 s here): each is
/// used for the first half of its life, not renewed for every call.
#[tokio::test(flavor = "multi_thread")]
async fn twenty_calls_with_thirty_second_tokens_cost_at_most_two_refresh_grants() {
    let w = world_with("fetch-short-tokens", PROFILE, Some(30)).await;
    let url = format!("{}/v1/me", w.orders.origin);
    for _ in 0..20 {
        let answer = w.auth.fetch(FetchRequest::get(url.clone())).await.unwrap();
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
    let spent = grants(&w);
    eprintln!("figure: 20 calls with 30-second tokens: {spent} refresh grants");
    assert!(spent <= 2, "{spent} refresh grants");
}

/// Calls that need the same API's new token at once share one refresh. (The profile API: the
/// orders API's first token came with the code exchange.)
#[tokio::test(flavor = "multi_thread")]
async fn ten_concurrent_calls_needing_a_new_token_cost_one_refresh_grant() {
    let w = world_with("fetch-concurrent", PROFILE, Some(30)).await;
    let url = format!("{}/me", w.profile.origin);
    let calls = (0..10).map(|_| {
        let (auth, url) = (w.auth.clone(), url.clone());
        tokio::spawn(async move { auth.fetch(FetchRequest::get(url)).await })
    });
    for call in calls.collect::<Vec<_>>() {
        assert_eq!(call.await.unwrap().unwrap().status, 200);
    }
    let spent = grants(&w);
    eprintln!("figure: 10 concurrent calls needing a new token: {spent} refresh grants");
    assert_eq!(spent, 1);
}

/// A page cannot pile up answers (up to 4 MiB each) by calling at once: at most
/// [`MAX_IN_FLIGHT`] calls are under way, the others wait their turn and are answered too.
#[tokio::test(flavor = "multi_thread")]
async fn fetch_holds_at_most_eight_calls_in_flight_and_queues_the_rest() {
    let slow = SlowApi::start();
    let idp = Idp::start(IdpOptions {
        resources: vec![ORDERS.into()],
        ..Default::default()
    });
    let home = TempDir::new("fetch-in-flight");
    let apis = vec![ApiSettings {
        url: format!("{}/v1", slow.origin),
        resource: ORDERS.into(),
        ..ApiSettings::default()
    }];
    let config = config_with(&idp, WITH_REFRESH, 60, |s| s.apis = Some(apis));
    let (auth, _events) = auth(&home, &config, Arc::new(SystemClock));
    auth.login().await.expect("login");
    let calls: Vec<_> = (0..20)
        .map(|i| {
            let auth = auth.clone();
            let url = format!("{}/v1/item/{i}", slow.origin);
            tokio::spawn(async move { auth.fetch(FetchRequest::get(url)).await })
        })
        .collect();
    for call in calls {
        assert_eq!(call.await.unwrap().unwrap().status, 200);
    }
    let (most, answered) = slow.counts();
    assert_eq!(answered, 20);
    assert_eq!(most, MAX_IN_FLIGHT, "the most calls under way at once");
}

/// An API that takes a while (200 ms) to answer each call, and counts how many it is answering
/// at once. It checks no token: only the number of calls matters here.
struct SlowApi {
    origin: String,
    counts: Arc<std::sync::Mutex<(usize, usize, usize)>>,
}

impl SlowApi {
    fn start() -> Self {
        use std::io::{BufRead, BufReader, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        // Under way now, the most at once, answered.
        let counts: Arc<std::sync::Mutex<(usize, usize, usize)>> = Arc::default();
        let shared = counts.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let counts = shared.clone();
                std::thread::spawn(move || {
                    let mut reader = BufReader::new(stream.try_clone().unwrap());
                    let mut line = String::new();
                    while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                        line.clear();
                    }
                    {
                        let mut c = counts.lock().unwrap();
                        c.0 += 1;
                        c.1 = c.1.max(c.0);
                    }
                    std::thread::sleep(std::time::Duration::from_millis(200));
                    {
                        let mut c = counts.lock().unwrap();
                        c.0 -= 1;
                        c.2 += 1;
                    }
                    let mut stream = stream;
                    let _ = stream.write_all(
                        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                          content-length: 2\r\nconnection: close\r\n\r\n{}",
                    );
                });
            }
        });
        Self { origin, counts }
    }

    /// The most calls it answered at once, and how many it answered.
    fn counts(&self) -> (usize, usize) {
        let c = self.counts.lock().unwrap();
        (c.1, c.2)
    }
}

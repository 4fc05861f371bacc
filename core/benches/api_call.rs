//! What Gatehouse adds to a call of an API, and to a sign-in, with DPoP and without, against a
//! plain reqwest call with a bearer token to the same loopback resource server (which verifies
//! the JWT, and a DPoP proof when the token is bound to a key), in the same run, against the
//! local provider with DPoP on:
//!
//! - `fetch` with the API's token sealed in the session (the usual case), Bearer and DPoP;
//! - `fetch` with a token the API refuses (revoked): renewed, then the retry;
//! - a whole sign-in (the browser's part included), DPoP against Bearer;
//! - the refresh grants a page's calls cost the provider: 30 calls to an API that refuses every
//!   token, 20 calls with 30-second tokens, 10 concurrent calls needing a new token (counted by
//!   the provider; the test command holds each to its budget).
//!
//! Run by `scripts/bench.sh` (the real local provider, the Secret Service, a real browser).
//! Rounds alternate baseline and candidate; the medians are compared.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use gatehouse_contract::FetchRequest;
use gatehouse_core::access_token::AccessToken;
use gatehouse_core::clock::SystemClock;
use gatehouse_core::config::{ApiSettings, Config, DpopMode, Settings};
use gatehouse_core::session::Auth;
use gatehouse_core::vault::{FileRecordStore, OsKeyring, Vault};
use gatehouse_tests::idp::{Idp, IdpOptions};
use gatehouse_tests::resource::ResourceServer;
use gatehouse_tests::{test_browser, TempDir};

const ORDERS: &str = "https://orders.gatehouse.test/";
const ROUNDS: usize = 41;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn report(name: &str, baseline: Duration, candidate: Duration) {
    println!(
        "{name:<48} baseline {:>10.1} µs  gatehouse {:>10.1} µs  ratio {:>5.2}  added {:>9.1} µs",
        baseline.as_secs_f64() * 1e6,
        candidate.as_secs_f64() * 1e6,
        candidate.as_secs_f64() / baseline.as_secs_f64(),
        (candidate.as_secs_f64() - baseline.as_secs_f64()) * 1e6,
    );
}

/// Times `baseline` and `candidate` alternately, `rounds` times each: their medians.
async fn alternate<B, BF, C, CF>(
    rounds: usize,
    mut baseline: B,
    mut candidate: C,
) -> (Duration, Duration)
where
    B: FnMut() -> BF,
    BF: Future<Output = ()>,
    C: FnMut() -> CF,
    CF: Future<Output = ()>,
{
    let (mut b, mut c) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let started = Instant::now();
        baseline().await;
        b.push(started.elapsed());
        let started = Instant::now();
        candidate().await;
        c.push(started.elapsed());
    }
    (median(b), median(c))
}

/// The baseline: a plain reqwest `GET` of `url` with `token` as a bearer token, its answer
/// read to the end.
async fn plain_get(client: &reqwest::Client, url: &str, token: &AccessToken, status: u16) {
    let response = client
        .get(url)
        .bearer_auth(token.secret())
        .send()
        .await
        .expect("an answer");
    assert_eq!(response.status(), status);
    response.text().await.expect("a body");
}

/// A call of the API through `auth`'s `fetch`.
async fn fetch(auth: &Auth, url: &str) {
    let answer = auth.fetch(FetchRequest::get(url)).await.expect("an answer");
    assert_eq!(answer.status, 200);
}

/// A session on its own files and keyring entry, with DPoP as `dpop` says.
fn session(idp: &Idp, orders: &ResourceServer, home: &TempDir, dpop: DpopMode) -> Auth {
    session_for(idp, &[(orders, ORDERS)], home, dpop, &format!("{dpop:?}"))
}

/// A session calling each of `apis` (a server, and the resource its tokens are asked for), on
/// files and a keyring entry named `name`.
fn session_for(
    idp: &Idp,
    apis: &[(&ResourceServer, &str)],
    home: &TempDir,
    dpop: DpopMode,
    name: &str,
) -> Auth {
    let apis = apis
        .iter()
        .map(|(server, resource)| ApiSettings {
            url: format!("{}/v1", server.origin),
            resource: (*resource).into(),
            scopes: vec!["read".into()],
            ..ApiSettings::default()
        })
        .collect();
    let config = Config::from_settings(Settings {
        issuer: Some(idp.issuer.clone()),
        client_id: Some(idp.client_id.clone()),
        browser: Some(vec![test_browser().to_string_lossy().into_owned()]),
        dpop: Some(dpop),
        apis: Some(apis),
        ..Settings::default()
    })
    .expect("a valid configuration");
    let service = format!("dev.gatehouse.bench.{name}");
    let vault = Vault::new(
        Arc::new(OsKeyring::new(&service, &config.issuer, &config.client_id)),
        Arc::new(FileRecordStore::new(
            home.path().join(format!("{name}.json")),
        )),
        &config.issuer,
        &config.client_id,
    );
    Auth::new(config, vault, Arc::new(SystemClock), Arc::new(|_| {}))
}

/// The refresh grants the provider served.
fn grants(idp: &Idp) -> u32 {
    idp.stats().refresh_token
}

/// The refresh grants a page's calls cost, each case on a provider of its own.
async fn refresh_grants(home: &TempDir) {
    const PROFILE: &str = "https://profile.gatehouse.test/";
    const OTHER: &str = "https://other.gatehouse.test/";
    // An API that refuses every token: its server is for another resource than the one the
    // session asks its tokens for.
    let idp = Idp::start(IdpOptions {
        resources: vec![PROFILE.into(), OTHER.into()],
        ..Default::default()
    });
    let profile = ResourceServer::start(&idp, PROFILE);
    let auth = session_for(&idp, &[(&profile, OTHER)], home, DpopMode::Off, "refuses");
    auth.login().await.expect("login");
    let url = format!("{}/v1/me", profile.origin);
    for _ in 0..30 {
        let answer = auth
            .fetch(FetchRequest::get(&url))
            .await
            .expect("an answer");
        assert_eq!(answer.status, 401);
    }
    println!(
        "{:<60} {:>3} refresh grants (budget 3)",
        "30 calls to an API that refuses every token",
        grants(&idp)
    );

    // Tokens that live 30 seconds, less than the minimum remaining lifetime (60 s).
    let idp = Idp::start(IdpOptions {
        resources: vec![ORDERS.into()],
        resource_token_ttl_secs: Some(30),
        ..Default::default()
    });
    let orders = ResourceServer::start(&idp, ORDERS);
    let auth = session_for(&idp, &[(&orders, ORDERS)], home, DpopMode::Off, "short");
    auth.login().await.expect("login");
    let url = format!("{}/v1/me", orders.origin);
    for _ in 0..20 {
        fetch(&auth, &url).await;
    }
    println!(
        "{:<60} {:>3} refresh grants (budget 2)",
        "20 calls with 30-second tokens",
        grants(&idp)
    );
    let before = grants(&idp);
    auth.logout().await.expect("logout");
    auth.login().await.expect("login");
    let calls: Vec<_> = (0..10)
        .map(|_| {
            let (auth, url) = (auth.clone(), url.clone());
            tokio::spawn(async move { fetch(&auth, &url).await })
        })
        .collect();
    for call in calls {
        call.await.expect("the call");
    }
    println!(
        "{:<60} {:>3} refresh grants (budget 1)",
        "10 concurrent calls needing a new token",
        grants(&idp) - before
    );
}

#[tokio::main]
async fn main() {
    let home = TempDir::new("bench-api");
    refresh_grants(&home).await;

    let idp = Idp::start(IdpOptions {
        resources: vec![ORDERS.into()],
        dpop: true,
        ..Default::default()
    });
    let orders = ResourceServer::start(&idp, ORDERS);
    let bearer = session(&idp, &orders, &home, DpopMode::Off);
    let dpop = session(&idp, &orders, &home, DpopMode::Auto);

    // A sign-in, the browser's part included.
    let (plain_login, dpop_login) = alternate(
        5,
        || async {
            bearer.login().await.expect("login");
            bearer.logout().await.expect("logout");
        },
        || async {
            dpop.login().await.expect("login");
            dpop.logout().await.expect("logout");
        },
    )
    .await;
    report(
        "a sign-in and logout, DPoP against Bearer",
        plain_login,
        dpop_login,
    );

    bearer.login().await.expect("login");
    dpop.login().await.expect("login");
    let url = format!("{}/v1/me", orders.origin);
    let token = bearer.api_access_token(ORDERS).await.expect("a token");
    let plain = reqwest::Client::new();
    let plain_call = || plain_get(&plain, &url, &token, 200);
    for _ in 0..5 {
        plain_call().await;
        fetch(&bearer, &url).await;
        fetch(&dpop, &url).await;
    }
    let (baseline, candidate) = alternate(ROUNDS, plain_call, || fetch(&bearer, &url)).await;
    report(
        "one API call, Bearer, token in the session",
        baseline,
        candidate,
    );
    let (baseline, candidate) = alternate(ROUNDS, plain_call, || fetch(&dpop, &url)).await;
    report(
        "one API call, DPoP, token in the session",
        baseline,
        candidate,
    );

    // A token the API refuses (revoked): fetch gets a new one with the refresh token and tries
    // again; the baseline is the two calls any client makes then, with the refused token and
    // with the new one, without getting it.
    let (mut baseline, mut candidate) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS / 4 {
        let refused = bearer.api_access_token(ORDERS).await.expect("a token");
        orders.refuse_tokens_seen();
        let started = Instant::now();
        fetch(&bearer, &url).await;
        candidate.push(started.elapsed());
        let renewed = bearer
            .api_access_token(ORDERS)
            .await
            .expect("the new token");
        let started = Instant::now();
        plain_get(&plain, &url, &refused, 401).await;
        plain_get(&plain, &url, &renewed, 200).await;
        baseline.push(started.elapsed());
    }
    report(
        "a refused token: renewed, then the retry (Bearer)",
        median(baseline),
        median(candidate),
    );
}

//! What the page's `fetch` adds to a call of an API, against a plain reqwest call with the
//! same token to the same loopback resource server (which verifies the JWT each time), in the
//! same run:
//!
//! - a call with the API's token already sealed in the session (the usual case), and
//! - a call that first gets the API's token with the refresh token (the first of a session,
//!   or after the token expired).
//!
//! Run by `scripts/bench.sh` (the real local provider, the Secret Service, a real browser
//! for the one sign-in). Rounds alternate baseline and candidate; the medians are compared.

use std::sync::Arc;
use std::time::{Duration, Instant};

use gatehouse_contract::FetchRequest;
use gatehouse_core::clock::SystemClock;
use gatehouse_core::config::{ApiSettings, Config, Settings};
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
        "{name:<44} baseline {:>9.1} µs  gatehouse {:>9.1} µs  ratio {:>5.2}  added {:>8.1} µs",
        baseline.as_secs_f64() * 1e6,
        candidate.as_secs_f64() * 1e6,
        candidate.as_secs_f64() / baseline.as_secs_f64(),
        (candidate.as_secs_f64() - baseline.as_secs_f64()) * 1e6,
    );
}

#[tokio::main]
async fn main() {
    let idp = Idp::start(IdpOptions {
        resources: vec![ORDERS.into()],
        ..Default::default()
    });
    let orders = ResourceServer::start(&idp, ORDERS);
    let home = TempDir::new("bench-api");
    let config = Config::from_settings(Settings {
        issuer: Some(idp.issuer.clone()),
        client_id: Some(idp.client_id.clone()),
        browser: Some(vec![test_browser().to_string_lossy().into_owned()]),
        apis: Some(vec![ApiSettings {
            url: format!("{}/v1", orders.origin),
            resource: ORDERS.into(),
            scopes: vec!["read".into()],
            probe: None,
        }]),
        ..Settings::default()
    })
    .expect("a valid configuration");
    let vault = Vault::new(
        Arc::new(OsKeyring::new(
            "dev.gatehouse.bench",
            &config.issuer,
            &config.client_id,
        )),
        Arc::new(FileRecordStore::new(home.path().join("session.json"))),
        &config.issuer,
        &config.client_id,
    );
    let auth = Auth::new(config, vault, Arc::new(SystemClock), Arc::new(|_| {}));
    auth.login().await.expect("login");
    let url = format!("{}/v1/me", orders.origin);
    let token = auth.api_access_token(ORDERS).await.expect("a token");
    let plain = reqwest::Client::new();

    let plain_call = || async {
        let response = plain
            .get(&url)
            .bearer_auth(token.secret())
            .send()
            .await
            .expect("an answer");
        assert_eq!(response.status(), 200);
        response.text().await.expect("a body");
    };
    let fetch = || async {
        let answer = auth
            .fetch(FetchRequest::get(url.clone()))
            .await
            .expect("an answer");
        assert_eq!(answer.status, 200);
    };
    // Warm both (connection set-up, caches).
    for _ in 0..5 {
        plain_call().await;
        fetch().await;
    }

    let (mut baseline, mut candidate) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let started = Instant::now();
        plain_call().await;
        baseline.push(started.elapsed());
        let started = Instant::now();
        fetch().await;
        candidate.push(started.elapsed());
    }
    report(
        "one API call, token sealed in the session",
        median(baseline),
        median(candidate),
    );

    // A token the API refuses (revoked): fetch gets a new one with the refresh token and tries
    // again; the baseline is the two calls any client makes then, with the refused token and
    // with the new one, without getting it.
    let (mut baseline, mut candidate) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS / 4 {
        let refused = auth.api_access_token(ORDERS).await.expect("a token");
        orders.refuse_tokens_seen();
        let started = Instant::now();
        fetch().await;
        candidate.push(started.elapsed());
        let renewed = auth.api_access_token(ORDERS).await.expect("the new token");
        let started = Instant::now();
        for (token, status) in [(&refused, 401), (&renewed, 200)] {
            let response = plain
                .get(&url)
                .bearer_auth(token.secret())
                .send()
                .await
                .expect("an answer");
            assert_eq!(response.status(), status);
            response.text().await.expect("a body");
        }
        baseline.push(started.elapsed());
    }
    report(
        "a refused token: renewed, then the retry",
        median(baseline),
        median(candidate),
    );
}

//! A whole sign-in, an API's token and a call of that API (with its `401` and retry), renewal
//! and logout against the real local provider and a resource server, with every log line of
//! every crate captured at TRACE level: no token, code, verifier or refresh token in any line;
//! then the same with a provider whose desktop clients send a client secret (Google): nor that.
//!
//! A test binary of its own: it installs the process-wide log subscriber.

mod common;

use std::sync::Arc;

use base64::Engine;
use common::{auth, config_with, vault, Lines, WITH_REFRESH};
use gatehouse_contract::FetchRequest;
use gatehouse_core::clock::SystemClock;
use gatehouse_core::config::{ApiSettings, Provider};
use gatehouse_core::secret::Secret;
use gatehouse_core::vault::Opened;
use gatehouse_tests::idp::{Idp, IdpOptions, Profile};
use gatehouse_tests::resource::ResourceServer;
use gatehouse_tests::TempDir;

/// The secrets of the session as stored now: ID, access and refresh tokens.
fn secrets(home: &TempDir, config: &gatehouse_core::config::Config) -> Vec<String> {
    let Opened::Session(record) = vault(home, config).open() else {
        panic!("a stored session")
    };
    let mut secrets = vec![record.id_token.secret().to_owned()];
    secrets.extend(record.refresh_token.map(|t| t.secret().to_owned()));
    assert_eq!(secrets.len(), 2, "the provider sent ID and refresh tokens");
    // The code exchange's access token is the API's it named (RFC 8707 §2.2).
    assert!(
        record.access_token.is_some() || !record.api_tokens.is_empty(),
        "and an access token"
    );
    secrets.extend(record.access_token.map(|a| a.token.secret().to_owned()));
    secrets.extend(
        record
            .api_tokens
            .values()
            .map(|a| a.token.secret().to_owned()),
    );
    secrets
}

#[tokio::test(flavor = "multi_thread")]
async fn at_trace_level_no_log_line_carries_a_token_code_or_verifier() {
    let lines = Lines::capture();

    const ORDERS: &str = "https://orders.gatehouse.test/";
    let idp = Idp::start(IdpOptions {
        resources: vec![ORDERS.into()],
        ..Default::default()
    });
    let orders = ResourceServer::start(&idp, ORDERS);
    let home = TempDir::new("logs");
    let api = ApiSettings {
        url: format!("{}/v1", orders.origin),
        resource: ORDERS.into(),
        scopes: vec!["read".into()],
        ..ApiSettings::default()
    };
    let config = config_with(&idp, WITH_REFRESH, 60, |s| s.apis = Some(vec![api]));
    let (auth, _events) = auth(&home, &config, Arc::new(SystemClock));
    auth.login().await.expect("login");
    let mut seen = secrets(&home, &config);
    auth.access_token().await.expect("the access token");
    let me = FetchRequest::get(format!("{}/v1/me", orders.origin));
    auth.fetch(me.clone()).await.expect("the API answers");
    seen.extend(secrets(&home, &config));
    orders.refuse_tokens_seen();
    assert_eq!(
        auth.fetch(me).await.expect("renewed and retried").status,
        200
    );
    seen.extend(secrets(&home, &config));
    assert_eq!(orders.seen().len(), 3);
    auth.renew().await.expect("renewal");
    seen.extend(secrets(&home, &config));
    auth.logout().await.expect("logout");

    // A provider whose desktop clients have a client secret (Google): sent with every token
    // request (RFC 6749 §2.3.1, Basic), in no log line, in no form a log could show it.
    let google = Idp::start(IdpOptions {
        profile: Some(Profile::Google),
        ..Default::default()
    });
    let client_secret = google.client_secret.clone().expect("a client secret");
    let home = TempDir::new("logs-google");
    let config = config_with(&google, "", 60, |s| {
        s.scopes = None;
        s.provider = Some(Provider::Google);
        s.client_secret = Some(Secret::new(client_secret.clone()));
    });
    let (google_auth, _google_events) = common::auth(&home, &config, Arc::new(SystemClock));
    google_auth.login().await.expect("a Google sign-in");
    seen.extend(secrets(&home, &config));
    google_auth.renew().await.expect("a Google renewal");
    seen.extend(secrets(&home, &config));
    google_auth.logout().await.expect("a Google logout");
    assert!(
        google.stats().refresh_token >= 1,
        "the secret was sent and taken"
    );
    let basic = base64::engine::general_purpose::STANDARD
        .encode(format!("{}:{client_secret}", google.client_id));
    seen.extend([client_secret, basic]);

    let log = lines.text();
    assert!(
        log.lines().count() > 20,
        "the capture works: {} lines",
        log.lines().count()
    );
    for secret in &seen {
        // Any 16 characters of a token would be a leak.
        for start in (0..secret.len().saturating_sub(16)).step_by(8) {
            let piece = &secret[start..start + 16];
            assert!(!log.contains(piece), "a token is in the log: …{piece}…");
        }
    }
    for parameter in [
        "code=",
        "code_verifier",
        "refresh_token=",
        "id_token=",
        "eyJ",
    ] {
        assert!(!log.contains(parameter), "{parameter} is in the log");
    }
}

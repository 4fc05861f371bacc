//! RFC 9449 §5: tokens bound to the session's DPoP key stay bound. A provider that answers a
//! refresh with bearer tokens (token_type Bearer) would quietly turn them back into tokens
//! that work without the key; they are neither stored nor sent.

use std::net::TcpListener;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use gatehouse_contract::{ErrorKind, FetchRequest, SessionState};
use gatehouse_core::config::{ApiSettings, DpopMode, Settings};
use gatehouse_core::session::Auth;
use gatehouse_core::vault::Opened;
use gatehouse_core::Error;
use gatehouse_tests::TempDir;
use serde_json::json;

use super::common;
use super::provider::*;

/// A provider that offers DPoP, binds the sign-in's tokens (token_type DPoP), and answers every
/// refresh after it with bearer tokens.
fn binds_then_unbinds() -> Script {
    let responses = AtomicU32::new(0);
    Script {
        discovery: Box::new(|doc| doc["dpop_signing_alg_values_supported"] = json!(["ES256"])),
        response: Box::new(move |response| {
            let first = responses.fetch_add(1, Ordering::SeqCst) == 0;
            response["token_type"] = json!(if first { "DPoP" } else { "Bearer" });
        }),
        ..Script::default()
    }
}

fn session(hostile: &Hostile, home: &TempDir, tweak: impl FnOnce(&mut Settings)) -> Auth {
    let config = super::config(hostile, tweak);
    common::auth(home, &config, Arc::new(gatehouse_core::clock::SystemClock)).0
}

/// `dpop: auto` took DPoP at the sign-in: a renewal answered with bearer tokens is refused, not
/// taken as a downgrade, and the session ends with a sentence saying why; nothing is kept.
#[tokio::test(flavor = "multi_thread")]
async fn a_session_that_started_bound_refuses_a_bearer_refresh_and_keeps_nothing() {
    let hostile = Hostile::start(binds_then_unbinds());
    let home = TempDir::new("hostile-unbound");
    let auth = session(&hostile, &home, |_| {});
    auth.login().await.expect("a bound sign-in");
    assert_eq!(
        auth.access_token().await.unwrap().scheme(),
        gatehouse_core::access_token::TokenScheme::Dpop
    );

    let renewed = auth.renew().await;
    assert!(matches!(renewed, Err(Error::DpopNotBound)), "{renewed:?}");
    assert_eq!(Seen::count(&hostile.seen.refreshes), 1);
    assert!(!auth.logged_in());
    match auth.session() {
        SessionState::SignedOut {
            reason: Some(reason),
        } => {
            assert_eq!(reason.kind, ErrorKind::Provider);
            assert!(
                reason
                    .message
                    .contains("not bound to this app's key (DPoP)"),
                "{}",
                reason.message
            );
        }
        other => panic!("{other:?}"),
    }
    let config = super::config(&hostile, |_| {});
    assert!(
        matches!(common::vault(&home, &config).open(), Opened::Empty),
        "nothing of the unbound answer, nor the session, is stored"
    );
}

/// With `dpop: required`, an API's token answered as a bearer token is not stored and the call
/// is not sent; the session goes on.
#[tokio::test(flavor = "multi_thread")]
async fn under_dpop_required_a_bearer_api_token_is_neither_stored_nor_sent() {
    let api = TcpListener::bind("127.0.0.1:0").unwrap();
    api.set_nonblocking(true).unwrap();
    let url = format!("http://{}/v1", api.local_addr().unwrap());
    let hostile = Hostile::start(binds_then_unbinds());
    let home = TempDir::new("hostile-required");
    // The first API's token comes with the code exchange (RFC 8707 §2.2), bound; the second's
    // from a refresh, the one this provider answers unbound.
    let apis = vec![
        ApiSettings {
            url: "https://first.example/".into(),
            resource: "https://first.example/".into(),
            ..ApiSettings::default()
        },
        ApiSettings {
            url: url.clone(),
            resource: "https://orders.example/".into(),
            ..ApiSettings::default()
        },
    ];
    let settings = move |s: &mut Settings| {
        s.dpop = Some(DpopMode::Required);
        s.apis = Some(apis);
    };
    let auth = session(&hostile, &home, settings);
    auth.login().await.expect("a bound sign-in");

    let call = auth.fetch(FetchRequest::get(format!("{url}/orders"))).await;
    match call {
        Err(e @ Error::DpopNotBound) => assert_eq!(e.kind(), ErrorKind::Provider),
        other => panic!("{other:?}"),
    }
    std::thread::sleep(Duration::from_millis(100));
    assert!(api.accept().is_err(), "the API was reached");
    assert!(auth.logged_in(), "the session goes on");
    let config = super::config(&hostile, |s| {
        s.dpop = Some(DpopMode::Required);
    });
    match common::vault(&home, &config).open() {
        Opened::Session(record) => assert_eq!(
            record.api_tokens.keys().collect::<Vec<_>>(),
            ["https://first.example/"],
            "the unbound token is not stored"
        ),
        other => panic!("{other:?}"),
    }
}

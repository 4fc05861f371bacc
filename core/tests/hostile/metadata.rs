//! Where the revocation endpoint comes from when the OpenID discovery document lists none:
//! the settings, then the provider's OAuth 2.0 Authorization Server Metadata (RFC 8414), which
//! must name the same issuer (§3.3). A revocation that fails never holds the sign-out up.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::*;

/// A script whose discovery document lists no revocation endpoint, and whose RFC 8414
/// metadata, when served, is edited by `edit`.
fn without_revocation_in_discovery(edit: Option<fn(&mut Value)>) -> Script {
    Script {
        discovery: Box::new(|doc| {
            doc.as_object_mut().unwrap().remove("revocation_endpoint");
        }),
        authorization_server_metadata: edit.map(|edit| Box::new(edit) as Box<_>),
        ..Script::default()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revocation_endpoint_only_in_the_rfc_8414_metadata_is_used_at_sign_out() {
    let run = start(without_revocation_in_discovery(Some(|_| {})), |_| {});
    run.auth.login().await.expect("sign-in");
    run.auth.logout().await.expect("sign-out");
    assert_eq!(run.hostile.seen.revocations.load(Ordering::SeqCst), 1);
}

/// RFC 8414 §3.3: metadata naming another issuer is not used, nor is an endpoint on plain
/// http off loopback; the sign-out goes on without a revocation.
#[tokio::test(flavor = "multi_thread")]
async fn rfc_8414_metadata_for_another_issuer_is_not_used() {
    let run = start(
        without_revocation_in_discovery(Some(|metadata| {
            metadata["issuer"] = json!("https://elsewhere.example");
        })),
        |_| {},
    );
    run.auth.login().await.expect("sign-in");
    run.auth.logout().await.expect("sign-out");
    assert_eq!(run.hostile.seen.revocations.load(Ordering::SeqCst), 0);
    assert!(!run.auth.logged_in());
}

/// The `revocationEndpoint` setting wins over discovery; an endpoint that answers with an
/// error (here a `404` page, no OAuth error) is logged and the sign-out completes at once.
#[tokio::test(flavor = "multi_thread")]
async fn a_revocation_that_fails_is_logged_and_never_holds_the_sign_out_up() {
    let hostile = Hostile::start(Script::default());
    let home = TempDir::new("hostile-revocation-refused");
    let config = config(&hostile, |s| {
        s.revocation_endpoint = Some(format!("{}/nowhere", hostile.issuer));
    });
    let (auth, _events) = common::auth(&home, &config, Arc::new(SystemClock));
    auth.login().await.expect("sign-in");
    let started = Instant::now();
    auth.logout().await.expect("sign-out");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    assert!(!auth.logged_in());
    assert_eq!(
        hostile.seen.revocations.load(Ordering::SeqCst),
        0,
        "discovery's endpoint was not used"
    );
}

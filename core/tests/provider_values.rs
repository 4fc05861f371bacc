//! Nothing a provider sent is repeated in an error shown or logged: a token response whose
//! `expires_in` is a string, a discovery document that names another issuer. The message names
//! the field and what was expected; every log line, captured at TRACE, is free of the values.
//! (An OAuth refusal's own code and description, which the protocol means to be read, are
//! repeated only as RFC 6749 §5.2 allows them: `OAuthError::new`'s tests.)
//!
//! A test binary of its own: it installs the process-wide log subscriber.

// The hostile provider of the RP conformance cases; this test uses a part of it.
mod common;
#[allow(dead_code)]
#[path = "hostile/provider.rs"]
mod provider;

use common::{auth_in_memory, Lines};
use gatehouse_core::config::{Config, Settings};
use gatehouse_tests::TempDir;
use provider::*;
use serde_json::json;

const SECRET: &str = "SECRET-VALUE-5b1e";

/// Signs in against a provider playing `script`; the error's sentence.
async fn sign_in(script: Script) -> String {
    let hostile = Hostile::start(script);
    let home = TempDir::new("provider-values");
    let config = Config::from_settings(Settings {
        issuer: Some(hostile.issuer.clone()),
        client_id: Some(CLIENT_ID.into()),
        browser: Some(
            "curl --silent --output /dev/null --location --max-time 10"
                .split(' ')
                .map(str::to_owned)
                .collect(),
        ),
        login_timeout_secs: Some(10),
        ..Settings::default()
    })
    .unwrap();
    auth_in_memory(&home, config)
        .login()
        .await
        .expect_err("the sign-in fails")
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn no_value_the_provider_sent_is_in_an_error_shown_or_logged() {
    let lines = Lines::capture();

    let shown = sign_in(Script {
        response: Box::new(|response| response["expires_in"] = json!(SECRET)),
        ..Script::default()
    })
    .await;
    assert!(
        shown.contains("a token response whose expires_in is not a number"),
        "names the field: {shown}"
    );
    let mismatch = sign_in(Script {
        discovery: Box::new(|doc| doc["issuer"] = json!(format!("https://{SECRET}.example/"))),
        ..Script::default()
    })
    .await;
    assert!(mismatch.contains("names another issuer"), "{mismatch}");

    let log = lines.text();
    assert!(log.lines().count() > 10, "the capture works");
    for sentence in [&shown, &mismatch] {
        assert!(!sentence.contains(SECRET), "shown: {sentence}");
    }
    assert!(!log.contains(SECRET), "logged:\n{log}");
}

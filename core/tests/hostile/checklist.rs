//! The native-app checklist (RFC 8252, RFC 7636, RFC 9700), each item a test against the
//! hostile provider, which records exactly what the app sent.

use std::sync::Arc;

use gatehouse_core::clock::SystemClock;

use super::*;

#[tokio::test(flavor = "multi_thread")]
async fn rfc8252_5_the_request_goes_to_the_external_browser_only() {
    let hostile = Hostile::start(Script::default());
    let home = TempDir::new("checklist-browser");
    let log = home.path().join("argv.log");
    let script = format!(
        "printf \"%s\\n\" \"$0\" >> {}; exec {BROWSER} \"$0\"",
        log.display()
    );
    let config = config(&hostile, |s| {
        s.browser = Some(vec!["sh".into(), "-c".into(), script]);
    });
    let (auth, _events) = common::auth(&home, &config, Arc::new(SystemClock));
    auth.login().await.expect("sign-in");
    let argv = std::fs::read_to_string(&log).unwrap();
    assert!(
        argv.trim()
            .starts_with(&format!("{}/authorize?", hostile.issuer)),
        "the browser command was handed the authorization URL: {argv}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn rfc7636_pkce_s256_state_and_nonce_are_fresh_for_every_attempt() {
    let run = start(Script::default(), |_| {});
    let mut requests = Vec::new();
    let mut verifiers = Vec::new();
    for _ in 0..2 {
        run.auth.login().await.expect("sign-in");
        requests.push(run.hostile.seen.last_request.lock().unwrap().clone());
        verifiers.push(run.hostile.seen.last_exchange.lock().unwrap()["code_verifier"].clone());
    }
    for request in &requests {
        assert_eq!(request["code_challenge_method"], "S256");
        assert_eq!(request["state"].len(), 43, "256 bits of state");
        assert_eq!(request["nonce"].len(), 43, "256 bits of nonce");
    }
    // RFC 7636 §4.1: 32 random octets, base64url: 43 characters.
    for verifier in &verifiers {
        assert_eq!(verifier.len(), 43);
    }
    for name in ["state", "nonce", "code_challenge"] {
        assert_ne!(requests[0][name], requests[1][name], "{name} was reused");
    }
    assert_ne!(verifiers[0], verifiers[1]);
}

#[tokio::test(flavor = "multi_thread")]
async fn rfc8252_7_3_the_redirect_is_127_0_0_1_on_the_bound_port_and_closes_after_use() {
    let run = start(Script::default(), |_| {});
    run.auth.login().await.expect("sign-in");
    let request = run.hostile.seen.last_request.lock().unwrap().clone();
    let redirect = url::Url::parse(&request["redirect_uri"]).unwrap();
    assert_eq!(redirect.scheme(), "http");
    assert_eq!(
        redirect.host_str(),
        Some("127.0.0.1"),
        "never localhost (RFC 8252 §8.3)"
    );
    assert_eq!(redirect.path(), "/callback");
    let port = redirect.port().expect("the bound port");
    assert_ne!(port, 0);
    // The listener answered once and is gone: a replayed callback finds nobody.
    let replay = std::net::TcpStream::connect(("127.0.0.1", port));
    assert!(
        replay.is_err(),
        "the listener still accepts after the sign-in"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn rfc6749_4_1_3_the_token_request_repeats_the_redirect_uri_and_has_no_secret() {
    let run = start(Script::default(), |_| {});
    run.auth.login().await.expect("sign-in");
    let request = run.hostile.seen.last_request.lock().unwrap().clone();
    let exchange = run.hostile.seen.last_exchange.lock().unwrap().clone();
    assert_eq!(exchange["redirect_uri"], request["redirect_uri"]);
    assert_eq!(exchange["client_id"], CLIENT_ID);
    for form in [&request, &exchange] {
        assert!(!form.contains_key("client_secret"));
        assert!(!form.contains_key("client_assertion"));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn rfc9700_4_11_the_back_channel_follows_no_redirect() {
    let run = start(
        Script {
            discovery_redirects: true,
            ..Script::default()
        },
        |_| {},
    );
    assert!(run.auth.login().await.is_err());
    assert_eq!(Seen::count(&run.hostile.seen.redirected_discovery), 0);
}

#[test]
fn rfc8252_8_3_a_plain_http_issuer_off_loopback_is_refused() {
    let config = Config::from_settings(Settings {
        issuer: Some("http://id.example/".into()),
        client_id: Some(CLIENT_ID.into()),
        ..Settings::default()
    });
    assert_eq!(
        config.unwrap_err().setting(),
        Some(gatehouse_core::config::Setting::Issuer)
    );
}

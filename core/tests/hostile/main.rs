//! A hostile provider played against the core: each test is named after the OpenID Connect RP
//! conformance case it mirrors (`rp-…`), or says what it tries beyond them. The sign-in runs
//! for real: discovery, the authorization request (pushed or not), the browser's redirect to
//! the loopback listener, the code exchange with PKCE, key selection and validation.

mod binding;
mod checklist;
#[path = "../common/mod.rs"]
mod common;
mod ending;
mod jose;
mod metadata;
mod provider;

use std::sync::Arc;
use std::time::Duration;

use gatehouse_contract::{ErrorKind, SessionView};
use gatehouse_core::clock::SystemClock;
use gatehouse_core::config::{Config, Settings};
use gatehouse_core::oidc::{KeyError, TokenError};
use gatehouse_core::session::Auth;
use gatehouse_core::Error;
use gatehouse_tests::TempDir;
use provider::*;
use serde_json::{json, Value};

/// A change to an ID token's claims.
type Edit = fn(&mut Value);
/// An ID token made from scratch.
type Token = dyn Fn(&Issue) -> String + Send;

/// The browser: curl follows the provider's redirect to the loopback callback.
const BROWSER: &str = "curl --silent --output /dev/null --location --max-time 10";

/// A change to the settings of a run.
type Tweak = fn(&mut Settings);

fn config(hostile: &Hostile, tweak: impl FnOnce(&mut Settings)) -> Config {
    let mut settings = Settings {
        issuer: Some(hostile.issuer.clone()),
        client_id: Some(CLIENT_ID.to_owned()),
        browser: common::command(BROWSER),
        login_timeout_secs: Some(10),
        ..Settings::default()
    };
    tweak(&mut settings);
    Config::from_settings(settings).expect("a valid configuration")
}

struct Run {
    hostile: Hostile,
    auth: Auth,
    _home: TempDir,
    _events: common::Events,
}

fn start(script: Script, tweak: Tweak) -> Run {
    let hostile = Hostile::start(script);
    let home = TempDir::new("hostile");
    let config = config(&hostile, tweak);
    let (auth, events) = common::auth(&home, &config, Arc::new(SystemClock));
    Run {
        hostile,
        auth,
        _home: home,
        _events: events,
    }
}

async fn sign_in(script: Script) -> (Run, Result<SessionView, Error>) {
    let run = start(script, |_| {});
    let result = run.auth.login().await;
    (run, result)
}

/// A script whose sign-in ID token has claims edited by `edit`.
fn minting(edit: impl Fn(&mut Value) + Send + 'static) -> Script {
    Script {
        mint: Box::new(move |issue| {
            let mut claims = claims(issue);
            edit(&mut claims);
            Some(sign(&claims, Some("key1"), KEY1))
        }),
        ..Script::default()
    }
}

/// A script whose sign-in ID token is `token(issue)` as is.
fn serving(token: impl Fn(&Issue) -> String + Send + 'static) -> Script {
    Script {
        mint: Box::new(move |issue| Some(token(issue))),
        ..Script::default()
    }
}

fn assert_invalid(result: Result<SessionView, Error>, expected: TokenError) {
    match result {
        Err(Error::InvalidToken(e)) if e == expected => {}
        other => panic!("expected {expected:?}, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn rp_response_type_code() {
    let (run, result) = sign_in(Script::default()).await;
    let view = result.expect("a code-flow sign-in");
    assert_eq!(view.display_name, "Ada Lovelace");
    let request = run.hostile.seen.last_request.lock().unwrap().clone();
    assert_eq!(request["response_type"], "code");
    assert_eq!(request["code_challenge_method"], "S256");
    assert_eq!(request["client_id"], CLIENT_ID);
    assert!(!request.contains_key("client_secret"));
    // RFC 6749 §4.1.3: the token request names the redirect_uri of the authorization request.
    let exchange = run.hostile.seen.last_exchange.lock().unwrap().clone();
    assert_eq!(exchange["redirect_uri"], request["redirect_uri"]);
    assert!(!exchange.contains_key("client_secret"));
    assert!(exchange["code_verifier"].len() >= 43);
}

#[tokio::test(flavor = "multi_thread")]
async fn rp_id_token_issuer_mismatch() {
    let (_run, result) = sign_in(minting(|c| c["iss"] = json!("https://evil.example/"))).await;
    assert_invalid(result, TokenError::WrongIssuer);
}

#[tokio::test(flavor = "multi_thread")]
async fn rp_id_token_sub() {
    let (_run, result) = sign_in(minting(|c| {
        c.as_object_mut().unwrap().remove("sub");
    }))
    .await;
    assert_invalid(result, TokenError::NoSubject);
}

#[tokio::test(flavor = "multi_thread")]
async fn rp_id_token_aud() {
    let (_run, result) = sign_in(minting(|c| c["aud"] = json!("another-client"))).await;
    assert_invalid(result, TokenError::WrongAudience);
    let (_run, result) = sign_in(minting(|c| {
        c["aud"] = json!([CLIENT_ID, "untrusted"]);
        c["azp"] = json!(CLIENT_ID);
    }))
    .await;
    assert_invalid(result, TokenError::UntrustedAudience);
}

#[tokio::test(flavor = "multi_thread")]
async fn rp_id_token_iat() {
    let (_run, result) = sign_in(minting(|c| {
        c.as_object_mut().unwrap().remove("iat");
    }))
    .await;
    assert_invalid(result, TokenError::NoIssuedAt);
}

#[tokio::test(flavor = "multi_thread")]
async fn rp_id_token_kid_absent_single_jwks() {
    let (_run, result) = sign_in(serving(|issue| sign(&claims(issue), None, KEY1))).await;
    result.expect("the only key is used");
}

#[tokio::test(flavor = "multi_thread")]
async fn rp_id_token_kid_absent_multiple_jwks() {
    let script = Script {
        jwks: vec![json!({ "keys": [jwk("key1"), jwk("key2")] })],
        ..serving(|issue| sign(&claims(issue), None, KEY1))
    };
    let (_run, result) = sign_in(script).await;
    assert!(
        matches!(result, Err(Error::SigningKeys(KeyError::Ambiguous))),
        "{result:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn rp_id_token_sig_rs256() {
    let script = Script {
        jwks: vec![json!({ "keys": [jwk("key1"), jwk("key2")] })],
        ..serving(|issue| sign(&claims(issue), Some("key2"), KEY2))
    };
    let (_run, result) = sign_in(script).await;
    result.expect("signed by the key its kid names");
}

#[tokio::test(flavor = "multi_thread")]
async fn rp_id_token_sig_none() {
    let (_run, result) = sign_in(serving(|issue| {
        format!("{}.{}.", b64(&json!({"alg": "none"})), b64(&claims(issue)))
    }))
    .await;
    assert_invalid(result, TokenError::UnsupportedAlgorithm("none".into()));
}

#[tokio::test(flavor = "multi_thread")]
async fn rp_id_token_bad_sig_rs256() {
    let (_run, result) = sign_in(serving(|issue| {
        let good = sign(&claims(issue), Some("key1"), KEY1);
        let (signed, _) = good.rsplit_once('.').unwrap();
        let forged = sign(&claims(issue), Some("key1"), KEY2);
        let (_, signature) = forged.rsplit_once('.').unwrap();
        format!("{signed}.{signature}")
    }))
    .await;
    assert_invalid(result, TokenError::BadSignature);
}

#[tokio::test(flavor = "multi_thread")]
async fn rp_nonce_invalid() {
    let (_run, result) = sign_in(minting(|c| c["nonce"] = json!("not-the-one-sent"))).await;
    assert_invalid(result, TokenError::NonceMismatch);
}

#[tokio::test(flavor = "multi_thread")]
async fn rp_scope_userinfo_claims() {
    let (run, result) = sign_in(minting(|c| {
        c["name"] = json!("Grace Hopper");
        c["email"] = json!("grace@example.test");
        c["picture"] = json!("https://img.example/grace.png");
    }))
    .await;
    let view = result.expect("sign-in");
    assert_eq!(view.display_name, "Grace Hopper");
    assert_eq!(view.email.as_deref(), Some("grace@example.test"));
    assert_eq!(
        view.picture.as_deref(),
        Some("https://img.example/grace.png")
    );
    let request = run.hostile.seen.last_request.lock().unwrap().clone();
    let scopes: Vec<&str> = request["scope"].split(' ').collect();
    for scope in ["openid", "profile", "email"] {
        assert!(scopes.contains(&scope), "{scopes:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn rp_discovery_openid_configuration() {
    let (run, result) = sign_in(Script::default()).await;
    result.expect("sign-in from the discovered endpoints");
    let seen = &run.hostile.seen;
    assert_eq!(Seen::count(&seen.discovery), 1);
    assert_eq!(Seen::count(&seen.authorize), 1);
    assert_eq!(Seen::count(&seen.code_exchanges), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn rp_discovery_jwks_uri_keys() {
    let script = Script {
        discovery: Box::new(|doc| {
            let issuer = doc["issuer"].as_str().unwrap().to_owned();
            doc["jwks_uri"] = json!(format!("{issuer}/jwks?set=moved"));
        }),
        ..Script::default()
    };
    let (run, result) = sign_in(script).await;
    result.expect("keys from the discovered jwks_uri");
    assert_eq!(Seen::count(&run.hostile.seen.jwks), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn rp_discovery_issuer_not_matching_config() {
    let script = Script {
        discovery: Box::new(|doc| doc["issuer"] = json!("https://impostor.example/")),
        ..Script::default()
    };
    let (run, result) = sign_in(script).await;
    assert!(
        matches!(result, Err(Error::IssuerMismatch { .. })),
        "{result:?}"
    );
    assert_eq!(Seen::count(&run.hostile.seen.authorize), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn rp_key_rotation_op_sign_key() {
    // Signed in under key1; the provider then rotates to key2 and signs the refresh with it.
    let script = Script {
        jwks: vec![
            json!({ "keys": [jwk("key1")] }),
            json!({ "keys": [jwk("key2")] }),
        ],
        mint: Box::new(|issue| {
            let (kid, key) = if issue.refresh {
                ("key2", KEY2)
            } else {
                ("key1", KEY1)
            };
            Some(sign(&claims(issue), Some(kid), key))
        }),
        ..Script::default()
    };
    let (run, result) = sign_in(script).await;
    result.expect("sign-in under key1");
    run.auth.renew().await.expect("the rotated key is fetched");
    assert_eq!(Seen::count(&run.hostile.seen.jwks), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn rp_key_rotation_op_sign_key_native() {
    // A second sign-in after the provider replaced its key set.
    let run = start(Script::default(), |_| {});
    run.auth.login().await.expect("first sign-in under key1");
    run.hostile.edit(|script| {
        script.jwks = vec![json!({ "keys": [jwk("key2")] })];
        script.mint = Box::new(|issue| Some(sign(&claims(issue), Some("key2"), KEY2)));
    });
    run.auth.login().await.expect("second sign-in under key2");
    assert_eq!(Seen::count(&run.hostile.seen.jwks), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn hs256_keyed_with_the_public_key_is_refused() {
    let (_run, result) = sign_in(serving(|issue| {
        let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
        let key = jsonwebtoken::EncodingKey::from_secret(PUB1.as_bytes());
        jsonwebtoken::encode(&header, &claims(issue), &key).unwrap()
    }))
    .await;
    assert_invalid(result, TokenError::UnsupportedAlgorithm("HS256".into()));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_critical_header_is_refused() {
    let (_run, result) = sign_in(serving(|issue| {
        let header = json!({"alg": "RS256", "kid": "key1", "crit": ["x-unknown"], "x-unknown": 1});
        format!("{}.{}.c2ln", b64(&header), b64(&claims(issue)))
    }))
    .await;
    assert_invalid(result, TokenError::Malformed("unsupported critical header"));
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_tokens_are_refused_without_a_crash() {
    let cases: Vec<(&str, Box<Token>, TokenError)> = vec![
        (
            "two segments",
            Box::new(|issue| format!("{}.{}", b64(&json!({"alg": "RS256"})), b64(&claims(issue)))),
            TokenError::Malformed("not three dot-separated parts"),
        ),
        (
            "four segments",
            Box::new(|issue| format!("{}.x", sign(&claims(issue), Some("key1"), KEY1))),
            TokenError::Malformed("not three dot-separated parts"),
        ),
        (
            "header not base64url",
            Box::new(|_| "eyJ!!!.eyJ9.c2ln".to_owned()),
            TokenError::Malformed("header"),
        ),
        (
            "payload not UTF-8, correctly signed",
            Box::new(|_| {
                use base64::Engine;
                let payload =
                    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode([0xff, 0xfe, 0x7b]);
                let signed = format!("{}.{payload}", b64(&json!({"alg": "RS256", "kid": "key1"})));
                let key = jsonwebtoken::EncodingKey::from_rsa_pem(KEY1.as_bytes()).unwrap();
                let signature = jsonwebtoken::crypto::sign(
                    signed.as_bytes(),
                    &key,
                    jsonwebtoken::Algorithm::RS256,
                )
                .unwrap();
                format!("{signed}.{signature}")
            }),
            TokenError::Malformed("payload"),
        ),
    ];
    for (name, token, expected) in cases {
        let (_run, result) = sign_in(serving(token)).await;
        match result {
            Err(Error::InvalidToken(e)) if e == expected => {}
            other => panic!("{name}: expected {expected:?}, got {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_one_mebibyte_token_response_is_refused() {
    let (_run, result) = sign_in(serving(|_| "a".repeat(1 << 20))).await;
    let err = result.unwrap_err();
    assert!(matches!(err, Error::BadResponse(_)), "{err:?}");
    assert_eq!(err.kind(), ErrorKind::Provider);
}

#[tokio::test(flavor = "multi_thread")]
async fn exp_nbf_and_iat_at_the_edges_of_the_leeway() {
    // The leeway is 60 s; five seconds either side of its edge leaves room for the test's
    // own running time.
    let cases: Vec<(&str, Edit, Option<TokenError>)> = vec![
        ("exp 55 s ago", |c| c["exp"] = json!(now() - 55), None),
        (
            "exp 65 s ago",
            |c| c["exp"] = json!(now() - 65),
            Some(TokenError::Expired),
        ),
        ("nbf 55 s ahead", |c| c["nbf"] = json!(now() + 55), None),
        (
            "nbf 65 s ahead",
            |c| c["nbf"] = json!(now() + 65),
            Some(TokenError::NotYetValid),
        ),
        ("iat 55 s ahead", |c| c["iat"] = json!(now() + 55), None),
        (
            "iat 65 s ahead",
            |c| c["iat"] = json!(now() + 65),
            Some(TokenError::IssuedInFuture),
        ),
    ];
    for (name, edit, expected) in cases {
        let run = start(minting(edit), |s| s.min_ttl_secs = Some(0));
        let result = run.auth.login().await;
        match (&result, &expected) {
            (Ok(_), None) => {}
            (Err(Error::InvalidToken(e)), Some(expected)) if e == expected => {}
            _ => panic!("{name}: expected {expected:?}, got {result:?}"),
        }
    }
}

/// Signs in, then has the provider answer refreshes with ID tokens edited by `edit`.
async fn refreshed_with(
    edit: impl Fn(&mut Value) + Send + 'static,
) -> (Run, Result<SessionView, Error>) {
    let run = start(Script::default(), |_| {});
    run.auth.login().await.expect("sign-in");
    run.hostile.edit(move |script| {
        script.mint = Box::new(move |issue| {
            let mut claims = claims(issue);
            if issue.refresh {
                edit(&mut claims);
            }
            Some(sign(&claims, Some("key1"), KEY1))
        });
    });
    let renewed = run.auth.renew().await;
    (run, renewed)
}

/// OIDC Core 12.2: a refresh answer may leave the ID token out. Eight-second tokens with a
/// two-second minimum lifetime; every refresh answered without an ID token, with a rotated
/// refresh token, and reuse of an older one refused (invalid_grant).
#[tokio::test(flavor = "multi_thread")]
async fn a_refresh_answer_without_an_id_token_keeps_the_session_on_the_rotated_token() {
    const TTL: i64 = 8;
    let script = Script {
        mint: Box::new(|issue| {
            let mut claims = claims(issue);
            claims["exp"] = json!(now() + TTL);
            (!issue.refresh).then(|| sign(&claims, Some("key1"), KEY1))
        }),
        expires_in: TTL as u64,
        strict_rotation: true,
        ..Script::default()
    };
    let run = start(script, |s| s.min_ttl_secs = Some(2));
    let first = run.auth.login().await.expect("sign-in");
    let first_access = run.auth.access_token().await.unwrap();
    let watcher = run.auth.watch_lifetime();
    tokio::time::sleep(Duration::from_secs(3 * TTL as u64)).await;
    watcher.abort();

    assert!(
        run.auth.logged_in(),
        "still signed in after three lifetimes"
    );
    let seen = &run.hostile.seen;
    assert!(
        Seen::count(&seen.refreshes) >= 3,
        "renewed each lifetime: {}",
        Seen::count(&seen.refreshes)
    );
    assert_eq!(
        Seen::count(&seen.stale_refreshes),
        0,
        "every refresh used the newest refresh token"
    );
    let now = run.auth.session().session().cloned().expect("a session");
    assert!(
        now.expires_at > first.expires_at + TTL,
        "the session moved on"
    );
    assert_eq!(now.display_name, first.display_name, "its claims are kept");
    assert_ne!(
        run.auth.access_token().await.unwrap(),
        first_access,
        "the refreshed access token"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refreshed_token_for_another_iss_sub_or_aud_ends_the_session() {
    let edits: Vec<(&str, Edit)> = vec![
        ("iss", |c| c["iss"] = json!("https://evil.example/")),
        ("sub", |c| c["sub"] = json!("someone-else")),
        ("aud", |c| c["aud"] = json!("another-client")),
        ("auth_time", |c| c["auth_time"] = json!(now() + 1)),
    ];
    for (name, edit) in edits {
        let (run, renewed) = refreshed_with(edit).await;
        assert!(
            matches!(renewed, Err(Error::Expired)),
            "{name}: {renewed:?}"
        );
        assert!(!run.auth.logged_in(), "{name}");
        assert_eq!(
            run.auth.session().reason().unwrap().kind,
            ErrorKind::Expired
        );
    }
    let (_run, renewed) = refreshed_with(|_| {}).await;
    renewed.expect("an honest refresh renews");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refresh_that_returns_the_old_id_token_is_not_repeated_every_second() {
    // A 600 s token with a 540 s minimum lifetime: due for renewal at once (a tenth of its
    // life, 60 s, ahead of the 540), still fresh for a minute, far beyond the test's 3 s.
    let short = |c: &mut Value| c["exp"] = json!(c["iat"].as_i64().unwrap() + 600);
    let run = start(minting(short), |s| s.min_ttl_secs = Some(540));
    let first = run.auth.login().await.expect("sign-in");
    let old = std::sync::Mutex::new(None::<String>);
    run.hostile.edit(move |script| {
        script.mint = Box::new(move |issue| {
            let mut old = old.lock().unwrap();
            let token = old.get_or_insert_with(|| {
                let mut claims = claims(issue);
                claims["exp"] = json!(first.expires_at);
                sign(&claims, Some("key1"), KEY1)
            });
            Some(token.clone())
        });
    });
    let watcher = run.auth.watch_lifetime();
    tokio::time::sleep(Duration::from_secs(3)).await;
    watcher.abort();
    assert_eq!(
        Seen::count(&run.hostile.seen.refreshes),
        1,
        "one refresh, then the session runs to its end"
    );
    assert!(run.auth.logged_in(), "still signed in until it expires");
    assert!(!run.auth.session().session().unwrap().can_renew);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_discovery_document_that_redirects_is_not_followed() {
    let script = Script {
        discovery_redirects: true,
        ..Script::default()
    };
    let (run, result) = sign_in(script).await;
    let err = result.unwrap_err();
    assert!(
        matches!(err, Error::HttpStatus { status: 302, .. }),
        "{err:?}"
    );
    assert_eq!(Seen::count(&run.hostile.seen.redirected_discovery), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_flood_of_unknown_kids_fetches_the_keys_once_more_only() {
    let run = start(
        serving(|issue| {
            let kid = format!("unknown-{}", issue.nonce.as_deref().unwrap_or_default());
            sign(&claims(issue), Some(&kid), KEY1)
        }),
        |_| {},
    );
    for _ in 0..5 {
        let result = run.auth.login().await;
        assert!(
            matches!(result, Err(Error::SigningKeys(KeyError::Unknown))),
            "{result:?}"
        );
    }
    assert_eq!(
        Seen::count(&run.hostile.seen.jwks),
        2,
        "the first fetch and one refetch"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_push_falls_back_to_the_plain_request_once_advertised_not_required() {
    let script = Script {
        par: Par::Refused,
        ..Script::default()
    };
    let run = start(script, |_| {});
    run.auth.login().await.expect("the plain request works");
    run.auth.login().await.expect("again");
    let seen = &run.hostile.seen;
    assert_eq!(Seen::count(&seen.pushed), 1, "the refusal is remembered");
    assert_eq!(Seen::count(&seen.authorize), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_required_push_that_is_refused_fails_the_sign_in() {
    let script = Script {
        par: Par::Refused,
        require_par: true,
        ..Script::default()
    };
    let (run, result) = sign_in(script).await;
    assert!(matches!(result, Err(Error::Refused { .. })), "{result:?}");
    assert_eq!(Seen::count(&run.hostile.seen.authorize), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pushed_request_carries_every_parameter() {
    let script = Script {
        par: Par::On,
        ..Script::default()
    };
    let (run, result) = sign_in(script).await;
    result.expect("sign-in through a pushed request");
    assert_eq!(Seen::count(&run.hostile.seen.pushed), 1);
    let request = run.hostile.seen.last_request.lock().unwrap().clone();
    for name in [
        "response_type",
        "client_id",
        "redirect_uri",
        "scope",
        "state",
        "nonce",
        "code_challenge",
        "code_challenge_method",
    ] {
        assert!(request.contains_key(name), "{name} was not pushed");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_callback_without_iss_is_refused_when_the_provider_advertises_it() {
    let script = Script {
        advertise_iss: true,
        send_iss: false,
        ..Script::default()
    };
    let run = start(script, |s| s.login_timeout_secs = Some(3));
    let result = run.auth.login().await;
    assert!(matches!(result, Err(Error::Timeout(3))), "{result:?}");
    assert_eq!(
        Seen::count(&run.hostile.seen.code_exchanges),
        0,
        "the code was never redeemed"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_plain_http_endpoint_off_loopback_is_refused() {
    let script = Script {
        discovery: Box::new(|doc| doc["token_endpoint"] = json!("http://id.example/token")),
        ..Script::default()
    };
    let (run, result) = sign_in(script).await;
    let err = result.unwrap_err();
    assert!(matches!(err, Error::BadResponse(_)), "{err:?}");
    assert!(err.to_string().contains("does not use https"), "{err}");
    assert_eq!(Seen::count(&run.hostile.seen.authorize), 0);
}

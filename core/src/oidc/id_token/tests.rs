//! The ID token rules as a table, each case named after the OpenID Connect RP conformance
//! test it mirrors (rp-id_token-*, rp-nonce-*, rp-key-rotation-*) where one exists.
//!
//! The RSA keys in `testdata/` were made for these tests and sign nothing else.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{encode, EncodingKey, Header};
use serde_json::{json, Value};

use super::*;
use crate::oidc::jwks::KeySource;

const ISSUER: &str = "https://id.example/";
const CLIENT: &str = "client-1";
const NONCE: &str = "n-0S6_WzA2Mj";
const NOW: i64 = 1_800_000_000;

const KEY1: &str = include_str!("testdata/key1.pem");
const KEY2: &str = include_str!("testdata/key2.pem");
const PUB1: &str = include_str!("testdata/key1.pub.pem");

fn jwk(name: &str) -> Jwk {
    let text = match name {
        "key1" => include_str!("testdata/key1.jwk.json"),
        _ => include_str!("testdata/key2.jwk.json"),
    };
    serde_json::from_str(text).unwrap()
}

/// Serves a sequence of key sets, one per fetch; the last repeats.
#[derive(Clone)]
struct Keys {
    sets: Arc<Vec<Vec<Jwk>>>,
    fetches: Arc<AtomicUsize>,
}

impl Keys {
    fn new(sets: Vec<Vec<Jwk>>) -> Self {
        Self {
            sets: Arc::new(sets),
            fetches: Arc::new(AtomicUsize::new(0)),
        }
    }
}

impl KeySource for Keys {
    async fn fetch(&self) -> crate::Result<Vec<Jwk>> {
        let n = self.fetches.fetch_add(1, Ordering::SeqCst);
        Ok(self.sets[n.min(self.sets.len() - 1)].clone())
    }
}

fn claims() -> Value {
    json!({
        "iss": ISSUER, "sub": "user-42", "aud": CLIENT, "exp": NOW + 600, "iat": NOW - 10,
        "nonce": NONCE, "name": "Ada Lovelace", "email": "ada@example.com",
        "picture": "https://img.example/ada.png"
    })
}

fn sign(claims: &Value, kid: Option<&str>, key_pem: &str) -> String {
    let mut header = Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = kid.map(str::to_owned);
    encode(
        &header,
        claims,
        &EncodingKey::from_rsa_pem(key_pem.as_bytes()).unwrap(),
    )
    .unwrap()
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap())
}

fn params() -> ValidationParams<'static> {
    ValidationParams {
        issuer: ISSUER,
        client_id: CLIENT,
        now: NOW,
        leeway: 60,
        nonce: NonceCheck::Equals(NONCE),
        subject: None,
    }
}

async fn check(token: &str, keys: &Keys) -> Result<IdClaims, TokenError> {
    validate_id_token(token, &JwksCache::new(keys.clone()), &params()).await
}

/// A token signed by key1 with claims changed by `edit`.
fn with(edit: impl FnOnce(&mut serde_json::Map<String, Value>)) -> String {
    let mut c = claims();
    edit(c.as_object_mut().unwrap());
    sign(&c, Some("key1"), KEY1)
}

#[tokio::test]
async fn id_token_rules() {
    let hs256_with_public_key = {
        let header = Header::new(jsonwebtoken::Algorithm::HS256);
        encode(
            &header,
            &claims(),
            &EncodingKey::from_secret(PUB1.as_bytes()),
        )
        .unwrap()
    };
    let alg_none = format!("{}.{}.", b64(&json!({"alg": "none"})), b64(&claims()));
    let bad_signature = {
        let good = sign(&claims(), Some("key1"), KEY1);
        let (head, sig) = good.rsplit_once('.').unwrap();
        let mut sig = URL_SAFE_NO_PAD.decode(sig).unwrap();
        sig[10] ^= 0x01;
        format!("{head}.{}", URL_SAFE_NO_PAD.encode(sig))
    };
    let payload_swapped = {
        let good = sign(&claims(), Some("key1"), KEY1);
        let parts: Vec<&str> = good.split('.').collect();
        let mut evil = claims();
        evil["sub"] = json!("admin");
        format!("{}.{}.{}", parts[0], b64(&evil), parts[2])
    };

    let cases: Vec<(&str, String, Result<(), TokenError>)> = vec![
        ("rp-id_token-sig-rs256: valid", with(|_| {}), Ok(())),
        (
            "rp-id_token-sig-none: alg none",
            alg_none,
            Err(TokenError::UnsupportedAlgorithm("none".into())),
        ),
        (
            "rp-id_token-bad-sig-rs256: flipped signature bit",
            bad_signature,
            Err(TokenError::BadSignature),
        ),
        (
            "rp-id_token-bad-sig-rs256: payload swapped",
            payload_swapped,
            Err(TokenError::BadSignature),
        ),
        (
            "hs256 keyed with the public key",
            hs256_with_public_key,
            Err(TokenError::UnsupportedAlgorithm("HS256".into())),
        ),
        (
            "rp-id_token-issuer-mismatch",
            with(|c| {
                c.insert("iss".into(), json!("https://evil.example/"));
            }),
            Err(TokenError::WrongIssuer),
        ),
        (
            "issuer differs only by trailing slash",
            with(|c| {
                c.insert("iss".into(), json!("https://id.example"));
            }),
            Err(TokenError::WrongIssuer),
        ),
        (
            "rp-id_token-aud: wrong audience",
            with(|c| {
                c.insert("aud".into(), json!("someone-else"));
            }),
            Err(TokenError::WrongAudience),
        ),
        (
            "aud array containing the client",
            with(|c| {
                c.insert("aud".into(), json!([CLIENT]));
            }),
            Ok(()),
        ),
        (
            "several audiences without azp",
            with(|c| {
                c.insert("aud".into(), json!([CLIENT, "api"]));
            }),
            Err(TokenError::MissingAzp),
        ),
        (
            "several audiences with azp",
            with(|c| {
                c.insert("aud".into(), json!([CLIENT, "api"]));
                c.insert("azp".into(), json!(CLIENT));
            }),
            Ok(()),
        ),
        (
            "azp naming another client",
            with(|c| {
                c.insert("azp".into(), json!("other"));
            }),
            Err(TokenError::WrongAzp),
        ),
        (
            "expired beyond leeway",
            with(|c| {
                c.insert("exp".into(), json!(NOW - 61));
            }),
            Err(TokenError::Expired),
        ),
        (
            "expired within leeway",
            with(|c| {
                c.insert("exp".into(), json!(NOW - 59));
            }),
            Ok(()),
        ),
        (
            "no exp",
            with(|c| {
                c.remove("exp");
            }),
            Err(TokenError::NoExpiry),
        ),
        (
            "exp as a string",
            with(|c| {
                c.insert("exp".into(), json!((NOW + 600).to_string()));
            }),
            Err(TokenError::Malformed("a date is not a number")),
        ),
        (
            "nbf in the future",
            with(|c| {
                c.insert("nbf".into(), json!(NOW + 120));
            }),
            Err(TokenError::NotYetValid),
        ),
        (
            "nbf within leeway",
            with(|c| {
                c.insert("nbf".into(), json!(NOW + 30));
            }),
            Ok(()),
        ),
        (
            "rp-id_token-iat: missing iat",
            with(|c| {
                c.remove("iat");
            }),
            Err(TokenError::NoIssuedAt),
        ),
        (
            "iat in the future",
            with(|c| {
                c.insert("iat".into(), json!(NOW + 3600));
            }),
            Err(TokenError::IssuedInFuture),
        ),
        (
            "rp-id_token-sub: missing sub",
            with(|c| {
                c.remove("sub");
            }),
            Err(TokenError::NoSubject),
        ),
        (
            "rp-nonce-invalid: nonce mismatch",
            with(|c| {
                c.insert("nonce".into(), json!("other"));
            }),
            Err(TokenError::NonceMismatch),
        ),
        (
            "nonce missing",
            with(|c| {
                c.remove("nonce");
            }),
            Err(TokenError::NonceMissing),
        ),
        (
            "not a JWT",
            "abc.def".into(),
            Err(TokenError::Malformed("not three dot-separated parts")),
        ),
        (
            "header not base64",
            "!!!.e30.sig".into(),
            Err(TokenError::Malformed("header")),
        ),
        (
            "critical header extension",
            {
                let header =
                    b64(&json!({"alg": "RS256", "kid": "key1", "crit": ["exp"], "exp": 1}));
                format!("{header}.{}.sig", b64(&claims()))
            },
            Err(TokenError::Malformed("unsupported critical header")),
        ),
    ];

    let keys = Keys::new(vec![vec![jwk("key1")]]);
    let mut failures = Vec::new();
    for (name, token, expected) in cases {
        let got = check(&token, &keys).await.map(|_| ());
        if got != expected {
            failures.push(format!("{name}: expected {expected:?}, got {got:?}"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[tokio::test]
async fn valid_token_yields_its_claims() {
    let keys = Keys::new(vec![vec![jwk("key1")]]);
    let claims = check(&with(|_| {}), &keys).await.unwrap();
    assert_eq!(claims.subject, "user-42");
    assert_eq!(claims.display_name(), "Ada Lovelace");
    assert_eq!(claims.email.as_deref(), Some("ada@example.com"));
    assert_eq!(
        claims.picture.as_deref(),
        Some("https://img.example/ada.png")
    );
    assert_eq!(claims.expires_at, NOW + 600);
}

#[tokio::test]
async fn rp_id_token_kid_absent_single_jwks_is_accepted() {
    let keys = Keys::new(vec![vec![jwk("key1")]]);
    assert!(check(&sign(&claims(), None, KEY1), &keys).await.is_ok());
}

#[tokio::test]
async fn rp_id_token_kid_absent_multiple_jwks_is_rejected() {
    let keys = Keys::new(vec![vec![jwk("key1"), jwk("key2")]]);
    assert_eq!(
        check(&sign(&claims(), None, KEY1), &keys).await,
        Err(TokenError::AmbiguousKey)
    );
}

#[tokio::test]
async fn unknown_kid_is_rejected_after_exactly_one_refetch() {
    let keys = Keys::new(vec![vec![jwk("key1")]]);
    let cache = JwksCache::new(keys.clone());
    let token = sign(&claims(), Some("key2"), KEY2);
    assert_eq!(
        validate_id_token(&token, &cache, &params()).await,
        Err(TokenError::UnknownKey)
    );
    assert_eq!(
        keys.fetches.load(Ordering::SeqCst),
        2,
        "the first fetch and one refetch"
    );
    // Rate-limited: a second unknown kid right away fetches nothing more.
    assert_eq!(
        validate_id_token(&token, &cache, &params()).await,
        Err(TokenError::UnknownKey)
    );
    assert_eq!(keys.fetches.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn rp_key_rotation_op_sign_key_is_found_on_refetch() {
    let keys = Keys::new(vec![vec![jwk("key1")], vec![jwk("key2")]]);
    let cache = JwksCache::new(keys.clone());
    let first = sign(&claims(), Some("key1"), KEY1);
    assert!(validate_id_token(&first, &cache, &params()).await.is_ok());
    let rotated = sign(&claims(), Some("key2"), KEY2);
    assert!(validate_id_token(&rotated, &cache, &params()).await.is_ok());
    assert_eq!(keys.fetches.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn key_with_another_use_or_alg_is_not_a_candidate() {
    let mut enc = jwk("key1");
    enc.common.public_key_use = Some(jsonwebtoken::jwk::PublicKeyUse::Encryption);
    let keys = Keys::new(vec![vec![enc]]);
    assert_eq!(
        check(&with(|_| {}), &keys).await,
        Err(TokenError::UnknownKey)
    );

    let mut ps = jwk("key1");
    ps.common.key_algorithm = Some(jsonwebtoken::jwk::KeyAlgorithm::PS256);
    let keys = Keys::new(vec![vec![ps]]);
    assert_eq!(
        check(&with(|_| {}), &keys).await,
        Err(TokenError::UnknownKey)
    );
}

#[tokio::test]
async fn refreshed_token_must_keep_subject_and_may_omit_nonce() {
    let keys = Keys::new(vec![vec![jwk("key1")]]);
    let cache = JwksCache::new(keys);
    let refresh = ValidationParams {
        nonce: NonceCheck::SameAsOriginal(Some(NONCE)),
        subject: Some("user-42"),
        ..params()
    };
    let no_nonce = with(|c| {
        c.remove("nonce");
    });
    assert!(validate_id_token(&no_nonce, &cache, &refresh).await.is_ok());
    let other_user = with(|c| {
        c.insert("sub".into(), json!("user-7"));
    });
    assert_eq!(
        validate_id_token(&other_user, &cache, &refresh).await,
        Err(TokenError::SubjectChanged)
    );
    let other_nonce = with(|c| {
        c.insert("nonce".into(), json!("other"));
    });
    assert_eq!(
        validate_id_token(&other_nonce, &cache, &refresh).await,
        Err(TokenError::NonceMismatch)
    );
}

#[test]
fn display_name_falls_back_through_the_profile_claims() {
    let token = with(|c| {
        c.remove("name");
    });
    let claims = IdClaims::read_sealed(&token).unwrap();
    assert_eq!(claims.display_name(), "ada@example.com");
    let token = with(|c| {
        c.remove("name");
        c.remove("email");
    });
    assert_eq!(
        IdClaims::read_sealed(&token).unwrap().display_name(),
        "user-42"
    );
}

#[test]
fn non_https_picture_is_dropped() {
    let token = with(|c| {
        c.insert("picture".into(), json!("http://img.example/a.png"));
    });
    assert_eq!(IdClaims::read_sealed(&token).unwrap().picture, None);
}

#[test]
fn jwks_with_unusable_keys_keeps_the_usable_ones() {
    let raw: crate::oidc::jwks::RawKeySet = serde_json::from_value(json!({"keys": [
        {"kty": "RSA", "use": "enc", "alg": "RSA-OAEP-256", "kid": "e", "n": "AQAB", "e": "AQAB"},
        {"kty": "weird", "kid": "w"},
        serde_json::to_value(jwk("key1")).unwrap(),
    ]}))
    .unwrap();
    let usable = raw.usable();
    assert!(usable
        .iter()
        .any(|k| k.common.key_id.as_deref() == Some("key1")));
    assert!(!usable
        .iter()
        .any(|k| k.common.key_id.as_deref() == Some("w")));
}

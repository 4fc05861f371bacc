//! Key selection and the cache, with cases named after the OpenID Connect RP conformance tests
//! (rp-id_token-kid-absent-*, rp-key-rotation-*) where one exists.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::json;

use super::*;
use crate::oidc::id_token::UnverifiedIdToken;
use crate::oidc::test_tokens::*;

/// Serves a sequence of key sets, one per fetch; the last repeats.
struct Keys {
    sets: Vec<Vec<Jwk>>,
    fetches: AtomicUsize,
    max_age: Option<Duration>,
}

impl Keys {
    fn new(sets: Vec<Vec<Jwk>>) -> Self {
        Self {
            sets,
            fetches: AtomicUsize::new(0),
            max_age: None,
        }
    }

    fn fetches(cache: &JwksCache<Self>) -> usize {
        cache.source.fetches.load(Ordering::SeqCst)
    }
}

impl KeySource for Keys {
    async fn fetch(&self) -> Result<Fetched, RequestError> {
        let n = self.fetches.fetch_add(1, Ordering::SeqCst);
        Ok(Fetched {
            jwks: self.sets[n.min(self.sets.len() - 1)].clone(),
            max_age: self.max_age,
        })
    }
}

/// The key `keys` selects for `token`, then the token validated with it.
fn accepts(keys: &KeySet, token: &str) -> bool {
    let token = UnverifiedIdToken::parse(token).unwrap();
    let key = keys.select(token.kid(), token.alg()).unwrap();
    let expected = Expected::new();
    token.validate(&key, &expected.params()).is_ok()
}

fn header(token: &str) -> (Option<String>, Algorithm) {
    let token = UnverifiedIdToken::parse(token).unwrap();
    (token.kid().map(str::to_owned), token.alg())
}

#[test]
fn rp_id_token_kid_absent_single_jwks_is_accepted() {
    let keys = KeySet::new(&[jwk("key1")]);
    assert!(accepts(&keys, &sign(&claims(), None, KEY1)));
}

#[test]
fn rp_id_token_kid_absent_multiple_jwks_is_rejected() {
    let keys = KeySet::new(&[jwk("key1"), jwk("key2")]);
    let (kid, alg) = header(&sign(&claims(), None, KEY1));
    assert!(matches!(
        keys.select(kid.as_deref(), alg),
        Err(KeyError::Ambiguous)
    ));
}

#[test]
fn rp_id_token_sig_rs256_selects_the_key_named_by_kid() {
    let keys = KeySet::new(&[jwk("key1"), jwk("key2")]);
    assert!(accepts(&keys, &sign(&claims(), Some("key2"), KEY2)));
    assert!(accepts(&keys, &sign(&claims(), Some("key1"), KEY1)));
}

#[tokio::test]
async fn unknown_kid_is_rejected_after_exactly_one_refetch() {
    let cache = JwksCache::new(Keys::new(vec![vec![jwk("key1")]]));
    let (kid, alg) = header(&sign(&claims(), Some("key2"), KEY2));
    assert!(matches!(
        cache.key_for(kid.as_deref(), alg).await,
        Err(KeyError::Unknown)
    ));
    assert_eq!(Keys::fetches(&cache), 2, "the first fetch and one refetch");
    // Rate-limited: a second unknown kid right away fetches nothing more.
    assert!(matches!(
        cache.key_for(kid.as_deref(), alg).await,
        Err(KeyError::Unknown)
    ));
    assert_eq!(Keys::fetches(&cache), 2);
}

#[tokio::test]
async fn rp_key_rotation_op_sign_key_is_found_on_refetch() {
    let cache = JwksCache::new(Keys::new(vec![vec![jwk("key1")], vec![jwk("key2")]]));
    let (kid, alg) = header(&sign(&claims(), Some("key1"), KEY1));
    assert!(cache.key_for(kid.as_deref(), alg).await.is_ok());
    let (kid, alg) = header(&sign(&claims(), Some("key2"), KEY2));
    let rotated = cache.key_for(kid.as_deref(), alg).await.unwrap();
    assert_eq!(rotated.kid(), Some("key2"));
    assert_eq!(Keys::fetches(&cache), 2);
}

#[tokio::test]
async fn a_known_kid_is_served_from_the_cache() {
    let cache = JwksCache::new(Keys::new(vec![vec![jwk("key1")]]));
    for _ in 0..3 {
        assert!(cache.key_for(Some("key1"), Algorithm::RS256).await.is_ok());
    }
    assert_eq!(Keys::fetches(&cache), 1);
}

#[tokio::test]
async fn a_key_set_that_cannot_be_fetched_is_a_fetch_error() {
    struct Down;
    impl KeySource for Down {
        async fn fetch(&self) -> Result<Fetched, RequestError> {
            Err(RequestError::Status {
                url: "https://id.example/jwks".into(),
                status: 503,
            })
        }
    }
    let cache = JwksCache::new(Down);
    match cache.key_for(Some("key1"), Algorithm::RS256).await {
        Err(KeyError::Fetch(e)) => assert!(e.is_transient()),
        other => panic!("{:?}", other.map(|k| k.kid().map(str::to_owned))),
    }
}

#[test]
fn key_with_another_use_or_alg_is_not_a_candidate() {
    let mut enc = jwk("key1");
    enc.key_use = Some("enc".into());
    let keys = KeySet::new(&[enc]);
    assert!(matches!(
        keys.select(Some("key1"), Algorithm::RS256),
        Err(KeyError::Unknown)
    ));

    let mut ps = jwk("key1");
    ps.alg = Some("PS256".into());
    let keys = KeySet::new(&[ps]);
    assert!(matches!(
        keys.select(Some("key1"), Algorithm::RS256),
        Err(KeyError::Unknown)
    ));
    assert!(keys.select(Some("key1"), Algorithm::PS256).is_ok());
}

#[test]
fn jwks_with_unusable_keys_keeps_the_usable_ones() {
    let raw: RawKeySet = serde_json::from_value(json!({"keys": [
        {"kty": "RSA", "use": "enc", "alg": "RSA-OAEP-256", "kid": "e", "n": "AQAB", "e": "AQAB"},
        {"kty": "weird", "kid": "w"},
        serde_json::to_value(jwk("key1")).unwrap(),
    ]}))
    .unwrap();
    let keys = KeySet::new(&raw.into_jwks());
    assert_eq!(keys.len(), 1, "only key1 can verify signatures");
    assert!(keys.select(Some("key1"), Algorithm::RS256).is_ok());
    assert!(keys.select(Some("e"), Algorithm::RS256).is_err());
    assert!(keys.select(Some("w"), Algorithm::RS256).is_err());
}

#[tokio::test(start_paused = true)]
async fn a_withdrawn_key_is_dropped_once_the_keys_are_a_day_old() {
    let cache = JwksCache::new(Keys::new(vec![vec![jwk("key1")], vec![jwk("key2")]]));
    assert!(cache.key_for(Some("key1"), Algorithm::RS256).await.is_ok());
    tokio::time::advance(MAX_AGE_DEFAULT - Duration::from_secs(1)).await;
    assert!(cache.key_for(Some("key1"), Algorithm::RS256).await.is_ok());
    assert_eq!(Keys::fetches(&cache), 1, "still within the day");
    tokio::time::advance(Duration::from_secs(2)).await;
    assert!(matches!(
        cache.key_for(Some("key1"), Algorithm::RS256).await,
        Err(KeyError::Unknown)
    ));
    assert_eq!(
        Keys::fetches(&cache),
        3,
        "fetched again at the day's end, and once more for the kid no longer there"
    );
}

#[tokio::test(start_paused = true)]
async fn cache_control_max_age_is_honoured_within_bounds() {
    for (max_age, lasts) in [
        (Some(Duration::from_secs(600)), Duration::from_secs(600)),
        (Some(Duration::ZERO), MAX_AGE_BOUNDS.0),
        (Some(Duration::from_secs(30 * 24 * 3600)), MAX_AGE_BOUNDS.1),
        (None, MAX_AGE_DEFAULT),
    ] {
        let mut keys = Keys::new(vec![vec![jwk("key1")]]);
        keys.max_age = max_age;
        let cache = JwksCache::new(keys);
        assert!(cache.key_for(Some("key1"), Algorithm::RS256).await.is_ok());
        tokio::time::advance(lasts - Duration::from_secs(1)).await;
        assert!(cache.key_for(Some("key1"), Algorithm::RS256).await.is_ok());
        assert_eq!(Keys::fetches(&cache), 1, "{max_age:?}: cached");
        tokio::time::advance(Duration::from_secs(1)).await;
        assert!(cache.key_for(Some("key1"), Algorithm::RS256).await.is_ok());
        assert_eq!(Keys::fetches(&cache), 2, "{max_age:?}: expired");
    }
}

#[test]
fn keys_of_every_accepted_type_decode_and_broken_ones_do_not() {
    let ec = |crv: &str, len: usize| Jwk {
        kty: "EC".into(),
        crv: Some(crv.into()),
        x: Some(URL_SAFE_NO_PAD.encode(vec![1; len])),
        y: Some(URL_SAFE_NO_PAD.encode(vec![2; len])),
        ..Jwk::default()
    };
    let okp = Jwk {
        kty: "OKP".into(),
        crv: Some("Ed25519".into()),
        x: Some(URL_SAFE_NO_PAD.encode([3; 32])),
        ..Jwk::default()
    };
    assert!(VerificationKey::from_jwk(&jwk("key1")).is_ok());
    assert!(VerificationKey::from_jwk(&ec("P-256", 32)).is_ok());
    assert!(VerificationKey::from_jwk(&ec("P-384", 48)).is_ok());
    assert!(VerificationKey::from_jwk(&okp).is_ok());

    // A coordinate of the wrong length, an unknown curve, RSA without its exponent, and an
    // `alg` that does not fit the key's type.
    assert!(VerificationKey::from_jwk(&ec("P-256", 31)).is_err());
    assert!(VerificationKey::from_jwk(&ec("P-521", 66)).is_err());
    let mut no_e = jwk("key1");
    no_e.e = None;
    assert!(VerificationKey::from_jwk(&no_e).is_err());
    let mut misfit = jwk("key1");
    misfit.alg = Some("ES256".into());
    assert!(VerificationKey::from_jwk(&misfit).is_err());
    let mut hmac = jwk("key1");
    hmac.alg = Some("HS256".into());
    assert!(VerificationKey::from_jwk(&hmac).is_err());
}

#[test]
fn a_key_whose_key_ops_leave_out_verify_is_not_a_candidate_rfc7517_4_3() {
    let mut encrypting = jwk("key1");
    encrypting.key_ops = Some(vec!["encrypt".into(), "wrapKey".into()]);
    assert_eq!(
        VerificationKey::from_jwk(&encrypting).err(),
        Some(Unusable::NotForSignatures)
    );
    let mut verifying = jwk("key1");
    verifying.key_ops = Some(vec!["verify".into()]);
    assert!(VerificationKey::from_jwk(&verifying).is_ok());
    assert!(matches!(
        KeySet::new(&[encrypting]).select(Some("key1"), Algorithm::RS256),
        Err(KeyError::Unknown)
    ));
}

#[test]
fn an_rsa_n_or_e_with_a_leading_zero_octet_is_a_key_error_rfc7518_6_3_1_1() {
    for member in ["n", "e"] {
        let mut padded = jwk("key1");
        let field = if member == "n" {
            &mut padded.n
        } else {
            &mut padded.e
        };
        let mut bytes = URL_SAFE_NO_PAD.decode(field.as_deref().unwrap()).unwrap();
        bytes.insert(0, 0);
        *field = Some(URL_SAFE_NO_PAD.encode(bytes));
        assert_eq!(
            VerificationKey::from_jwk(&padded).err(),
            Some(Unusable::Malformed(
                "an RSA n or e with a leading zero octet"
            )),
            "{member}"
        );
        let keys = KeySet::new(&[padded]);
        let err = keys.select(Some("key1"), Algorithm::RS256).unwrap_err();
        assert!(matches!(err, KeyError::Malformed(_)), "{member}: {err:?}");
        assert_eq!(
            err.to_string(),
            "the provider's signing key for it is malformed (an RSA n or e with a leading zero \
             octet)"
        );
        // Without a kid too: the only signature key is broken.
        assert!(matches!(
            keys.select(None, Algorithm::RS256),
            Err(KeyError::Malformed(_))
        ));
    }
}

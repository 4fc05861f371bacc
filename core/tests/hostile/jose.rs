//! Strict JOSE against the hostile provider: a JWK is a verification key only when its `use`
//! and `key_ops` say so (RFC 7517 §4.2, §4.3); a header is an object (RFC 7515 §4) whose `crit`,
//! if present, is a non-empty list this app understands (§4.1.11); the token's `alg` is one the
//! provider lists for ID tokens (RFC 8725 §3.1); an RSA `n` or `e` is given in its minimal octets
//! (RFC 7518 §6.3.1.1).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use super::*;

/// A script whose key set is key1 with `edit` made to it.
fn keys_edited(edit: impl FnOnce(&mut Value)) -> Script {
    let mut key = jwk("key1");
    edit(&mut key);
    Script {
        jwks: vec![json!({ "keys": [key] })],
        ..Script::default()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_jwk_whose_key_ops_leave_out_verify_verifies_nothing() {
    let (_run, result) = sign_in(keys_edited(|key| {
        key["key_ops"] = json!(["encrypt", "wrapKey"]);
    }))
    .await;
    assert!(
        matches!(result, Err(Error::SigningKeys(KeyError::Unknown))),
        "{result:?}"
    );
    let (_run, result) = sign_in(keys_edited(|key| key["key_ops"] = json!(["verify"]))).await;
    result.expect("a key for verifying verifies");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_header_that_is_a_json_array_is_refused() {
    let (_run, result) = sign_in(serving(|issue| {
        format!(
            "{}.{}.c2ln",
            b64(&json!(["RS256", "key1"])),
            b64(&claims(issue))
        )
    }))
    .await;
    assert_invalid(result, TokenError::Malformed("header"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_crit_that_is_null_or_empty_is_refused() {
    for (crit, why) in [
        (Value::Null, "a crit header that is not a list of names"),
        (json!([]), "an empty crit header"),
        (json!("exp"), "a crit header that is not a list of names"),
    ] {
        let (_run, result) = sign_in(serving(move |issue| {
            // Signed for real: only the header's crit is wrong.
            let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
            header.kid = Some("key1".into());
            let body = format!(
                "{}.{}",
                b64(&json!({"alg": "RS256", "kid": "key1", "crit": crit.clone()})),
                b64(&claims(issue))
            );
            let key = jsonwebtoken::EncodingKey::from_rsa_pem(KEY1.as_bytes()).unwrap();
            let signature = jsonwebtoken::crypto::sign(body.as_bytes(), &key, header.alg).unwrap();
            format!("{body}.{signature}")
        }))
        .await;
        assert_invalid(result, TokenError::Malformed(why));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_algorithm_the_provider_does_not_list_for_id_tokens_is_refused() {
    let (_run, result) = sign_in(Script {
        discovery: Box::new(|doc| {
            doc["id_token_signing_alg_values_supported"] = json!(["ES256"]);
        }),
        ..Script::default()
    })
    .await;
    assert_invalid(result, TokenError::AlgorithmNotAdvertised("RS256".into()));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_rsa_key_with_a_leading_zero_octet_is_a_key_error_not_a_bad_signature() {
    for member in ["n", "e"] {
        let (_run, result) = sign_in(keys_edited(|key| {
            let value = key[member].as_str().unwrap();
            let mut bytes = URL_SAFE_NO_PAD.decode(value).unwrap();
            bytes.insert(0, 0);
            key[member] = json!(URL_SAFE_NO_PAD.encode(bytes));
        }))
        .await;
        match result {
            Err(e @ Error::SigningKeys(KeyError::Malformed(_))) => assert_eq!(
                e.to_string(),
                "The identity provider sent an ID token that is not valid: the provider's \
                 signing key for it is malformed (an RSA n or e with a leading zero octet)."
            ),
            other => panic!("{member}: {other:?}"),
        }
    }
}

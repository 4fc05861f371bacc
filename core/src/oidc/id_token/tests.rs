//! The ID token rules as a table, each case named after the OpenID Connect RP conformance
//! test it mirrors (rp-id_token-*, rp-nonce-*) where one exists. Validation is pure: no
//! runtime, no network.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{encode, EncodingKey, Header};
use serde_json::json;

use super::*;
use crate::oidc::jwks::KeySet;
use crate::oidc::test_tokens::*;

/// Reads, finds key1 for, and validates `token` with `params`.
fn check_with(token: &str, params: &ValidationParams<'_>) -> Result<IdClaims, TokenError> {
    let token = UnverifiedIdToken::parse(token)?;
    let keys = KeySet::new(&[jwk("key1")]);
    let key = keys
        .select(token.kid(), token.alg())
        .expect("key1 verifies every table token");
    token.validate(&key, params)
}

fn check(token: &str) -> Result<IdClaims, TokenError> {
    check_with(token, &Expected::new().params())
}

#[test]
fn id_token_rules() {
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
            "rp-id_token-aud: several audiences with azp, one not trusted",
            with(|c| {
                c.insert("aud".into(), json!([CLIENT, "api"]));
                c.insert("azp".into(), json!(CLIENT));
            }),
            Err(TokenError::UntrustedAudience),
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
        (
            "a header that is a JSON array (RFC 7515 §4)",
            format!("{}.{}.sig", b64(&json!(["RS256", "key1"])), b64(&claims())),
            Err(TokenError::Malformed("header")),
        ),
        (
            "crit null (RFC 7515 §4.1.11)",
            {
                let header = b64(&json!({"alg": "RS256", "kid": "key1", "crit": null}));
                format!("{header}.{}.sig", b64(&claims()))
            },
            Err(TokenError::Malformed(
                "a crit header that is not a list of names",
            )),
        ),
        (
            "crit empty (RFC 7515 §4.1.11: MUST NOT be empty)",
            {
                let header = b64(&json!({"alg": "RS256", "kid": "key1", "crit": []}));
                format!("{header}.{}.sig", b64(&claims()))
            },
            Err(TokenError::Malformed("an empty crit header")),
        ),
    ];

    let mut failures = Vec::new();
    for (name, token, expected) in cases {
        let got = check(&token).map(|_| ());
        if got != expected {
            failures.push(format!("{name}: expected {expected:?}, got {got:?}"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn valid_token_yields_its_claims() {
    let claims = check(&with(|_| {})).unwrap();
    assert_eq!(claims.subject, "user-42");
    assert_eq!(claims.display_name(), "Ada Lovelace");
    assert_eq!(claims.email.as_deref(), Some("ada@example.com"));
    assert_eq!(
        claims.picture.as_deref(),
        Some("https://img.example/ada.png")
    );
    assert_eq!(claims.expires_at, NOW + 600);
}

#[test]
fn the_configured_audience_is_trusted_beside_the_client() {
    let expected = Expected::new();
    let with_api = ValidationParams {
        audience: Some("api"),
        ..expected.params()
    };
    let two = with(|c| {
        c.insert("aud".into(), json!([CLIENT, "api"]));
        c.insert("azp".into(), json!(CLIENT));
    });
    assert!(check_with(&two, &with_api).is_ok());
    let three = with(|c| {
        c.insert("aud".into(), json!([CLIENT, "api", "other"]));
        c.insert("azp".into(), json!(CLIENT));
    });
    assert_eq!(
        check_with(&three, &with_api),
        Err(TokenError::UntrustedAudience)
    );
    // The API audience alone is not the client.
    let api_only = with(|c| {
        c.insert("aud".into(), json!("api"));
    });
    assert_eq!(
        check_with(&api_only, &with_api),
        Err(TokenError::WrongAudience)
    );
}

/// The claims of the session a refresh renews: the table's token, as signed in.
fn previous() -> IdClaims {
    check(&with(|c| {
        c.insert("auth_time".into(), json!(NOW - 100));
    }))
    .unwrap()
}

#[test]
fn refreshed_token_must_keep_subject_and_may_omit_nonce() {
    let expected = Expected::new();
    let previous = previous();
    let refresh = ValidationParams {
        origin: Origin::Refresh {
            previous: &previous,
        },
        ..expected.params()
    };
    let no_nonce = with(|c| {
        c.remove("nonce");
    });
    assert!(check_with(&no_nonce, &refresh).is_ok());
    let other_user = with(|c| {
        c.insert("sub".into(), json!("user-7"));
    });
    assert_eq!(
        check_with(&other_user, &refresh),
        Err(TokenError::SubjectChanged)
    );
    let other_nonce = with(|c| {
        c.insert("nonce".into(), json!("other"));
    });
    assert_eq!(
        check_with(&other_nonce, &refresh),
        Err(TokenError::NonceMismatch)
    );
}

#[test]
fn refreshed_token_keeps_aud_and_auth_time_and_is_not_older_oidc_core_12_2() {
    let expected = Expected::new();
    let previous = previous();
    let refresh = ValidationParams {
        origin: Origin::Refresh {
            previous: &previous,
        },
        ..expected.params()
    };
    let cases: Vec<(&str, String, Result<(), TokenError>)> = vec![
        (
            "newer iat, same auth_time",
            with(|c| {
                c.insert("iat".into(), json!(NOW));
                c.insert("auth_time".into(), json!(NOW - 100));
            }),
            Ok(()),
        ),
        (
            "the same token again",
            with(|c| {
                c.insert("auth_time".into(), json!(NOW - 100));
            }),
            Ok(()),
        ),
        (
            "auth_time left out",
            with(|c| {
                c.insert("iat".into(), json!(NOW));
            }),
            Ok(()),
        ),
        (
            "another audience beside the client",
            with(|c| {
                c.insert("aud".into(), json!([CLIENT, "api"]));
                c.insert("azp".into(), json!(CLIENT));
            }),
            Err(TokenError::UntrustedAudience),
        ),
        (
            "iat older than the session's",
            with(|c| {
                c.insert("iat".into(), json!(NOW - 11));
            }),
            Err(TokenError::OlderThanSession),
        ),
        (
            "a new authentication time",
            with(|c| {
                c.insert("iat".into(), json!(NOW));
                c.insert("auth_time".into(), json!(NOW));
            }),
            Err(TokenError::AuthTimeChanged),
        ),
        (
            "another issuer",
            with(|c| {
                c.insert("iss".into(), json!("https://evil.example/"));
            }),
            Err(TokenError::WrongIssuer),
        ),
    ];
    let mut failures = Vec::new();
    for (name, token, expected) in cases {
        let got = check_with(&token, &refresh).map(|_| ());
        if got != expected {
            failures.push(format!("{name}: expected {expected:?}, got {got:?}"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));

    // The audience list must be the same, not only trusted.
    let with_api = ValidationParams {
        audience: Some("api"),
        ..refresh
    };
    let more = with(|c| {
        c.insert("aud".into(), json!([CLIENT, "api"]));
        c.insert("azp".into(), json!(CLIENT));
    });
    assert_eq!(
        check_with(&more, &with_api),
        Err(TokenError::AudienceChanged)
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
fn an_algorithm_the_provider_does_not_list_is_refused_rfc8725_3_1() {
    let expected = Expected::new();
    let token = with(|_| {});
    let es256_only = ["ES256".to_owned()];
    let params = ValidationParams {
        advertised_algorithms: Some(&es256_only),
        ..expected.params()
    };
    assert_eq!(
        check_with(&token, &params).unwrap_err(),
        TokenError::AlgorithmNotAdvertised("RS256".into())
    );
    let listed = ["ES256".to_owned(), "RS256".to_owned()];
    let params = ValidationParams {
        advertised_algorithms: Some(&listed),
        ..expected.params()
    };
    assert!(check_with(&token, &params).is_ok());
}

#[test]
fn an_unknown_algorithm_is_not_repeated_in_the_message() {
    let header = b64(&json!({"alg": "SECRET-VALUE-42", "kid": "key1"}));
    let err = check(&format!("{header}.{}.sig", b64(&claims()))).unwrap_err();
    assert_eq!(
        err,
        TokenError::UnsupportedAlgorithm("SECRET-VALUE-42".into())
    );
    assert_eq!(
        err.to_string(),
        "it is signed with an unknown algorithm, which is not accepted"
    );
    assert!(TokenError::UnsupportedAlgorithm("none".into())
        .to_string()
        .contains("none"));
}

/// OIDC Core 3.1.2.1: "When max_age is used, the ID Token returned MUST include an auth_time
/// Claim Value"; 3.1.3.7 step 13: an authentication older than max_age is not accepted.
#[test]
fn with_max_age_auth_time_is_required_and_no_older_oidc_core_3_1_2_1() {
    let expected = Expected::new();
    let params = |max_age| ValidationParams {
        origin: Origin::SignIn {
            nonce: &expected.nonce,
            max_age,
        },
        ..expected.params()
    };
    let hour = Some(3600);
    let at = |auth_time: i64| with(|c| drop(c.insert("auth_time".into(), json!(auth_time))));
    let cases = [
        ("within the limit", at(NOW - 600), hour, Ok(Some(NOW - 600))),
        (
            "at the limit, within the leeway",
            at(NOW - 3660),
            hour,
            Ok(Some(NOW - 3660)),
        ),
        (
            "no auth_time",
            with(|_| {}),
            hour,
            Err(TokenError::NoAuthTime),
        ),
        (
            "older than the limit",
            at(NOW - 3661),
            hour,
            Err(TokenError::AuthenticationTooOld),
        ),
        ("no limit sent, no auth_time", with(|_| {}), None, Ok(None)),
        (
            "no limit sent, an old one",
            at(NOW - 86_400),
            None,
            Ok(Some(NOW - 86_400)),
        ),
        // It would put the session's time limit out of reach.
        (
            "in the future",
            at(NOW + 61),
            hour,
            Err(TokenError::AuthTimeInFuture),
        ),
        (
            "in the future, no limit",
            at(NOW + 61),
            None,
            Err(TokenError::AuthTimeInFuture),
        ),
        (
            "not a number",
            with(|c| drop(c.insert("auth_time".into(), json!("yesterday")))),
            hour,
            Err(TokenError::Malformed("a date is not a number")),
        ),
    ];
    for (case, token, max_age, want) in cases {
        let got = check_with(&token, &params(max_age)).map(|claims| claims.auth_time);
        assert_eq!(got, want, "{case}");
    }
}

/// Microsoft Entra ID's multi-tenant authorities (`common`, `organizations`) name their issuer
/// `…/{tenantid}/v2.0`; OIDC Core 3.1.3.7 step 2 then holds for the template filled with the
/// token's own `tid`, and for nothing else: another tenant's `iss`, a missing `tid`, or the
/// template itself is another issuer.
#[test]
fn a_template_issuer_takes_the_issuer_of_the_tokens_own_tenant_and_no_other() {
    const T1: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    const T2: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";
    let template = IssuerUrl::new("https://login.microsoftonline.com/{tenantid}/v2.0");
    let expected = Expected::new();
    let params = ValidationParams {
        issuer: &template,
        ..expected.params()
    };
    let of = |iss: &str, tid: Option<&str>| {
        let (iss, tid) = (iss.to_owned(), tid.map(str::to_owned));
        with(move |c| {
            c.insert("iss".into(), json!(iss));
            if let Some(tid) = tid {
                c.insert("tid".into(), json!(tid));
            }
        })
    };
    let t1 = format!("https://login.microsoftonline.com/{T1}/v2.0");
    let claims = check_with(&of(&t1, Some(T1)), &params).expect("the tenant's own issuer");
    assert_eq!(claims.tenant.as_deref(), Some(T1));

    for (case, token) in [
        ("another tenant's issuer", of(&t1, Some(T2))),
        ("no tid", of(&t1, None)),
        (
            "the template itself",
            of(
                "https://login.microsoftonline.com/{tenantid}/v2.0",
                Some("{tenantid}"),
            ),
        ),
        (
            "an empty tenant",
            of("https://login.microsoftonline.com//v2.0", Some("")),
        ),
        (
            "a tenant with a path in it",
            of(&t1, Some(&format!("{T1}/x"))),
        ),
    ] {
        assert_eq!(
            check_with(&token, &params).unwrap_err(),
            TokenError::WrongIssuer,
            "{case}"
        );
    }
    // An exact issuer is compared as it is, whatever `tid` says.
    let exact = check(&with(|c| {
        c.insert("tid".into(), json!(T2));
    }))
    .expect("tid plays no part with an exact issuer");
    assert_eq!(exact.tenant.as_deref(), Some(T2));
}

/// `allowedTenants`: with a template issuer, only the listed tenants sign in; an empty list
/// lets any tenant in (the documented default).
#[test]
fn allowed_tenants_keep_out_every_other_tenant() {
    const T1: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    const T2: &str = "0b8a2f0e-0000-4000-8000-000000000002";
    let template = IssuerUrl::new("https://login.microsoftonline.com/{tenantid}/v2.0");
    let allowed = [T1.to_owned()];
    let expected = Expected::new();
    let params = ValidationParams {
        issuer: &template,
        allowed_tenants: &allowed,
        ..expected.params()
    };
    let from = |tenant: &'static str| {
        with(move |c| {
            let iss = format!("https://login.microsoftonline.com/{tenant}/v2.0");
            c.insert("iss".into(), json!(iss));
            c.insert("tid".into(), json!(tenant));
        })
    };
    assert!(check_with(&from(T1), &params).is_ok());
    assert_eq!(
        check_with(&from(T2), &params).unwrap_err(),
        TokenError::TenantNotAllowed
    );
    let any = ValidationParams {
        allowed_tenants: &[],
        ..params
    };
    assert!(check_with(&from(T2), &any).is_ok());
}

/// OIDC Core 12.2 asks a refreshed ID token for `iss`, `sub`, `aud`, `iat` and little else;
/// Google's leaves `name` and `picture` out. The person keeps the name and picture they signed
/// in with; what the new token does say wins.
#[test]
fn a_refreshed_id_token_without_name_or_picture_keeps_the_sign_ins() {
    let signed_in = check(&with(|_| {})).unwrap().profile();
    let mut refreshed = check(&with(|c| {
        c.remove("name");
        c.remove("picture");
        c.insert("email".into(), json!("ada@new.example"));
    }))
    .unwrap();
    assert_eq!(refreshed.name, None);
    refreshed.keep_profile(&signed_in);
    assert_eq!(refreshed.name.as_deref(), Some("Ada Lovelace"));
    assert_eq!(
        refreshed.picture.as_deref(),
        Some("https://img.example/ada.png")
    );
    assert_eq!(refreshed.email.as_deref(), Some("ada@new.example"));
}

/// Google documents `iss` as `https://accounts.google.com` or, legacy, `accounts.google.com`:
/// both name its issuer. The bare form names no other issuer, and no other issuer's bare host
/// is taken.
#[test]
fn googles_legacy_issuer_spelling_is_its_issuer_and_no_one_elses() {
    let google = IssuerUrl::new("https://accounts.google.com");
    let expected = Expected::new();
    let params = ValidationParams {
        issuer: &google,
        ..expected.params()
    };
    let from = |iss: &'static str| {
        with(move |c| {
            c.insert("iss".into(), json!(iss));
        })
    };
    assert!(check_with(&from("https://accounts.google.com"), &params).is_ok());
    assert!(check_with(&from("accounts.google.com"), &params).is_ok());
    assert_eq!(
        check_with(&from("accounts.google.com.evil.example"), &params).unwrap_err(),
        TokenError::WrongIssuer
    );
    // Another issuer's bare host is another issuer.
    assert_eq!(
        check(&from("id.example/")).unwrap_err(),
        TokenError::WrongIssuer
    );
}

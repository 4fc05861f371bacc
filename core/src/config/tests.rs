use super::*;

fn required() -> Settings {
    Settings {
        issuer: Some("https://id.example/".into()),
        client_id: Some("c".into()),
        ..Settings::default()
    }
}

fn with(edit: impl FnOnce(&mut Settings)) -> Result<Config, ConfigError> {
    let mut settings = required();
    edit(&mut settings);
    Config::from_settings(settings)
}

#[test]
fn missing_issuer_and_client_id_name_both_settings() {
    let err = Config::from_settings(Settings::default()).unwrap_err();
    assert_eq!(
        err,
        ConfigError::Missing(vec![Setting::Issuer, Setting::ClientId])
    );
    assert_eq!(err.to_string(), "issuer and clientId are not set");
    let only_client = Config::from_settings(Settings {
        issuer: Some("https://id.example/".into()),
        ..Settings::default()
    })
    .unwrap_err();
    assert_eq!(only_client.to_string(), "clientId is not set");
}

#[test]
fn defaults_apply_when_nothing_else_is_set() {
    let c = Config::from_settings(required()).unwrap();
    assert_eq!(c.scopes, ["openid", "profile", "email", "offline_access"]);
    assert_eq!(c.redirect_port, 0);
    assert_eq!(c.browser, None);
    assert_eq!(c.min_ttl, Duration::from_secs(60));
    assert_eq!(c.leeway, Duration::from_secs(60));
    assert_eq!(c.login_timeout, Duration::from_secs(300));
    assert!(!c.end_session);
    assert_eq!(c.product_name, "this app");
}

#[test]
fn the_issuer_wins_over_the_auth0_domain() {
    let c = with(|s| s.auth0_domain = Some("tenant.auth0.com".into())).unwrap();
    assert_eq!(c.issuer, "https://id.example/");
}

#[test]
fn auth0_domain_becomes_an_https_issuer_with_trailing_slash() {
    for domain in ["tenant.eu.auth0.com", "https://tenant.eu.auth0.com/"] {
        let c = Config::from_settings(Settings {
            auth0_domain: Some(domain.into()),
            client_id: Some("a".into()),
            ..Settings::default()
        })
        .unwrap();
        assert_eq!(c.issuer, "https://tenant.eu.auth0.com/");
    }
}

#[test]
fn issuer_is_kept_exactly_as_written() {
    for issuer in [
        "https://id.example",
        "https://id.example/",
        "https://id.example/realms/x",
    ] {
        let c = with(|s| s.issuer = Some(issuer.into())).unwrap();
        assert_eq!(c.issuer, issuer);
    }
}

#[test]
fn plain_http_issuer_is_refused_unless_loopback() {
    let bad = with(|s| s.issuer = Some("http://id.example/".into())).unwrap_err();
    assert_eq!(bad.setting(), Some(Setting::Issuer));
    assert!(
        bad.to_string().starts_with("issuer must use https"),
        "{bad}"
    );
    for ok in [
        "http://127.0.0.1:3000",
        "http://localhost:3000/",
        "http://[::1]:3000",
    ] {
        assert!(with(|s| s.issuer = Some(ok.into()))
            .unwrap()
            .issuer_is_loopback());
    }
}

/// A change to good settings, the setting it spoils, and the sentence that says so.
type Case = (fn(&mut Settings), Setting, &'static str);

#[test]
fn bad_values_are_refused_naming_the_setting() {
    let cases: [Case; 8] = [
        (
            |s| s.issuer = Some("https://id.example/?a=b".into()),
            Setting::Issuer,
            "issuer must not have a query or fragment",
        ),
        (
            |s| s.scopes = Some(vec!["profile".into(), "email".into()]),
            Setting::Scopes,
            "scopes must include openid",
        ),
        (
            |s| s.scopes = Some(vec!["openid".into(), "profile email".into()]),
            Setting::Scopes,
            "scopes must be single words without spaces",
        ),
        (
            |s| s.browser = Some(vec![]),
            Setting::Browser,
            "browser names no program",
        ),
        (
            |s| s.client_id = Some(" ".into()),
            Setting::ClientId,
            "clientId is empty",
        ),
        (
            |s| s.login_timeout_secs = Some(0),
            Setting::LoginTimeout,
            "loginTimeoutSecs must be from 1 to 86400 seconds, not 0",
        ),
        (
            |s| s.max_age_secs = Some(0),
            Setting::MaxAge,
            "maxAgeSecs must be from 1 to 31622400 seconds, not 0",
        ),
        (
            |s| s.auth0_domain = Some("tenant example".into()),
            Setting::Auth0Domain,
            "auth0Domain is not a domain name",
        ),
    ];
    for (edit, setting, sentence) in cases {
        let err = with(edit).unwrap_err();
        assert_eq!(err.setting(), Some(setting));
        assert_eq!(err.to_string(), sentence);
    }
}

#[test]
fn leeway_is_taken_from_0_to_300_seconds_and_no_further() {
    for ok in [0, 300] {
        let c = with(|s| s.leeway_secs = Some(ok)).unwrap();
        assert_eq!(c.leeway, Duration::from_secs(ok));
    }
    for bad in [301, 315_360_000, u64::MAX] {
        let err = with(|s| s.leeway_secs = Some(bad)).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("leewaySecs must be from 0 to 300 seconds, not {bad}")
        );
    }
}

#[test]
fn minimum_lifetime_is_taken_from_0_to_3600_seconds_and_no_further() {
    for ok in [0, 3600] {
        let c = with(|s| s.min_ttl_secs = Some(ok)).unwrap();
        assert_eq!(c.min_ttl, Duration::from_secs(ok));
    }
    for bad in [3601, u64::MAX] {
        let err = with(|s| s.min_ttl_secs = Some(bad)).unwrap_err();
        assert_eq!(err.setting(), Some(Setting::MinTtl));
        assert!(err.to_string().contains("from 0 to 3600 seconds"), "{err}");
    }
}

#[test]
fn settings_are_read_from_their_camel_case_keys_and_nothing_else() {
    let settings: Settings = serde_json::from_str(
        r#"{"issuer": "https://id.example/", "clientId": "c", "scopes": ["openid"],
            "redirectPort": 7890, "leewaySecs": 5, "minTtlSecs": 30, "loginTimeoutSecs": 120,
            "endSession": true, "browser": ["firefox", "--new-tab"], "productName": "Acme",
            "maxAgeSecs": 28800}"#,
    )
    .unwrap();
    let c = Config::from_settings(settings).unwrap();
    assert_eq!(c.redirect_port, 7890);
    assert_eq!(c.browser.unwrap(), ["firefox", "--new-tab"]);
    assert_eq!(c.product_name, "Acme");
    assert!(c.end_session);
    assert_eq!(c.max_age, Some(Duration::from_secs(28_800)));
    let typo = serde_json::from_str::<Settings>(r#"{"leeway": 5}"#).unwrap_err();
    assert!(
        typo.to_string().contains("unknown field `leeway`"),
        "{typo}"
    );
    let wrong_type = serde_json::from_str::<Settings>(r#"{"leewaySecs": "5"}"#);
    assert!(wrong_type.is_err());
}

#[test]
fn overlaid_settings_keep_what_the_top_leaves_out() {
    let base = Settings {
        leeway_secs: Some(5),
        ..required()
    };
    let top = Settings {
        client_id: Some("top".into()),
        leeway_secs: None,
        ..Settings::default()
    };
    let c = Config::from_settings(base.overlaid(top)).unwrap();
    assert_eq!(c.client_id, "top");
    assert_eq!(c.leeway, Duration::from_secs(5));
    assert_eq!(c.issuer, "https://id.example/");
}

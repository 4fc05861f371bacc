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

fn api(url: &str, resource: &str) -> ApiSettings {
    ApiSettings {
        url: url.into(),
        resource: resource.into(),
        scopes: vec!["read".into()],
        probe: None,
        headers: Vec::new(),
    }
}

fn with_apis(
    apis: Vec<ApiSettings>,
    edit: impl FnOnce(&mut Settings),
) -> Result<Config, ConfigError> {
    let mut settings = Settings {
        issuer: Some("https://id.example/".into()),
        client_id: Some("c".into()),
        apis: Some(apis),
        ..Settings::default()
    };
    edit(&mut settings);
    Config::from_settings(settings)
}

#[test]
fn a_call_is_an_apis_only_on_its_origin_and_under_its_path() {
    let config = with_apis(
        vec![api("https://api.example/v1", "https://api.example/")],
        |_| {},
    )
    .unwrap();
    let api = &config.apis[0];
    for (url, covered) in [
        ("https://api.example/v1", true),
        ("https://api.example/v1/", true),
        ("https://api.example/v1/orders?page=2", true),
        ("https://api.example/v10", false),
        ("https://api.example/v2/orders", false),
        ("https://api.example/", false),
        ("http://api.example/v1/orders", false),
        ("https://api.example:8443/v1/orders", false),
        ("https://api.example.evil/v1/orders", false),
        ("https://user:pw@api.example/v1/orders", false),
        // The URL parser resolves dot segments, encoded ones too, before the path is compared.
        ("https://api.example/v1/../admin", false),
        ("https://api.example/v1/%2e%2e/admin", false),
    ] {
        let url = Url::parse(url).unwrap();
        assert_eq!(api.covers(&url), covered, "{url}");
        assert_eq!(config.api_for(&url).is_some(), covered, "{url}");
    }
}

#[test]
fn an_api_is_named_by_its_resource_or_its_url() {
    let config = with_apis(
        vec![
            api("https://a.example/", "https://a.example/"),
            api("http://127.0.0.1:8080/b", "urn:example:b"),
        ],
        |_| {},
    )
    .unwrap();
    assert_eq!(
        config.api("urn:example:b").unwrap().url.as_str(),
        "http://127.0.0.1:8080/b"
    );
    assert_eq!(
        config.api("http://127.0.0.1:8080/b").unwrap().resource,
        "urn:example:b"
    );
    assert!(config.api("https://c.example/").is_none());
}

#[test]
fn a_sign_in_names_every_api_and_asks_for_their_scopes() {
    let mut b = api("https://b.example/", "https://b.example/");
    b.scopes = vec!["read".into(), "write".into()];
    let apis = vec![api("https://a.example/", "https://a.example/"), b];
    let config = with_apis(apis.clone(), |_| {}).unwrap();
    assert_eq!(config.resource_parameter, ResourceParameter::Resource);
    assert_eq!(
        config.request_resources(),
        ["https://a.example/", "https://b.example/"]
    );
    assert_eq!(config.request_audience(), None);
    assert_eq!(
        config.request_scopes(),
        [
            "openid",
            "profile",
            "email",
            "offline_access",
            "read",
            "write"
        ]
    );
    // Auth0 takes one audience per request; the others come with the refresh token.
    let auth0 = with_apis(apis.clone(), |s| {
        s.issuer = None;
        s.auth0_domain = Some("tenant.eu.auth0.com".into());
    })
    .unwrap();
    assert_eq!(auth0.resource_parameter, ResourceParameter::Audience);
    assert_eq!(auth0.request_audience(), Some("https://a.example/"));
    assert!(auth0.request_resources().is_empty());
    let said = with_apis(apis, |s| {
        s.resource_parameter = Some(ResourceParameter::Audience)
    })
    .unwrap();
    assert_eq!(said.resource_parameter, ResourceParameter::Audience);
}

#[test]
fn an_api_that_cannot_be_used_is_refused_naming_its_place_in_the_list() {
    let mut probe = api("https://a.example/", "https://a.example/");
    probe.probe = Some("../admin".into());
    let mut spaced = api("https://a.example/", "https://a.example/");
    spaced.scopes = vec!["read write".into()];
    for (apis, sentence) in [
        (
            vec![api("http://a.example/", "https://a.example/")],
            "apis [0] url must use https (plain http only on 127.0.0.1 or [::1])",
        ),
        (
            vec![api("https://a.example/", "not a uri")],
            "apis [0] resource must be an absolute URI without a fragment",
        ),
        (
            vec![api("https://a.example/", "https://a.example/#x")],
            "apis [0] resource must be an absolute URI without a fragment",
        ),
        (
            vec![api("https://u:p@a.example/", "https://a.example/")],
            "apis [0] url must not hold credentials",
        ),
        (vec![probe], "apis [0] probe must be a path starting with /"),
        (
            vec![spaced],
            "apis [0] scopes must be single words without spaces",
        ),
        (
            vec![
                api("https://a.example/", "https://a.example/"),
                api("https://b.example/", "https://a.example/"),
            ],
            "apis [1] names the resource of an API before it",
        ),
    ] {
        let err = with_apis(apis, |_| {}).unwrap_err();
        assert_eq!(err.setting(), Some(Setting::Apis));
        assert_eq!(err.to_string(), sentence);
    }
}

/// RFC 8252 §8.3: only the literal loopback addresses are surely this machine; `localhost` is
/// whatever the resolver says.
#[test]
fn plain_http_is_taken_for_an_api_on_the_literal_loopback_only() {
    for url in [
        "http://127.0.0.1:8080/v1",
        "http://[::1]:8080/v1",
        "https://localhost/",
    ] {
        assert!(
            with_apis(vec![api(url, "https://a.example/")], |_| {}).is_ok(),
            "{url}"
        );
    }
    for url in [
        "http://localhost:8080/v1",
        "http://LOCALHOST/",
        "http://tauri.localhost/",
    ] {
        let err = with_apis(vec![api(url, "https://a.example/")], |_| {}).unwrap_err();
        assert_eq!(
            err.to_string(),
            "apis [0] url must use https (plain http only on 127.0.0.1 or [::1])",
            "{url}"
        );
    }
}

/// Two APIs whose bases overlap would both cover a call under the inner one, which then went
/// to whichever came first, with its token: a configuration error that names both.
#[test]
fn overlapping_api_bases_are_refused_naming_both() {
    let overlapping = [
        (
            "https://a.example/orders",
            "https://a.example/orders/archive",
        ),
        (
            "https://a.example/orders/archive",
            "https://a.example/orders",
        ),
        ("https://a.example/", "https://a.example/v1"),
        ("https://a.example/v1/", "https://a.example/v1"),
    ];
    for (first, second) in overlapping {
        let apis = vec![api(first, "urn:first"), api(second, "urn:second")];
        let err = with_apis(apis, |_| {}).unwrap_err();
        assert_eq!(err.setting(), Some(Setting::Apis));
        let sentence = err.to_string();
        assert!(
            sentence.starts_with(&format!("apis [1] ({second}) overlaps [0] ({first})")),
            "{sentence}"
        );
    }
    for (first, second) in [
        ("https://a.example/v1", "https://a.example/v10"),
        ("https://a.example/v1", "https://b.example/v1"),
        ("https://a.example/v1", "https://a.example:8443/v1"),
    ] {
        let apis = vec![api(first, "urn:first"), api(second, "urn:second")];
        assert!(with_apis(apis, |_| {}).is_ok(), "{first} {second}");
    }
}

/// An API's own headers are header names, and never the credentials or the connection's.
#[test]
fn an_apis_own_headers_are_never_credentials() {
    let mut traced = api("https://a.example/", "urn:a");
    traced.headers = vec!["X-Trace".into(), "x-tenant".into()];
    let config = with_apis(vec![traced], |_| {}).unwrap();
    assert_eq!(config.apis[0].headers, ["x-trace", "x-tenant"]);
    for (name, problem) in [
        ("Authorization", "is never the page's to set"),
        ("DPoP", "is never the page's to set"),
        ("Cookie", "is never the page's to set"),
        ("Host", "is never the page's to set"),
        ("Proxy-Authorization", "is never the page's to set"),
        ("Sec-Fetch-Site", "is never the page's to set"),
        ("X Bad", "is not a header name"),
    ] {
        let mut listed = api("https://a.example/", "urn:a");
        listed.headers = vec![name.into()];
        let err = with_apis(vec![listed], |_| {}).unwrap_err();
        assert!(err.to_string().contains(problem), "{name}: {err}");
    }
}

#[test]
fn a_probe_is_a_path_under_the_apis_base() {
    let mut a = api("https://a.example/v1/", "https://a.example/");
    a.probe = Some("/health".into());
    let config = with_apis(vec![a], |_| {}).unwrap();
    let probe = config.apis[0].probe_url().unwrap();
    assert_eq!(probe.as_str(), "https://a.example/v1/health");
    assert!(config.apis[0].covers(&probe));
}

/// The defaults `--help` and the README show are the ones the configuration fills in.
#[test]
fn the_defaults_declared_for_help_are_the_ones_config_fills_in() {
    let c = Config::from_settings(required()).unwrap();
    assert_eq!(
        Setting::MinTtl.default_text(),
        c.min_ttl.as_secs().to_string()
    );
    assert_eq!(
        Setting::Leeway.default_text(),
        c.leeway.as_secs().to_string()
    );
    assert_eq!(
        Setting::LoginTimeout.default_text(),
        c.login_timeout.as_secs().to_string()
    );
    assert_eq!(Setting::Scopes.default_text(), c.scopes.join(" "));
    assert_eq!(
        Setting::EndSession.default_text(),
        c.end_session.to_string()
    );
    assert!(Setting::RedirectPort
        .default_text()
        .starts_with(&c.redirect_port.to_string()));
    assert!(Setting::Dpop.default_text().starts_with("auto"));
    assert_eq!(c.dpop, DpopMode::Auto);
}

/// One declaration per setting: its key, variables and file key name it alone.
#[test]
fn every_setting_is_named_once_in_each_place() {
    use std::collections::HashSet;
    let mut keys = HashSet::new();
    let mut variables = HashSet::new();
    let mut file_keys = HashSet::new();
    for &setting in Setting::ALL {
        assert!(keys.insert(setting.key()), "{setting:?}");
        for name in setting.env() {
            assert!(name
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'));
            assert!(variables.insert(*name), "{name}");
        }
        if let Some(file_key) = setting.file_key() {
            assert!(file_keys.insert(file_key), "{file_key}");
            // The file key is the key in snake case.
            let snake: String = setting
                .key()
                .chars()
                .flat_map(|c| {
                    let lower = c.to_ascii_lowercase();
                    (c.is_ascii_uppercase().then_some('_').into_iter()).chain([lower])
                })
                .collect();
            assert_eq!(file_key, snake);
        }
        assert!(!setting.help().is_empty() && !setting.default_text().is_empty());
    }
    assert_eq!(keys.len(), Setting::ALL.len());
}

/// The environment and a file each give a setting by its own name, in its own form, and a
/// value that cannot be read is named in the layer's words.
#[test]
fn the_environment_and_a_file_give_each_setting_by_its_own_name() {
    let env = |pairs: &'static [(&'static str, &'static str)]| {
        move |name: &str| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.to_string())
        }
    };
    let from_env = Settings::from_env(env(&[
        ("GATEHOUSE_ISSUER", " https://id.example/ "),
        ("AUTH0_CLIENT_ID", "from-alias"),
        ("GATEHOUSE_SCOPES", "openid  email"),
        ("GATEHOUSE_BROWSER", "'/opt/my browser/run' --new-tab"),
        ("GATEHOUSE_END_SESSION", "yes"),
        ("GATEHOUSE_DPOP", "off"),
        ("GATEHOUSE_MIN_TTL_SECS", ""),
    ]))
    .unwrap();
    assert_eq!(from_env.issuer.as_deref(), Some("https://id.example/"));
    assert_eq!(from_env.client_id.as_deref(), Some("from-alias"));
    assert_eq!(from_env.scopes.unwrap(), ["openid", "email"]);
    assert_eq!(
        from_env.browser.unwrap(),
        ["/opt/my browser/run", "--new-tab"]
    );
    assert_eq!(from_env.end_session, Some(true));
    assert_eq!(from_env.dpop, Some(DpopMode::Off));
    assert_eq!(from_env.min_ttl_secs, None, "empty counts as not set");
    let bad = Settings::from_env(env(&[("GATEHOUSE_REDIRECT_PORT", "70000")])).unwrap_err();
    assert_eq!(
        bad.to_string(),
        "GATEHOUSE_REDIRECT_PORT must be a whole number, not \"70000\""
    );
    assert_eq!(bad.setting(), Some(Setting::RedirectPort));

    let from_file = Settings::from_file(
        br#"{"client_id": "c", "scopes": "openid profile", "leeway_secs": 5, "dpop": "required"}"#,
    )
    .unwrap();
    assert_eq!(from_file.scopes.unwrap(), ["openid", "profile"]);
    assert_eq!(
        (from_file.leeway_secs, from_file.dpop),
        (Some(5), Some(DpopMode::Required))
    );
    let bad = Settings::from_file(br#"{"leeway_secs": "5"}"#).unwrap_err();
    assert_eq!(
        bad.to_string(),
        "leeway_secs must be a whole number, not \"5\""
    );
    let unknown = Settings::from_file(br#"{"productName": "x"}"#).unwrap_err();
    assert_eq!(unknown.to_string(), "has no setting called \"productName\"");
    assert!(Settings::from_file(b"[1]").is_err());
}

/// A provider preset fills in its defaults beneath the settings given: what the app says
/// always wins.
#[test]
fn a_preset_fills_in_beneath_the_settings_and_explicit_settings_win() {
    let google = with(|s| s.provider = Some(Provider::Google)).unwrap();
    assert_eq!(google.scopes, ["openid", "profile", "email"]);
    assert!(!google.offline_access);
    assert_eq!(google.prompt_after_logout, PromptAfterLogout::SelectAccount);
    assert_eq!(google.redirect_host, RedirectHost::Loopback);

    let explicit = with(|s| {
        s.provider = Some(Provider::Google);
        s.scopes = Some(vec!["openid".into(), "offline_access".into()]);
        s.offline_access = Some(true);
        s.prompt_after_logout = Some(PromptAfterLogout::Login);
    })
    .unwrap();
    assert_eq!(explicit.request_scopes(), ["openid", "offline_access"]);
    assert_eq!(explicit.prompt_after_logout, PromptAfterLogout::Login);

    let entra = with(|s| s.provider = Some(Provider::Entra)).unwrap();
    assert_eq!(entra.redirect_host, RedirectHost::Localhost);
    assert_eq!(entra.resource_parameter, ResourceParameter::Scope);
    assert!(entra
        .request_scopes()
        .contains(&"offline_access".to_owned()));
    let auth0 = with(|s| s.provider = Some(Provider::Auth0)).unwrap();
    assert_eq!(auth0.resource_parameter, ResourceParameter::Audience);
    let none = with(|_| {}).unwrap();
    assert_eq!(
        (none.provider, none.offline_access, none.resource_parameter),
        (None, true, ResourceParameter::Resource)
    );
}

/// Google refuses `offline_access` (`invalid_scope`) and gives installed apps a refresh token
/// without it: with `offlineAccess` off the scope is never asked for, even when listed.
#[test]
fn without_offline_access_the_scope_is_never_asked_for() {
    let config = with(|s| {
        s.scopes = Some(vec![
            "openid".into(),
            "offline_access".into(),
            "email".into(),
        ]);
        s.offline_access = Some(false);
    })
    .unwrap();
    assert_eq!(config.request_scopes(), ["openid", "email"]);
}

/// Only Entra ID's multi-tenant authorities have a tenant segment to fill; a single tenant's
/// issuer, or another provider's path that happens to say `common`, is exact.
#[test]
fn the_tenant_alias_is_read_from_entras_multi_tenant_authorities_only() {
    let alias = |issuer: &str, provider: Option<Provider>| {
        let config = with(|s| {
            s.issuer = Some(issuer.into());
            s.provider = provider;
        })
        .unwrap();
        config.tenant_alias().map(str::to_owned)
    };
    let entra = "https://login.microsoftonline.com";
    for tenant in ["common", "organizations", "consumers"] {
        assert_eq!(
            alias(&format!("{entra}/{tenant}/v2.0"), None).as_deref(),
            Some(tenant)
        );
    }
    let guid = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    assert_eq!(alias(&format!("{entra}/{guid}/v2.0"), None), None);
    assert_eq!(alias("https://id.example/common/v2.0", None), None);
    assert_eq!(
        alias("http://127.0.0.1:4000/common/v2.0", Some(Provider::Entra)).as_deref(),
        Some("common")
    );
}

/// Each new setting is refused with a sentence when it is wrong: naming what it is and why.
#[test]
fn provider_settings_that_cannot_work_are_refused_with_a_sentence() {
    let message = |edit: fn(&mut Settings)| with(edit).unwrap_err().to_string();
    assert_eq!(
        message(|s| s.client_secret = Some(Secret::new(" ".into()))),
        "clientSecret is empty"
    );
    assert_eq!(
        message(|s| {
            s.provider = Some(Provider::Entra);
            s.client_secret = Some(Secret::new("x".into()));
        }),
        "clientSecret must not be set for Entra ID, which refuses a secret from a desktop \
         (public) client"
    );
    assert_eq!(
        message(|s| s.allowed_tenants = Some(vec!["72f988bf".into()])),
        "allowedTenants applies only to an Entra ID multi-tenant issuer (…/common/v2.0, \
         …/organizations/v2.0 or …/consumers/v2.0)"
    );
    assert_eq!(
        message(|s| {
            s.issuer = Some("https://login.microsoftonline.com/common/v2.0".into());
            s.allowed_tenants = Some(vec!["a/b".into()]);
        }),
        "allowedTenants holds \"a/b\", which is not a tenant id"
    );
    assert_eq!(
        message(|s| s.revocation_endpoint = Some("http://id.example/revoke".into())),
        "revocationEndpoint must use https (plain http only on 127.0.0.1 or localhost)"
    );
    assert_eq!(
        message(|s| s.end_session_endpoint = Some("https://id.example/logout#x".into())),
        "endSessionEndpoint must not have a fragment"
    );
    // Cognito's logout page carries its own query (logout_uri).
    let cognito = with(|s| {
        s.end_session_endpoint =
            Some("https://pool.auth.example/logout?logout_uri=https%3A%2F%2Fapp.example%2F".into())
    })
    .unwrap();
    assert!(cognito.endpoints().end_session_endpoint.is_some());
}

/// The settings' endpoints win over discovery; Cognito's revocation is on its pool's domain;
/// Okta's logout, which needs the ID token in its URL, is not opened.
#[test]
fn endpoints_come_from_the_settings_then_from_what_the_provider_is_known_to_do() {
    let cognito = with(|s| s.provider = Some(Provider::Cognito)).unwrap();
    let gaps = cognito.endpoints();
    assert!(gaps.revocation_beside_token_endpoint && !gaps.no_end_session);
    let okta = with(|s| s.provider = Some(Provider::Okta)).unwrap();
    assert!(okta.endpoints().no_end_session);
    let given = with(|s| s.revocation_endpoint = Some("https://id.example/revoke".into())).unwrap();
    assert_eq!(
        given.endpoints().revocation_endpoint.unwrap().as_str(),
        "https://id.example/revoke"
    );
}

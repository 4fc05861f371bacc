use std::collections::HashMap;

use gatehouse_tests::TempDir;

use super::*;

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name| map.get(name).cloned()
}

/// A config file with `json` in it, in a folder removed on drop.
fn file(json: &str) -> ConfigFile {
    let dir = TempDir::new("config");
    let path = dir.path().join("config.json");
    std::fs::write(&path, json).unwrap();
    ConfigFile { _dir: dir, path }
}

struct ConfigFile {
    _dir: TempDir,
    path: std::path::PathBuf,
}

impl ConfigFile {
    fn path(&self) -> &Path {
        &self.path
    }
}

#[test]
fn missing_issuer_and_client_id_name_both_variables() {
    let err = Config::resolve(env(&[]), None).unwrap_err();
    let message = err.to_string();
    assert!(message.contains("GATEHOUSE_ISSUER"), "{message}");
    assert!(message.contains("GATEHOUSE_CLIENT_ID"), "{message}");
    assert_eq!(err.kind(), gatehouse_contract::ErrorKind::Config);
}

#[test]
fn defaults_apply_when_nothing_else_is_set() {
    let c = Config::resolve(
        env(&[
            ("GATEHOUSE_ISSUER", "https://id.example/"),
            ("GATEHOUSE_CLIENT_ID", "c"),
        ]),
        None,
    )
    .unwrap();
    assert_eq!(c.scopes, ["openid", "profile", "email", "offline_access"]);
    assert_eq!(c.redirect_port, 0);
    assert_eq!(c.browser, None);
    assert_eq!(c.min_ttl, Duration::from_secs(60));
    assert_eq!(c.leeway, Duration::from_secs(60));
    assert_eq!(c.login_timeout, Duration::from_secs(300));
    assert!(!c.end_session);
}

#[test]
fn environment_beats_file_beats_default() {
    let f = file(
        r#"{"issuer": "https://file.example/", "client_id": "from-file", "redirect_port": 4000, "scopes": "openid email", "leeway_secs": 5}"#,
    );
    let c = Config::resolve(
        env(&[
            ("GATEHOUSE_CLIENT_ID", "from-env"),
            ("GATEHOUSE_REDIRECT_PORT", "5000"),
        ]),
        Some(f.path()),
    )
    .unwrap();
    assert_eq!(
        c.issuer, "https://file.example/",
        "file fills what the environment leaves"
    );
    assert_eq!(c.client_id, "from-env", "environment beats file");
    assert_eq!(c.redirect_port, 5000);
    assert_eq!(c.scopes, ["openid", "email"]);
    assert_eq!(c.leeway, Duration::from_secs(5));
    assert_eq!(
        c.min_ttl,
        Duration::from_secs(60),
        "default fills what both leave"
    );
}

#[test]
fn gatehouse_variables_beat_auth0_shorthands() {
    let c = Config::resolve(
        env(&[
            ("GATEHOUSE_ISSUER", "https://id.example/"),
            ("AUTH0_DOMAIN", "tenant.auth0.com"),
            ("GATEHOUSE_CLIENT_ID", "g"),
            ("AUTH0_CLIENT_ID", "a"),
        ]),
        None,
    )
    .unwrap();
    assert_eq!(c.issuer, "https://id.example/");
    assert_eq!(c.client_id, "g");
}

#[test]
fn auth0_domain_becomes_an_https_issuer_with_trailing_slash() {
    let c = Config::resolve(
        env(&[
            ("AUTH0_DOMAIN", "tenant.eu.auth0.com"),
            ("AUTH0_CLIENT_ID", "a"),
        ]),
        None,
    )
    .unwrap();
    assert_eq!(c.issuer, "https://tenant.eu.auth0.com/");
}

#[test]
fn issuer_is_kept_exactly_as_written() {
    for issuer in [
        "https://id.example",
        "https://id.example/",
        "https://id.example/realms/x",
    ] {
        let c = Config::resolve(
            env(&[("GATEHOUSE_ISSUER", issuer), ("GATEHOUSE_CLIENT_ID", "c")]),
            None,
        )
        .unwrap();
        assert_eq!(c.issuer, issuer);
    }
}

#[test]
fn plain_http_issuer_is_refused_unless_loopback() {
    let bad = Config::resolve(
        env(&[
            ("GATEHOUSE_ISSUER", "http://id.example/"),
            ("GATEHOUSE_CLIENT_ID", "c"),
        ]),
        None,
    );
    assert!(matches!(bad, Err(Error::InvalidConfig(_))));
    for ok in [
        "http://127.0.0.1:3000",
        "http://localhost:3000/",
        "http://[::1]:3000",
    ] {
        let c = Config::resolve(
            env(&[("GATEHOUSE_ISSUER", ok), ("GATEHOUSE_CLIENT_ID", "c")]),
            None,
        )
        .unwrap();
        assert!(c.issuer_is_loopback());
    }
}

#[test]
fn browser_command_is_split_like_a_shell_would() {
    let c = Config::resolve(
        env(&[
            ("GATEHOUSE_ISSUER", "https://id.example/"),
            ("GATEHOUSE_CLIENT_ID", "c"),
            ("GATEHOUSE_BROWSER", "'/opt/my browser/run' --new-tab"),
        ]),
        None,
    )
    .unwrap();
    assert_eq!(c.browser.unwrap(), ["/opt/my browser/run", "--new-tab"]);
}

#[test]
fn bad_values_are_config_errors_that_name_the_variable() {
    let base = [
        ("GATEHOUSE_ISSUER", "https://id.example/"),
        ("GATEHOUSE_CLIENT_ID", "c"),
    ];
    for (name, value) in [
        ("GATEHOUSE_REDIRECT_PORT", "70000"),
        ("GATEHOUSE_MIN_TTL_SECS", "-1"),
        ("GATEHOUSE_END_SESSION", "maybe"),
        ("GATEHOUSE_SCOPES", "profile email"),
        ("GATEHOUSE_BROWSER", "'unclosed"),
    ] {
        let mut pairs = base.to_vec();
        pairs.push((name, value));
        let err = Config::resolve(env(&pairs), None).unwrap_err();
        assert!(
            matches!(err, Error::InvalidConfig(_)),
            "{name}={value}: {err}"
        );
    }
}

#[test]
fn malformed_file_is_an_error_and_missing_file_is_not() {
    let f = file("{ not json");
    assert!(matches!(
        Config::resolve(env(&[]), Some(f.path())),
        Err(Error::InvalidConfig(_))
    ));
    let missing = std::env::temp_dir().join("gatehouse-no-such-config.json");
    assert!(matches!(
        Config::resolve(env(&[]), Some(&missing)),
        Err(Error::MissingConfig { .. })
    ));
}

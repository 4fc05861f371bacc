use std::collections::HashMap;
use std::time::Duration;

use gatehouse_tests::TempDir;
use tauri_plugin_gatehouse::Config;

use super::*;

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name| map.get(name).cloned()
}

/// The layer over the app's own `plugins.gatehouse` settings, checked into a configuration.
fn config(vars: &[(&str, &str)], file: Option<&Path>) -> Result<Config, String> {
    let settings = resolve(env(vars), file, Settings::default())?;
    Config::from_settings(settings).map_err(|e| e.to_string())
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

const REQUIRED: [(&str, &str); 2] = [
    ("GATEHOUSE_ISSUER", "https://id.example/"),
    ("GATEHOUSE_CLIENT_ID", "c"),
];

#[test]
fn missing_issuer_and_client_id_name_both_variables() {
    let err = config(&[], None).unwrap_err();
    assert_eq!(
        err,
        "Gatehouse is not configured yet. Set GATEHOUSE_ISSUER (or AUTH0_DOMAIN) and \
         GATEHOUSE_CLIENT_ID (or AUTH0_CLIENT_ID)."
    );
}

#[test]
fn the_apps_own_plugin_settings_lie_under_the_file_and_environment() {
    let given = Settings {
        scopes: Some(vec!["openid".into(), "profile".into()]),
        leeway_secs: Some(30),
        min_ttl_secs: Some(90),
        ..Settings::default()
    };
    let f = file(r#"{"leeway_secs": 10}"#);
    let settings = resolve(
        env(&[REQUIRED[0], REQUIRED[1], ("GATEHOUSE_MIN_TTL_SECS", "20")]),
        Some(&f.path),
        given,
    )
    .unwrap();
    assert_eq!(settings.scopes.unwrap(), ["openid", "profile"]);
    assert_eq!(
        settings.leeway_secs,
        Some(10),
        "the file beats tauri.conf.json"
    );
    assert_eq!(
        settings.min_ttl_secs,
        Some(20),
        "the environment beats both"
    );
}

#[test]
fn environment_beats_file_beats_default() {
    let f = file(
        r#"{"issuer": "https://file.example/", "client_id": "from-file", "redirect_port": 4000, "scopes": "openid email", "leeway_secs": 5, "max_age_secs": 28800}"#,
    );
    let c = config(
        &[
            ("GATEHOUSE_CLIENT_ID", "from-env"),
            ("GATEHOUSE_REDIRECT_PORT", "5000"),
        ],
        Some(&f.path),
    )
    .unwrap();
    assert_eq!(
        c.issuer, "https://file.example/",
        "file fills what the environment leaves"
    );
    assert_eq!(c.client_id, "from-env", "environment beats file");
    assert_eq!(c.redirect_port, 5000);
    assert_eq!(c.scopes, ["openid", "email"]);
    assert_eq!(c.leeway.as_secs(), 5);
    assert_eq!(c.max_age, Some(Duration::from_secs(28_800)));
    assert_eq!(c.min_ttl.as_secs(), 60, "default fills what both leave");
}

#[test]
fn gatehouse_variables_beat_auth0_shorthands() {
    let c = config(
        &[
            ("GATEHOUSE_ISSUER", "https://id.example/"),
            ("AUTH0_DOMAIN", "tenant.auth0.com"),
            ("GATEHOUSE_CLIENT_ID", "g"),
            ("AUTH0_CLIENT_ID", "a"),
        ],
        None,
    )
    .unwrap();
    assert_eq!(c.issuer, "https://id.example/");
    assert_eq!(c.client_id, "g");
}

#[test]
fn an_auth0_domain_in_the_environment_beats_an_issuer_in_the_file() {
    let f = file(r#"{"issuer": "https://file.example/"}"#);
    let c = config(
        &[
            ("AUTH0_DOMAIN", "tenant.eu.auth0.com"),
            ("AUTH0_CLIENT_ID", "a"),
        ],
        Some(&f.path),
    )
    .unwrap();
    assert_eq!(c.issuer, "https://tenant.eu.auth0.com/");
}

#[test]
fn browser_command_is_split_like_a_shell_would() {
    let mut vars = REQUIRED.to_vec();
    vars.push(("GATEHOUSE_BROWSER", "'/opt/my browser/run' --new-tab"));
    let c = config(&vars, None).unwrap();
    assert_eq!(c.browser.unwrap(), ["/opt/my browser/run", "--new-tab"]);
}

#[test]
fn bad_values_are_config_errors_that_name_the_variable() {
    for (name, value, sentence) in [
        (
            "GATEHOUSE_REDIRECT_PORT",
            "70000",
            "GATEHOUSE_REDIRECT_PORT must be a whole number, not \"70000\"",
        ),
        (
            "GATEHOUSE_MIN_TTL_SECS",
            "-1",
            "GATEHOUSE_MIN_TTL_SECS must be a whole number, not \"-1\"",
        ),
        (
            "GATEHOUSE_END_SESSION",
            "maybe",
            "GATEHOUSE_END_SESSION must be true or false, not \"maybe\"",
        ),
        (
            "GATEHOUSE_SCOPES",
            "profile email",
            "GATEHOUSE_SCOPES must include openid",
        ),
        (
            "GATEHOUSE_BROWSER",
            "'unclosed",
            "GATEHOUSE_BROWSER is not a valid command line",
        ),
        (
            "GATEHOUSE_ISSUER",
            "http://id.example/",
            "GATEHOUSE_ISSUER must use https (plain http only on 127.0.0.1 or localhost)",
        ),
    ] {
        let mut vars = REQUIRED.to_vec();
        vars.retain(|(n, _)| *n != name);
        vars.push((name, value));
        let err = config(&vars, None).unwrap_err();
        assert_eq!(
            err,
            format!("The configuration is not valid: {sentence}."),
            "{name}={value}"
        );
    }
}

#[test]
fn a_leeway_minimum_lifetime_or_time_limit_out_of_range_is_refused_naming_it_and_its_range() {
    for (name, value, range) in [
        ("GATEHOUSE_LEEWAY_SECS", "301", "from 0 to 300 seconds"),
        (
            "GATEHOUSE_LEEWAY_SECS",
            "315360000",
            "from 0 to 300 seconds",
        ),
        (
            "GATEHOUSE_LEEWAY_SECS",
            "18446744073709551615",
            "from 0 to 300 seconds",
        ),
        ("GATEHOUSE_MIN_TTL_SECS", "3601", "from 0 to 3600 seconds"),
        ("GATEHOUSE_MAX_AGE_SECS", "0", "from 1 to 31622400 seconds"),
        (
            "GATEHOUSE_MAX_AGE_SECS",
            "31622401",
            "from 1 to 31622400 seconds",
        ),
    ] {
        let mut vars = REQUIRED.to_vec();
        vars.push((name, value));
        assert_eq!(
            config(&vars, None).unwrap_err(),
            format!("The configuration is not valid: {name} must be {range}, not {value}.")
        );
    }
    for (name, value) in [
        ("GATEHOUSE_LEEWAY_SECS", "0"),
        ("GATEHOUSE_LEEWAY_SECS", "300"),
        ("GATEHOUSE_MIN_TTL_SECS", "3600"),
        ("GATEHOUSE_MAX_AGE_SECS", "28800"),
    ] {
        let mut vars = REQUIRED.to_vec();
        vars.push((name, value));
        assert!(config(&vars, None).is_ok(), "{name}={value}");
    }
}

#[test]
fn a_bad_value_in_the_file_names_its_key_and_the_file() {
    let f = file(r#"{"leeway_secs": 900}"#);
    let err = config(&REQUIRED, Some(&f.path)).unwrap_err();
    assert_eq!(
        err,
        format!(
            "The configuration is not valid: leeway_secs in {} must be from 0 to 300 seconds, \
             not 900.",
            f.path.display()
        )
    );
}

#[test]
fn malformed_file_is_an_error_and_missing_file_is_not() {
    let f = file("{ not json");
    let err = config(&[], Some(&f.path)).unwrap_err();
    assert!(err.starts_with("The configuration is not valid:"), "{err}");
    let missing = std::env::temp_dir().join("gatehouse-no-such-config.json");
    let err = config(&[], Some(&missing)).unwrap_err();
    assert!(err.starts_with("Gatehouse is not configured yet."), "{err}");
}

#[cfg(unix)]
#[test]
fn the_file_is_used_only_when_no_one_else_may_write_it_or_its_folder() {
    use std::os::unix::fs::PermissionsExt;
    let set = |path: &Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap()
    };
    let f = file(r#"{"issuer": "https://id.example/", "client_id": "from-file"}"#);
    let folder = f.path.parent().unwrap().to_owned();
    set(&folder, 0o700);
    set(&f.path, 0o600);
    assert_eq!(config(&[], Some(&f.path)).unwrap().client_id, "from-file");

    set(&f.path, 0o666);
    let err = config(&[], Some(&f.path)).unwrap_err();
    assert_eq!(
        err,
        format!(
            "The configuration file {p} is not used: others may write to it, so another user \
             of this computer could change it. Make it writable by you alone: chmod 600 {p}",
            p = f.path.display()
        )
    );
    set(&f.path, 0o600);
    set(&folder, 0o777);
    let err = config(&[], Some(&f.path)).unwrap_err();
    assert!(err.contains("others may write to its folder"), "{err}");
    assert!(err.contains("chmod go-w"), "{err}");
    set(&folder, 0o700);
}

/// As ssh trusts its own: every folder up to the home folder (or `/`), not only the file's.
#[cfg(unix)]
#[test]
fn a_folder_above_the_file_that_others_may_write_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::new("config-above");
    let above = dir.path().join("shared");
    let folder = above.join("gatehouse");
    std::fs::create_dir_all(&folder).unwrap();
    let path = folder.join("config.json");
    std::fs::write(
        &path,
        r#"{"issuer": "https://id.example/", "client_id": "c"}"#,
    )
    .unwrap();
    let set = |path: &Path, mode: u32| {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap()
    };
    set(&path, 0o600);
    set(&folder, 0o700);
    set(&above, 0o755);
    assert!(config(&[], Some(&path)).is_ok());
    set(&above, 0o777);
    let err = config(&[], Some(&path)).unwrap_err();
    let above = std::fs::canonicalize(&above).unwrap();
    assert!(
        err.contains(&format!(
            "others may write to the folder {} above it",
            above.display()
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!("chmod go-w {}", above.display())),
        "{err}"
    );
    set(&above, 0o755);
}

/// The file is opened without following a link in its place (`O_NOFOLLOW`): a link another
/// user could point elsewhere between a check and the read is refused, not followed.
#[cfg(unix)]
#[test]
fn a_symbolic_link_in_the_files_place_is_not_followed() {
    let f = file(r#"{"issuer": "https://id.example/", "client_id": "c"}"#);
    let link = f.path.with_file_name("linked.json");
    std::os::unix::fs::symlink(&f.path, &link).unwrap();
    let err = config(&[], Some(&link)).unwrap_err();
    assert_eq!(
        err,
        format!(
            "The configuration file {p} is not used: it is a symbolic link, so another user of \
             this computer could change it. Put the file itself at {p}.",
            p = link.display()
        )
    );
}

#[test]
fn apis_come_as_json_from_the_environment_or_the_file() {
    let json = r#"[{"url": "https://orders.example/v1", "resource": "https://orders.example/", "scopes": ["read"], "probe": "/me"}]"#;
    let mut vars = REQUIRED.to_vec();
    vars.push(("GATEHOUSE_APIS", json));
    let from_env = config(&vars, None).unwrap();
    assert_eq!(from_env.apis[0].resource, "https://orders.example/");
    assert_eq!(
        from_env.apis[0].probe_url().unwrap().as_str(),
        "https://orders.example/v1/me"
    );
    let f = file(&format!(
        r#"{{"apis": {json}, "resource_parameter": "audience", "dpop": "required"}}"#
    ));
    let from_file = config(&REQUIRED, Some(&f.path)).unwrap();
    assert_eq!(from_file.apis, from_env.apis);
    assert_eq!(
        from_file.resource_parameter,
        tauri_plugin_gatehouse::ResourceParameter::Audience
    );
    assert_eq!(from_file.dpop, tauri_plugin_gatehouse::DpopMode::Required);
    let mut vars = REQUIRED.to_vec();
    vars.push(("GATEHOUSE_DPOP", "off"));
    assert_eq!(
        config(&vars, None).unwrap().dpop,
        tauri_plugin_gatehouse::DpopMode::Off
    );
    vars.pop();
    vars.push(("GATEHOUSE_DPOP", "sometimes"));
    assert_eq!(
        config(&vars, None).unwrap_err(),
        "The configuration is not valid: GATEHOUSE_DPOP must be auto, required or off, not \"sometimes\"."
    );

    let mut vars = REQUIRED.to_vec();
    vars.push((
        "GATEHOUSE_APIS",
        r#"[{"url": "http://orders.example/", "resource": "https://orders.example/"}]"#,
    ));
    assert_eq!(
        config(&vars, None).unwrap_err(),
        "The configuration is not valid: GATEHOUSE_APIS [0] url must use https (plain http only on \
         127.0.0.1 or [::1])."
    );
    let mut vars = REQUIRED.to_vec();
    vars.push(("GATEHOUSE_APIS", "orders"));
    assert!(config(&vars, None)
        .unwrap_err()
        .starts_with("The configuration is not valid: GATEHOUSE_APIS is not a JSON list of APIs"));
}

/// `readme` with each generated table (between `<!-- settings: keys … -->` or
/// `<!-- settings: variables … -->` and `<!-- /settings -->`) made anew from the declaration.
fn with_tables(readme: &str) -> String {
    use tauri_plugin_gatehouse::{reference_table, Naming};
    let mut out = String::new();
    let mut rest = readme;
    while let Some(start) = rest.find("<!-- settings: ") {
        let open_end = start + rest[start..].find("-->\n").expect("a closed marker") + 4;
        let naming = if rest[start..open_end].starts_with("<!-- settings: keys") {
            Naming::Key
        } else {
            Naming::Env
        };
        let close = open_end + rest[open_end..].find("<!-- /settings -->").expect("an end");
        out.push_str(&rest[..open_end]);
        out.push_str(&reference_table(naming));
        rest = &rest[close..];
    }
    out.push_str(rest);
    out
}

/// The README's tables of settings and variables are made from the one declaration of each
/// setting, as `--help` is: a setting added, renamed or explained anew changes them too.
/// `GATEHOUSE_WRITE_README=1 cargo test -p gatehouse --lib readme` writes them.
#[test]
fn the_readmes_settings_tables_are_the_declared_settings() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&path).expect("the README");
    let generated = with_tables(&readme);
    if std::env::var_os("GATEHOUSE_WRITE_README").is_some() {
        std::fs::write(&path, &generated).expect("the README is written");
    }
    let readme = std::fs::read_to_string(&path).expect("the README");
    assert!(
        readme == generated,
        "the README's settings tables differ from the declaration; \
         GATEHOUSE_WRITE_README=1 cargo test -p gatehouse --lib readme writes them"
    );
    assert_eq!(readme.matches("<!-- settings: ").count(), 2, "both tables");
}

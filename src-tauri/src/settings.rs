//! Gatehouse's own layer over the plugin's settings, for its installed users: environment
//! variables over a JSON file in the app's configuration folder over `plugins.gatehouse` in
//! `tauri.conf.json`. The names are a stable contract, listed in the README and in `--help`.

use std::path::Path;

use serde::Deserialize;
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_gatehouse::{
    ApiSettings, ConfigError, DpopMode, ResourceParameter, Setting, Settings,
};

/// Every variable Gatehouse reads: name, meaning, default. The same settings, in snake case
/// (`client_id`, `leeway_secs`), may be written in the configuration file.
pub const VARIABLES: &[(&str, &str, &str)] = &[
    (
        "GATEHOUSE_ISSUER",
        "the issuer URL, exactly as the provider spells it",
        "none",
    ),
    (
        "AUTH0_DOMAIN",
        "shorthand for the issuer https://{domain}/",
        "none",
    ),
    (
        "GATEHOUSE_CLIENT_ID",
        "the public client id (or AUTH0_CLIENT_ID)",
        "none",
    ),
    ("GATEHOUSE_AUDIENCE", "an API audience (Auth0)", "none"),
    (
        "GATEHOUSE_SCOPES",
        "the scopes to ask for",
        "openid profile email offline_access",
    ),
    (
        "GATEHOUSE_REDIRECT_PORT",
        "the loopback port of the redirect URI",
        "0, the OS picks",
    ),
    (
        "GATEHOUSE_BROWSER",
        "the command that opens the provider's pages; the URL is its last argument",
        "the system's opener",
    ),
    (
        "GATEHOUSE_MIN_TTL_SECS",
        "how long an ID token must still be valid to count as signed in (0-3600)",
        "60",
    ),
    (
        "GATEHOUSE_LEEWAY_SECS",
        "allowed clock skew for exp, nbf, iat (0-300)",
        "60",
    ),
    (
        "GATEHOUSE_LOGIN_TIMEOUT_SECS",
        "how long a sign-in may take",
        "300",
    ),
    (
        "GATEHOUSE_END_SESSION",
        "on logout, also open the provider's logout page",
        "false",
    ),
    (
        "GATEHOUSE_APIS",
        "the APIs the app calls, as JSON: [{\"url\", \"resource\", \"scopes\": [...], \"probe\", \"headers\": [...]}]",
        "none",
    ),
    (
        "GATEHOUSE_RESOURCE_PARAMETER",
        "how an API's resource is named to the provider: resource (RFC 8707) or audience (Auth0)",
        "audience for Auth0, else resource",
    ),
    (
        "GATEHOUSE_DPOP",
        "bind the session's tokens to a key of the app's (DPoP): auto, required or off",
        "auto, when the provider offers it",
    ),
    (
        "GATEHOUSE_MAX_AGE_SECS",
        "the session's time limit after signing in at the provider, renewals or not (1-31622400)",
        "none",
    ),
    (
        "RUST_LOG",
        "what to log to stderr: a level, or target=level directives",
        "info",
    ),
];

/// The layer as the plugin runs it: the process's environment and the file
/// `config.json` in the app's configuration folder.
pub fn layer<R: Runtime>(app: &AppHandle<R>, given: Settings) -> Result<Settings, String> {
    let file = app
        .path()
        .app_config_dir()
        .ok()
        .map(|dir| dir.join("config.json"));
    resolve(|name| std::env::var(name).ok(), file.as_deref(), given)
}

/// `env` (a lookup such as `std::env::var(..).ok()`) over the JSON file at `file` (absent is
/// fine; unreadable or malformed is an error) over `given`. The issuer and client id must come
/// from one of them; every error is a sentence naming the variable or the file's key.
pub fn resolve(
    env: impl Fn(&str) -> Option<String>,
    file: Option<&Path>,
    given: Settings,
) -> Result<Settings, String> {
    let invalid = |what: String| format!("The configuration is not valid: {what}.");
    let from_file = match file {
        Some(path) => read_file(path)?,
        None => Settings::default(),
    };
    if let Err(e) = from_file.check() {
        let path = file.map(|p| p.display().to_string()).unwrap_or_default();
        return Err(invalid(named(&e, |s| format!("{} in {path}", file_key(s)))));
    }
    let from_env = from_env(env).map_err(invalid)?;
    from_env
        .check()
        .map_err(|e| invalid(named(&e, |s| env_name(s).to_owned())))?;

    let settings = given
        .overlaid(with_auth0_issuer(from_file))
        .overlaid(with_auth0_issuer(from_env));
    let has_issuer = settings.issuer.is_some() || settings.auth0_domain.is_some();
    let missing: Vec<&str> = [
        (!has_issuer).then_some("GATEHOUSE_ISSUER (or AUTH0_DOMAIN)"),
        settings
            .client_id
            .is_none()
            .then_some("GATEHOUSE_CLIENT_ID (or AUTH0_CLIENT_ID)"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !missing.is_empty() {
        return Err(format!(
            "Gatehouse is not configured yet. Set {}.",
            missing.join(" and ")
        ));
    }
    Ok(settings)
}

/// A layer's Auth0 domain as the issuer it stands for, so that it wins over a lower layer's
/// issuer as it would over its own.
fn with_auth0_issuer(mut settings: Settings) -> Settings {
    if settings.issuer.is_none() {
        settings.issuer = settings
            .auth0_domain
            .take()
            .map(|domain| tauri_plugin_gatehouse::auth0_issuer(&domain));
    }
    settings
}

/// `err`'s sentence with its setting named by `name`.
fn named(err: &ConfigError, name: impl Fn(Setting) -> String) -> String {
    match err {
        ConfigError::Invalid { setting, problem } => format!("{} {problem}", name(*setting)),
        other => other.to_string(),
    }
}

fn env_name(setting: Setting) -> &'static str {
    match setting {
        Setting::Issuer => "GATEHOUSE_ISSUER",
        Setting::Auth0Domain => "AUTH0_DOMAIN",
        Setting::ClientId => "GATEHOUSE_CLIENT_ID",
        Setting::Audience => "GATEHOUSE_AUDIENCE",
        Setting::Scopes => "GATEHOUSE_SCOPES",
        Setting::RedirectPort => "GATEHOUSE_REDIRECT_PORT",
        Setting::Browser => "GATEHOUSE_BROWSER",
        Setting::MinTtl => "GATEHOUSE_MIN_TTL_SECS",
        Setting::Leeway => "GATEHOUSE_LEEWAY_SECS",
        Setting::LoginTimeout => "GATEHOUSE_LOGIN_TIMEOUT_SECS",
        Setting::EndSession => "GATEHOUSE_END_SESSION",
        Setting::MaxAge => "GATEHOUSE_MAX_AGE_SECS",
        Setting::Apis => "GATEHOUSE_APIS",
        Setting::ResourceParameter => "GATEHOUSE_RESOURCE_PARAMETER",
        Setting::Dpop => "GATEHOUSE_DPOP",
        _ => "a setting",
    }
}

fn file_key(setting: Setting) -> &'static str {
    match setting {
        Setting::Issuer => "issuer",
        Setting::Auth0Domain => "auth0_domain",
        Setting::ClientId => "client_id",
        Setting::Audience => "audience",
        Setting::Scopes => "scopes",
        Setting::RedirectPort => "redirect_port",
        Setting::Browser => "browser",
        Setting::MinTtl => "min_ttl_secs",
        Setting::Leeway => "leeway_secs",
        Setting::LoginTimeout => "login_timeout_secs",
        Setting::EndSession => "end_session",
        Setting::MaxAge => "max_age_secs",
        Setting::Apis => "apis",
        Setting::ResourceParameter => "resource_parameter",
        Setting::Dpop => "dpop",
        _ => "a setting",
    }
}

/// The variables, each read and parsed; `Err` is the sentence naming the one that is wrong.
fn from_env(env: impl Fn(&str) -> Option<String>) -> Result<Settings, String> {
    let env = |name: &str| {
        env(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    Ok(Settings {
        issuer: env("GATEHOUSE_ISSUER"),
        auth0_domain: env("AUTH0_DOMAIN"),
        client_id: env("GATEHOUSE_CLIENT_ID").or_else(|| env("AUTH0_CLIENT_ID")),
        audience: env("GATEHOUSE_AUDIENCE"),
        scopes: env("GATEHOUSE_SCOPES").map(|s| words(&s)),
        redirect_port: number(env, "GATEHOUSE_REDIRECT_PORT")?,
        browser: env("GATEHOUSE_BROWSER")
            .map(|command| command_line(&command, "GATEHOUSE_BROWSER"))
            .transpose()?,
        min_ttl_secs: number(env, "GATEHOUSE_MIN_TTL_SECS")?,
        leeway_secs: number(env, "GATEHOUSE_LEEWAY_SECS")?,
        login_timeout_secs: number(env, "GATEHOUSE_LOGIN_TIMEOUT_SECS")?,
        end_session: flag(env, "GATEHOUSE_END_SESSION")?,
        max_age_secs: number(env, "GATEHOUSE_MAX_AGE_SECS")?,
        apis: env("GATEHOUSE_APIS")
            .map(|json| {
                serde_json::from_str(&json)
                    .map_err(|e| format!("GATEHOUSE_APIS is not a JSON list of APIs: {e}"))
            })
            .transpose()?,
        resource_parameter: env("GATEHOUSE_RESOURCE_PARAMETER")
            .map(|v| match v.as_str() {
                "resource" => Ok(ResourceParameter::Resource),
                "audience" => Ok(ResourceParameter::Audience),
                _ => Err(format!(
                    "GATEHOUSE_RESOURCE_PARAMETER must be resource or audience, not {v:?}"
                )),
            })
            .transpose()?,
        dpop: env("GATEHOUSE_DPOP")
            .map(|v| match v.as_str() {
                "auto" => Ok(DpopMode::Auto),
                "required" => Ok(DpopMode::Required),
                "off" => Ok(DpopMode::Off),
                _ => Err(format!(
                    "GATEHOUSE_DPOP must be auto, required or off, not {v:?}"
                )),
            })
            .transpose()?,
        product_name: None,
    })
}

fn words(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_owned).collect()
}

/// A command line split the way a shell would.
fn command_line(command: &str, name: &str) -> Result<Vec<String>, String> {
    shlex::split(command)
        .filter(|words| !words.is_empty())
        .ok_or_else(|| format!("{name} is not a valid command line"))
}

fn number<T: std::str::FromStr>(
    env: impl Fn(&str) -> Option<String>,
    name: &str,
) -> Result<Option<T>, String> {
    env(name)
        .map(|v| {
            v.parse()
                .map_err(|_| format!("{name} must be a whole number, not {v:?}"))
        })
        .transpose()
}

fn flag(env: impl Fn(&str) -> Option<String>, name: &str) -> Result<Option<bool>, String> {
    env(name)
        .map(|v| match v.to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Ok(true),
            "0" | "false" | "no" | "off" => Ok(false),
            _ => Err(format!("{name} must be true or false, not {v:?}")),
        })
        .transpose()
}

/// The config file's shape: the settings in snake case, scopes and browser as one string each.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    issuer: Option<String>,
    auth0_domain: Option<String>,
    client_id: Option<String>,
    audience: Option<String>,
    scopes: Option<String>,
    redirect_port: Option<u16>,
    browser: Option<String>,
    min_ttl_secs: Option<u64>,
    leeway_secs: Option<u64>,
    login_timeout_secs: Option<u64>,
    end_session: Option<bool>,
    max_age_secs: Option<u64>,
    apis: Option<Vec<ApiSettings>>,
    resource_parameter: Option<ResourceParameter>,
    dpop: Option<DpopMode>,
}

/// The configuration file names a program to run (`browser`) and the provider to trust
/// (`issuer`), so it is used only when no one else could have written it, as ssh treats its
/// own: it belongs to the user (or to root), and neither its group nor others may write to it
/// or to any folder from its own up to the home folder (or `/`, when it lies elsewhere). A
/// folder that belongs to root and has the sticky bit (`/tmp`) is safe too: others may not
/// rename or remove what is not theirs in it. The file is opened once, without following a
/// symbolic link in its place (`O_NOFOLLOW`), and its checks are made on the open file
/// (`fstat`), which is then read: nothing can be swapped in between. `Ok(None)` when there is
/// no file; `Err` is the sentence that says what is wrong and how to mend it.
#[cfg(unix)]
fn read_trusted(path: &Path) -> Result<Option<Vec<u8>>, String> {
    use std::io::Read;
    use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
    // SAFETY: geteuid only reads the process's user.
    let me = unsafe { libc::geteuid() };
    let refuse = |why: String, fix: String| {
        Err(format!(
            "The configuration file {} is not used: {why}, so another user of this computer \
             could change it. {fix}",
            path.display()
        ))
    };
    let unreadable = |e: std::io::Error| {
        format!(
            "The configuration is not valid: {} cannot be read: {e}.",
            path.display()
        )
    };
    let mut file = match std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)
    {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            return refuse(
                "it is a symbolic link".into(),
                format!("Put the file itself at {}.", path.display()),
            )
        }
        Err(e) => return Err(unreadable(e)),
    };
    let meta = file.metadata().map_err(unreadable)?;
    if !meta.is_file() {
        return Err(format!(
            "The configuration is not valid: {} is not a file.",
            path.display()
        ));
    }
    let owned = |uid: u32| uid == me || uid == 0;
    if !owned(meta.uid()) {
        return refuse(
            "it belongs to another user".into(),
            format!("Make it yours: chown \"$USER\" {}", path.display()),
        );
    }
    if meta.mode() & 0o022 != 0 {
        return refuse(
            "others may write to it".into(),
            format!(
                "Make it writable by you alone: chmod 600 {}",
                path.display()
            ),
        );
    }
    let folder = path.parent().unwrap_or(Path::new("/"));
    let folder = std::fs::canonicalize(folder).map_err(unreadable)?;
    let home = std::env::var_os("HOME").and_then(|home| std::fs::canonicalize(home).ok());
    let stop = home.filter(|home| folder.starts_with(home));
    for (i, place) in folder.ancestors().enumerate() {
        let meta = std::fs::metadata(place).map_err(unreadable)?;
        let what = if i == 0 {
            "its folder".to_owned()
        } else {
            format!("the folder {} above it", place.display())
        };
        if !owned(meta.uid()) {
            return refuse(
                format!("{what} belongs to another user"),
                format!("Make it yours: chown \"$USER\" {}", place.display()),
            );
        }
        let sticky_roots = meta.uid() == 0 && meta.mode() & 0o1000 != 0;
        if meta.mode() & 0o022 != 0 && !sticky_roots {
            return refuse(
                format!("others may write to {what}"),
                format!(
                    "Make it writable by you alone: chmod go-w {}",
                    place.display()
                ),
            );
        }
        if stop.as_deref() == Some(place) {
            break;
        }
    }
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).map_err(unreadable)?;
    Ok(Some(bytes))
}

/// Elsewhere the file's access is the folder's that the system gives each user.
#[cfg(not(unix))]
fn read_trusted(path: &Path) -> Result<Option<Vec<u8>>, String> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!(
            "The configuration is not valid: {} cannot be read: {e}.",
            path.display()
        )),
    }
}

fn read_file(path: &Path) -> Result<Settings, String> {
    let Some(bytes) = read_trusted(path)? else {
        return Ok(Settings::default());
    };
    let file: FileConfig = serde_json::from_slice(&bytes).map_err(|e| {
        format!(
            "The configuration is not valid: {} is not a valid config file: {e}.",
            path.display()
        )
    })?;
    let browser = file
        .browser
        .map(|command| command_line(&command, &format!("browser in {}", path.display())))
        .transpose()
        .map_err(|e| format!("The configuration is not valid: {e}."))?;
    Ok(Settings {
        issuer: file.issuer,
        auth0_domain: file.auth0_domain,
        client_id: file.client_id,
        audience: file.audience,
        scopes: file.scopes.map(|s| words(&s)),
        redirect_port: file.redirect_port,
        browser,
        min_ttl_secs: file.min_ttl_secs,
        leeway_secs: file.leeway_secs,
        login_timeout_secs: file.login_timeout_secs,
        end_session: file.end_session,
        max_age_secs: file.max_age_secs,
        apis: file.apis,
        resource_parameter: file.resource_parameter,
        dpop: file.dpop,
        product_name: None,
    })
}

#[cfg(test)]
mod tests;

//! Gatehouse's own layer over the plugin's settings, for its installed users: environment
//! variables over a JSON file in the app's configuration folder over `plugins.gatehouse` in
//! `tauri.conf.json`. The variables and file keys are each setting's own, declared once with
//! it (`gatehouse_core::config::Setting`); what is the app's here is where the file lives and
//! when it is trusted.

mod trust;

use std::path::Path;

use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_gatehouse::{auth0_issuer, ConfigError, Setting, Settings};
use trust::read_trusted;

/// The variables the app reads beyond the settings' own: `(name, meaning, default)`.
pub const APP_VARIABLES: &[(&str, &str, &str)] = &[(
    "RUST_LOG",
    "what to log to stderr: a level, or target=level directives",
    "info",
)];

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
        return Err(invalid(named(&e, |s| {
            format!("{} in {path}", s.file_key().unwrap_or(s.key()))
        })));
    }
    let from_env = Settings::from_env(env).map_err(|e| invalid(e.to_string()))?;
    from_env.check().map_err(|e| {
        invalid(named(&e, |s| {
            s.env().first().unwrap_or(&s.key()).to_string()
        }))
    })?;

    let settings = given
        .overlaid(with_auth0_issuer(from_file))
        .overlaid(with_auth0_issuer(from_env));
    let has_issuer = settings.issuer.is_some() || settings.auth0_domain.is_some();
    let missing: Vec<String> = [
        (!has_issuer).then(|| variables(&[Setting::Issuer, Setting::Auth0Domain])),
        settings
            .client_id
            .is_none()
            .then(|| variables(&[Setting::ClientId])),
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

/// The variables that give any of `settings`: the first, then the others in brackets
/// (`GATEHOUSE_ISSUER (or AUTH0_DOMAIN)`).
fn variables(settings: &[Setting]) -> String {
    let names: Vec<&str> = settings.iter().flat_map(|s| s.env()).copied().collect();
    match names.split_first() {
        Some((first, [])) => (*first).to_owned(),
        Some((first, rest)) => format!("{first} (or {})", rest.join(", ")),
        None => String::new(),
    }
}

/// A layer's Auth0 domain as the issuer it stands for, so that it wins over a lower layer's
/// issuer as it would over its own.
fn with_auth0_issuer(mut settings: Settings) -> Settings {
    if settings.issuer.is_none() {
        settings.issuer = settings.auth0_domain.take().map(|d| auth0_issuer(&d));
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

fn read_file(path: &Path) -> Result<Settings, String> {
    let Some(bytes) = read_trusted(path)? else {
        return Ok(Settings::default());
    };
    Settings::from_file(&bytes).map_err(|e| {
        let place = match e.setting() {
            Some(_) => format!("{} in {}", e.name(), path.display()),
            None => path.display().to_string(),
        };
        format!("The configuration is not valid: {place} {}.", e.problem())
    })
}

#[cfg(test)]
mod tests;

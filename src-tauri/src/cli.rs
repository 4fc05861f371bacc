//! The command line. `--version` and `--help` print and exit before anything else starts (no
//! window, no D-Bus, no configuration), for packagers and scripts. Every other argument is
//! left alone: a WebDriver session, for one, starts the app with its own.

use tauri_plugin_gatehouse::Setting;

use crate::settings::APP_VARIABLES;

#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    Version,
    Help,
    Run,
}

/// The command `args` (without the program name) ask for: the first of `--version`/`-V` and
/// `--help`/`-h`, else the app.
pub fn parse<I: IntoIterator<Item = String>>(args: I) -> Command {
    args.into_iter()
        .find_map(|arg| match arg.as_str() {
            "--version" | "-V" => Some(Command::Version),
            "--help" | "-h" => Some(Command::Help),
            _ => None,
        })
        .unwrap_or(Command::Run)
}

/// Writes `text` to standard output, where the person who typed the command sees it.
///
/// A release build on Windows is a GUI-subsystem program: started from a terminal it gets no
/// console, and what it prints goes nowhere. So when standard output is not set (not
/// redirected to a file or a pipe either), it first attaches to the console of the process
/// that started it, the terminal, if there is one.
pub fn print(text: &str) {
    #[cfg(windows)]
    attach_parent_console();
    print!("{text}");
}

#[cfg(windows)]
fn attach_parent_console() {
    use windows_sys::Win32::System::Console::{
        AttachConsole, GetStdHandle, ATTACH_PARENT_PROCESS, STD_OUTPUT_HANDLE,
    };
    // SAFETY: both calls take plain values and only change this process's console; a parent
    // without a console (started from Explorer) makes AttachConsole fail, and then the text
    // goes nowhere, as it did before.
    unsafe {
        if GetStdHandle(STD_OUTPUT_HANDLE).is_null() {
            AttachConsole(ATTACH_PARENT_PROCESS);
        }
    }
}

pub fn version(product: &str) -> String {
    format!("{product} {}\n", env!("CARGO_PKG_VERSION"))
}

/// The help: what the app is, its options, every configuration variable, and where the
/// configuration file is looked for on this system.
pub fn help(product: &str, identifier: &str) -> String {
    let mut text = format!(
        "{product} {version}\n{description}\n\n\
         Usage: gatehouse [--version | --help]\n\n\
         Options:\n  -V, --version  print the version and exit\n  -h, --help     print this help and exit\n\n\
         Configuration (environment variables; the file below may hold the same settings\n\
         as JSON keys in lower case without the prefix, for example \"issuer\", \"client_id\"):\n",
        version = env!("CARGO_PKG_VERSION"),
        description = env!("CARGO_PKG_DESCRIPTION"),
    );
    let rows = variables();
    let width = rows.iter().map(|(name, ..)| name.len()).max().unwrap_or(0);
    for (name, meaning, default) in rows {
        text.push_str(&format!(
            "  {name:width$}  {meaning} (default: {default})\n"
        ));
    }
    text.push_str(&format!(
        "\nConfiguration file: {}\n",
        config_file_hint(identifier)
    ));
    text
}

/// Every variable the app reads, `(name, meaning, default)`: each setting's own (an alias in
/// brackets), then the app's.
fn variables() -> Vec<(String, String, String)> {
    let settings = Setting::ALL.iter().filter_map(|setting| {
        let (name, aliases) = setting.env().split_first()?;
        let meaning = match aliases {
            [] => setting.help().to_owned(),
            aliases => format!("{} (or {})", setting.help(), aliases.join(", ")),
        };
        Some((name.to_string(), meaning, setting.default_text().to_owned()))
    });
    let app = APP_VARIABLES.iter().map(|(name, meaning, default)| {
        (name.to_string(), meaning.to_string(), default.to_string())
    });
    settings.chain(app).collect()
}

/// Where the app's configuration file is on this system (Tauri's app configuration
/// directory), as a person would look for it.
fn config_file_hint(identifier: &str) -> String {
    if cfg!(target_os = "macos") {
        format!("~/Library/Application Support/{identifier}/config.json")
    } else if cfg!(windows) {
        format!("%APPDATA%\\{identifier}\\config.json")
    } else {
        format!(
            "$XDG_CONFIG_HOME/{identifier}/config.json (by default ~/.config/{identifier}/config.json)"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|a| a.to_string()).collect()
    }

    #[test]
    fn version_and_help_are_recognised_in_both_spellings() {
        assert_eq!(parse(args(&["--version"])), Command::Version);
        assert_eq!(parse(args(&["-V"])), Command::Version);
        assert_eq!(parse(args(&["--help"])), Command::Help);
        assert_eq!(parse(args(&["-h"])), Command::Help);
    }

    #[test]
    fn other_arguments_start_the_app() {
        assert_eq!(parse(args(&[])), Command::Run);
        assert_eq!(parse(args(&["--automation"])), Command::Run);
        assert_eq!(parse(args(&["--automation", "--help"])), Command::Help);
    }

    #[test]
    fn help_lists_every_configuration_variable_and_the_file() {
        let text = help("Gatehouse", "dev.gatehouse.desktop");
        for (name, ..) in variables() {
            assert!(text.contains(&name), "{name} is missing from:\n{text}");
        }
        assert!(text.contains("config.json"), "{text}");
        assert!(text.contains("dev.gatehouse.desktop"), "{text}");
    }
}

//! The macro that turns the one declaration of each setting (in `settings.rs`) into everything
//! that names or reads it: the [`super::Settings`] struct and its serde keys, the
//! [`super::Setting`] enum with each setting's key, environment variables, file key, default and
//! help, the overlay of one layer on another, the check of every value given, and the readers
//! of the environment and of a configuration file.
//!
//! A small declarative macro of the project's own: serde's attributes alone cannot carry an
//! environment variable, a help line or a range, and a configuration crate (figment, config)
//! would bring its own layering and error types while still leaving the help and the README's
//! tables to be written by hand.

/// Declares the settings. Each entry:
///
/// ```text
/// /// Doc comment of the field.
/// Variant field: Type as Form {
///     key: "camelCaseKey", env: ["VARIABLE", "ALIAS"], file: true,
///     default: "what is used when it is not set", help: "one line for --help",
///     check: a function or closure of `&Type` -> Result<(), String>,
/// }
/// ```
macro_rules! settings {
    ($(
        $(#[doc = $doc:literal])*
        $variant:ident $field:ident: $ty:ty as $form:ty {
            key: $key:literal,
            env: [$($env:literal),*],
            file: $file:literal,
            default: $default:literal,
            help: $help:literal,
            check: $check:expr $(,)?
        }
    )*) => {
        /// The settings of the sign-in as an app gives them; every one optional. The keys are
        /// those of `plugins.gatehouse` in `tauri.conf.json`.
        #[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct Settings {
            $(
                $(#[doc = $doc])*
                #[serde(rename = $key)]
                pub $field: Option<$ty>,
            )*
        }

        /// One setting, to name it in a message.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Setting {
            $(
                #[doc = concat!("[`Settings::", stringify!($field), "`].")]
                $variant,
            )*
        }

        impl Setting {
            /// Every setting, in the order of their declaration.
            pub const ALL: &'static [Setting] = &[$(Setting::$variant),*];

            /// Its key in [`Settings`] (and in `plugins.gatehouse`).
            pub fn key(self) -> &'static str {
                match self {
                    $(Self::$variant => $key,)*
                }
            }

            /// The environment variables that give it, the first one set winning; none for a
            /// setting only code or `tauri.conf.json` may give.
            pub fn env(self) -> &'static [&'static str] {
                match self {
                    $(Self::$variant => &[$($env),*],)*
                }
            }

            /// Its key in a configuration file (the field's name, in snake case), when a file
            /// may give it.
            pub fn file_key(self) -> Option<&'static str> {
                match self {
                    $(Self::$variant => if $file { Some(stringify!($field)) } else { None },)*
                }
            }

            /// What is used when it is not set.
            pub fn default_text(self) -> &'static str {
                match self {
                    $(Self::$variant => $default,)*
                }
            }

            /// What it is, in one line.
            pub fn help(self) -> &'static str {
                match self {
                    $(Self::$variant => $help,)*
                }
            }
        }

        impl Settings {
            /// These settings with every value `over` gives put over them.
            ///
            /// ```
            /// use gatehouse_core::config::Settings;
            /// let base = Settings { leeway_secs: Some(30), client_id: Some("a".into()), ..Settings::default() };
            /// let over = Settings { client_id: Some("b".into()), ..Settings::default() };
            /// let merged = base.overlaid(over);
            /// assert_eq!((merged.leeway_secs, merged.client_id.as_deref()), (Some(30), Some("b")));
            /// ```
            pub fn overlaid(self, over: Settings) -> Settings {
                Settings {
                    $($field: over.$field.or(self.$field),)*
                }
            }

            /// Checks every value given; a missing one is not an error here
            /// ([`super::Config::from_settings`] asks for what it needs).
            pub fn check(&self) -> Result<(), super::ConfigError> {
                $(
                    if let Some(value) = &self.$field {
                        let checked: Result<(), String> = ($check)(value);
                        checked.map_err(|problem| {
                            super::ConfigError::invalid(Setting::$variant, problem)
                        })?;
                    }
                )*
                Ok(())
            }

            /// The settings the environment gives: each setting's variables (see
            /// [`Setting::env`]) looked up with `lookup` (such as `std::env::var(..).ok()`);
            /// one that is empty counts as not set. Each value is read, not checked:
            /// [`Settings::check`] does that.
            pub fn from_env(
                lookup: impl Fn(&str) -> Option<String>,
            ) -> Result<Settings, super::LayerError> {
                let set = |names: &[&'static str]| {
                    names.iter().find_map(|&name| {
                        let value = lookup(name)?.trim().to_owned();
                        (!value.is_empty()).then_some((name, value))
                    })
                };
                let mut settings = Settings::default();
                $(
                    if let Some((name, text)) = set(&[$($env),*]) {
                        let value = <$form as super::forms::Form>::text(&text).map_err(|problem| {
                            super::LayerError::new(Some(Setting::$variant), name, problem)
                        })?;
                        settings.$field = Some(value);
                    }
                )*
                Ok(settings)
            }

            /// The settings a configuration file gives: a JSON object whose keys are the
            /// settings' file keys (see [`Setting::file_key`]). Each value is read, not checked:
            /// [`Settings::check`] does that.
            pub fn from_file(json: &[u8]) -> Result<Settings, super::LayerError> {
                let object: serde_json::Map<String, serde_json::Value> =
                    serde_json::from_slice(json).map_err(|e| {
                        super::LayerError::new(None, "", format!("is not a JSON object of settings: {e}"))
                    })?;
                let mut settings = Settings::default();
                for (key, value) in object {
                    match key.as_str() {
                        $(
                            found if $file && found == stringify!($field) => {
                                let value = <$form as super::forms::Form>::json(value).map_err(
                                    |problem| {
                                        let name = stringify!($field);
                                        super::LayerError::new(Some(Setting::$variant), name, problem)
                                    },
                                )?;
                                settings.$field = Some(value);
                            }
                        )*
                        unknown => {
                            return Err(super::LayerError::new(
                                None,
                                "",
                                format!("has no setting called {unknown:?}"),
                            ))
                        }
                    }
                }
                Ok(settings)
            }
        }
    };
}

pub(super) use settings;

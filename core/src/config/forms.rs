//! How a setting's value is written outside code: as the text of an environment variable, and
//! as a value in a JSON configuration file. Each form reads both, and says what is wrong in a
//! phrase that follows the setting's name ("must be a whole number, not \"x\"").

use std::marker::PhantomData;
use std::str::FromStr;

use serde::de::DeserializeOwned;
use serde_json::Value;

/// A way of writing a value of type [`Form::Value`].
pub trait Form {
    type Value;
    /// From an environment variable's text (trimmed, not empty).
    fn text(text: &str) -> Result<Self::Value, String>;
    /// From a configuration file's JSON value.
    fn json(value: Value) -> Result<Self::Value, String>;
}

/// The string of a file's value, or what it should have been.
fn string(value: Value) -> Result<String, String> {
    match value {
        Value::String(text) => Ok(text),
        other => Err(format!("must be text, not {other}")),
    }
}

/// Text as it is.
pub struct Text;

impl Form for Text {
    type Value = String;
    fn text(text: &str) -> Result<String, String> {
        Ok(text.to_owned())
    }
    fn json(value: Value) -> Result<String, String> {
        string(value)
    }
}

/// Text that is a secret: never printed, wiped when dropped.
pub struct SecretText;

impl Form for SecretText {
    type Value = crate::secret::Secret;
    fn text(text: &str) -> Result<Self::Value, String> {
        Ok(crate::secret::Secret::new(text.to_owned()))
    }
    fn json(value: Value) -> Result<Self::Value, String> {
        string(value).map(crate::secret::Secret::new)
    }
}

/// Words separated by spaces (`openid profile email`).
pub struct Words;

impl Form for Words {
    type Value = Vec<String>;
    fn text(text: &str) -> Result<Vec<String>, String> {
        Ok(text.split_whitespace().map(str::to_owned).collect())
    }
    fn json(value: Value) -> Result<Vec<String>, String> {
        Self::text(&string(value)?)
    }
}

/// A command line, split the way a shell would.
pub struct CommandLine;

impl Form for CommandLine {
    type Value = Vec<String>;
    fn text(text: &str) -> Result<Vec<String>, String> {
        shlex::split(text)
            .filter(|words| !words.is_empty())
            .ok_or_else(|| "is not a valid command line".to_owned())
    }
    fn json(value: Value) -> Result<Vec<String>, String> {
        Self::text(&string(value)?)
    }
}

/// A whole number that fits a `T`.
pub struct Number<T>(PhantomData<T>);

impl<T: FromStr + TryFrom<u64>> Form for Number<T> {
    type Value = T;
    fn text(text: &str) -> Result<T, String> {
        text.parse()
            .map_err(|_| format!("must be a whole number, not {text:?}"))
    }
    fn json(value: Value) -> Result<T, String> {
        value
            .as_u64()
            .and_then(|n| T::try_from(n).ok())
            .ok_or_else(|| format!("must be a whole number, not {value}"))
    }
}

/// Yes or no.
pub struct Flag;

impl Form for Flag {
    type Value = bool;
    fn text(text: &str) -> Result<bool, String> {
        match text.to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Ok(true),
            "0" | "false" | "no" | "off" => Ok(false),
            _ => Err(format!("must be true or false, not {text:?}")),
        }
    }
    fn json(value: Value) -> Result<bool, String> {
        value
            .as_bool()
            .ok_or_else(|| format!("must be true or false, not {value}"))
    }
}

/// A value of a type with a few named choices.
pub trait Choices: Sized + 'static {
    /// The choices as they are written, each with its value.
    const CHOICES: &'static [(&'static str, Self)];
}

/// One of the choices of `T`, by its name.
pub struct Choice<T>(PhantomData<T>);

impl<T: Choices + Copy> Form for Choice<T> {
    type Value = T;
    fn text(text: &str) -> Result<T, String> {
        T::CHOICES
            .iter()
            .find(|(name, _)| *name == text)
            .map(|&(_, value)| value)
            .ok_or_else(|| {
                let names: Vec<&str> = T::CHOICES.iter().map(|(name, _)| *name).collect();
                let (last, rest) = names.split_last().expect("a choice");
                format!("must be {} or {last}, not {text:?}", rest.join(", "))
            })
    }
    fn json(value: Value) -> Result<T, String> {
        Self::text(&string(value)?)
    }
}

/// JSON, in the file as in the variable: a list of `T`, described as `T::WHAT`.
pub struct JsonList<T>(PhantomData<T>);

/// What a JSON list of it is called in a message.
pub trait Described {
    const WHAT: &'static str;
}

impl<T: DeserializeOwned + Described> Form for JsonList<T> {
    type Value = Vec<T>;
    fn text(text: &str) -> Result<Vec<T>, String> {
        serde_json::from_str(text).map_err(|e| format!("is not a JSON list of {}: {e}", T::WHAT))
    }
    fn json(value: Value) -> Result<Vec<T>, String> {
        serde_json::from_value(value).map_err(|e| format!("is not a JSON list of {}: {e}", T::WHAT))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Mode {
        Auto,
        Off,
        On,
    }

    impl Choices for Mode {
        const CHOICES: &'static [(&'static str, Self)] =
            &[("auto", Mode::Auto), ("off", Mode::Off), ("on", Mode::On)];
    }

    #[test]
    fn each_form_reads_text_and_json_and_says_what_is_wrong() {
        assert_eq!(Words::text("openid  email").unwrap(), ["openid", "email"]);
        assert_eq!(
            CommandLine::text("'/opt/my browser/run' --new-tab").unwrap(),
            ["/opt/my browser/run", "--new-tab"]
        );
        assert_eq!(
            CommandLine::text("'unclosed").unwrap_err(),
            "is not a valid command line"
        );
        assert_eq!(Number::<u16>::text("7890").unwrap(), 7890);
        assert_eq!(
            Number::<u16>::text("70000").unwrap_err(),
            "must be a whole number, not \"70000\""
        );
        assert_eq!(Number::<u64>::json(Value::from(5)).unwrap(), 5);
        assert_eq!(
            Number::<u64>::json(Value::from("5")).unwrap_err(),
            "must be a whole number, not \"5\""
        );
        assert!(Flag::text("Yes").unwrap() && !Flag::text("off").unwrap());
        assert_eq!(
            Flag::text("maybe").unwrap_err(),
            "must be true or false, not \"maybe\""
        );
        assert_eq!(Choice::<Mode>::text("off").unwrap(), Mode::Off);
        assert_eq!(
            Choice::<Mode>::text("sometimes").unwrap_err(),
            "must be auto, off or on, not \"sometimes\""
        );
        assert_eq!(
            Text::json(Value::from(3)).unwrap_err(),
            "must be text, not 3"
        );
    }
}

//! Reading the provider's JSON documents with serde, and saying what is wrong with one without
//! repeating any of it: serde's own messages quote the values they refused ("invalid type:
//! string \"…\""), and a value the provider sent never reaches a sentence or a log line. The
//! message names the field and what it should have been (`expires_in is not a number`).

use serde::de::DeserializeOwned;
use serde_json::Value;

/// What a field of a document is expected to hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    String,
    Number,
    Boolean,
    /// A list of strings.
    Strings,
    Array,
}

impl Kind {
    fn holds(self, value: &Value) -> bool {
        match self {
            Self::String => value.is_string(),
            // RFC 6749's lifetimes are whole seconds; the derive takes them as such.
            Self::Number => value.is_u64(),
            Self::Boolean => value.is_boolean(),
            Self::Strings => value
                .as_array()
                .is_some_and(|items| items.iter().all(Value::is_string)),
            Self::Array => value.is_array(),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::String => "a string",
            Self::Number => "a number",
            Self::Boolean => "true or false",
            Self::Strings => "a list of strings",
            Self::Array => "a list",
        }
    }
}

/// `body`, a JSON object, as `T`; `fields` are the document's fields and what each holds, to
/// name the one that is wrong. The error is a phrase about `what` ("a token response"): "a
/// token response whose expires_in is not a number".
pub(crate) fn parse<T: DeserializeOwned>(
    body: &[u8],
    what: &str,
    fields: &[(&str, Kind)],
) -> Result<T, String> {
    let value: Value =
        serde_json::from_slice(body).map_err(|_| format!("{what} that is not valid JSON"))?;
    if !value.is_object() {
        return Err(format!("{what} that is not a JSON object"));
    }
    let diagnosis = |e: serde_json::Error| {
        for (field, kind) in fields {
            if let Some(found) = value.get(field) {
                if !found.is_null() && !kind.holds(found) {
                    return format!("{what} whose {field} is not {}", kind.name());
                }
            }
        }
        // serde names a missing field by the struct's own name for it: nothing of the
        // document's.
        match missing_field(&e) {
            Some(field) => format!("{what} without {field}"),
            None => format!("{what} that is not in the expected form"),
        }
    };
    T::deserialize(&value).map_err(diagnosis)
}

/// The field serde found missing, when that is what it says.
fn missing_field(e: &serde_json::Error) -> Option<String> {
    let message = e.to_string();
    let rest = message.strip_prefix("missing field `")?;
    let field = &rest[..rest.find('`')?];
    field
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_')
        .then(|| field.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)] // read only to be parsed
    struct Doc {
        name: String,
        lifetime: Option<u64>,
    }

    const FIELDS: &[(&str, Kind)] = &[("name", Kind::String), ("lifetime", Kind::Number)];

    fn parse_doc(body: &str) -> Result<Doc, String> {
        parse(body.as_bytes(), "a document", FIELDS)
    }

    #[test]
    fn a_field_of_the_wrong_type_is_named_and_its_value_is_not_repeated() {
        let err = parse_doc(r#"{"name": "n", "lifetime": "SECRET-VALUE-1"}"#).unwrap_err();
        assert_eq!(err, "a document whose lifetime is not a number");
        let err = parse_doc(r#"{"name": {"SECRET": 1}}"#).unwrap_err();
        assert_eq!(err, "a document whose name is not a string");
        let err = parse_doc(r#"{"name": "n", "lifetime": -5}"#).unwrap_err();
        assert_eq!(err, "a document whose lifetime is not a number");
    }

    #[test]
    fn a_missing_field_or_another_shape_is_said_without_the_document() {
        assert_eq!(
            parse_doc(r#"{"SECRET-VALUE": 1}"#).unwrap_err(),
            "a document without name"
        );
        assert_eq!(
            parse_doc(r#"["SECRET-VALUE"]"#).unwrap_err(),
            "a document that is not a JSON object"
        );
        assert_eq!(
            parse_doc(r#"{"name": "SECRET-VALUE"#).unwrap_err(),
            "a document that is not valid JSON"
        );
        assert!(parse_doc(r#"{"name": "n", "lifetime": null}"#).is_ok());
    }
}

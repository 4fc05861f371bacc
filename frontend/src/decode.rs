//! The backend's replies and event payloads, read field by field from the JavaScript values
//! Tauri hands over, into the contract's types.
//!
//! By hand rather than through serde: a deserializer (with the float formatting its error
//! messages pull in) would be a tenth of the frontend's size, for five small types. The
//! contract's own tests pin the wire names these functions read (`as_str`, `from_wire`), and
//! the frontend's wasm tests feed them the backend's serialisation of each type.

use gatehouse_contract::{CommandError, ErrorKind, SessionView, SignInWaiting, StorageStatus};
use wasm_bindgen::JsValue;

/// Why a value is not the expected type: a phrase, for "unexpected reply" messages.
pub type Error = String;

/// A type the backend sends, readable from a JavaScript value.
pub trait FromJs: Sized {
    fn from_js(value: &JsValue) -> Result<Self, Error>;
}

impl FromJs for () {
    fn from_js(value: &JsValue) -> Result<Self, Error> {
        if value.is_null() || value.is_undefined() {
            Ok(())
        } else {
            Err("expected nothing".into())
        }
    }
}

impl FromJs for bool {
    fn from_js(value: &JsValue) -> Result<Self, Error> {
        value.as_bool().ok_or_else(|| "expected a boolean".into())
    }
}

impl FromJs for String {
    fn from_js(value: &JsValue) -> Result<Self, Error> {
        value.as_string().ok_or_else(|| "expected a string".into())
    }
}

/// Seconds since the epoch and the like: a JavaScript number that is a whole number and
/// exactly representable (±2^53).
impl FromJs for i64 {
    fn from_js(value: &JsValue) -> Result<Self, Error> {
        const EXACT: f64 = 9_007_199_254_740_992.0;
        match value.as_f64() {
            Some(n) if n.fract() == 0.0 && n.abs() <= EXACT => Ok(n as i64),
            _ => Err("expected a whole number".into()),
        }
    }
}

impl<T: FromJs> FromJs for Option<T> {
    fn from_js(value: &JsValue) -> Result<Self, Error> {
        if value.is_null() || value.is_undefined() {
            Ok(None)
        } else {
            T::from_js(value).map(Some)
        }
    }
}

impl FromJs for ErrorKind {
    fn from_js(value: &JsValue) -> Result<Self, Error> {
        let name = String::from_js(value)?;
        ErrorKind::from_wire(&name).ok_or_else(|| format!("unknown error kind {name}"))
    }
}

impl FromJs for StorageStatus {
    fn from_js(value: &JsValue) -> Result<Self, Error> {
        let name = String::from_js(value)?;
        StorageStatus::from_wire(&name).ok_or_else(|| format!("unknown storage {name}"))
    }
}

impl FromJs for CommandError {
    fn from_js(value: &JsValue) -> Result<Self, Error> {
        let object = Object::new(value)?;
        Ok(Self {
            kind: object.field("kind")?,
            message: object.field("message")?,
        })
    }
}

impl FromJs for SessionView {
    fn from_js(value: &JsValue) -> Result<Self, Error> {
        let object = Object::new(value)?;
        Ok(Self {
            display_name: object.field("displayName")?,
            email: object.field("email")?,
            picture: object.field("picture")?,
            expires_at: object.field("expiresAt")?,
            can_renew: object.field("canRenew")?,
            storage: object.field("storage")?,
        })
    }
}

impl FromJs for SignInWaiting {
    fn from_js(value: &JsValue) -> Result<Self, Error> {
        let object = Object::new(value)?;
        Ok(Self {
            url: object.field("url")?,
            browser_error: object.field("browserError")?,
        })
    }
}

/// A JavaScript object whose fields are read by name; a missing field reads as `undefined`,
/// which only an `Option` accepts.
struct Object<'a>(&'a JsValue);

impl<'a> Object<'a> {
    fn new(value: &'a JsValue) -> Result<Self, Error> {
        if value.is_object() && !value.is_null() {
            Ok(Self(value))
        } else {
            Err("expected an object".into())
        }
    }

    fn field<T: FromJs>(&self, name: &str) -> Result<T, Error> {
        let value = js_sys::Reflect::get(self.0, &JsValue::from_str(name))
            .map_err(|_| format!("{name} cannot be read"))?;
        T::from_js(&value).map_err(|e| format!("{name}: {e}"))
    }
}

/// Reads the `payload` of a Tauri event.
pub fn payload<T: FromJs>(event: &JsValue) -> Result<T, Error> {
    let event = Object::new(event)?;
    event.field("payload")
}

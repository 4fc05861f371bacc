//! Calls of the app's APIs from the page, through the backend, which adds each API's token:
//! the page never holds one. [`fetch`] takes the call as the command does; [`get_json`] and
//! [`send_json`] are typed with serde.
//!
//! ```no_run
//! # async fn run() -> Result<(), gatehouse_yew::fetch::FetchError> {
//! #[derive(serde::Deserialize)]
//! struct Me {
//!     name: String,
//! }
//! let me: Me = gatehouse_yew::fetch::get_json("https://orders.example.com/v1/me").await?;
//! # let _ = me.name;
//! # Ok(())
//! # }
//! ```

use std::fmt;

use gatehouse_contract::{command, CommandError, FetchRequest, FetchResponse};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::ipc::invoke;

/// Sends `request` to one of the app's configured APIs; resolves with the API's answer,
/// whatever its status, or rejects when the backend did not send it (a URL under no
/// configured API, a credential header) or got no answer.
pub async fn fetch(request: &FetchRequest) -> Result<FetchResponse, CommandError> {
    #[derive(Serialize)]
    struct Args<'a> {
        request: &'a FetchRequest,
    }
    invoke(command::FETCH, &Args { request }).await
}

/// A `GET` of `url`, its JSON answer read as `T`.
pub async fn get_json<T: DeserializeOwned>(url: &str) -> Result<T, FetchError> {
    let mut request = FetchRequest::get(url);
    request
        .headers
        .insert("Accept".into(), "application/json".into());
    read_json(fetch(&request).await?)
}

/// `body` sent as JSON with `method` to `url`, its JSON answer read as `T`.
pub async fn send_json<B: Serialize, T: DeserializeOwned>(
    method: &str,
    url: &str,
    body: &B,
) -> Result<T, FetchError> {
    read_json(fetch(&json_request(method, url, body)?).await?)
}

/// The call [`send_json`] makes.
pub fn json_request<B: Serialize>(
    method: &str,
    url: &str,
    body: &B,
) -> Result<FetchRequest, FetchError> {
    let body = serde_json::to_string(body).map_err(|e| FetchError::Body(e.to_string()))?;
    let mut request = FetchRequest::get(url);
    request.method = method.to_owned();
    request
        .headers
        .insert("Content-Type".into(), "application/json".into());
    request
        .headers
        .insert("Accept".into(), "application/json".into());
    request.body = Some(body);
    Ok(request)
}

/// A successful answer's body read as `T`; any other status is [`FetchError::Status`].
pub fn read_json<T: DeserializeOwned>(response: FetchResponse) -> Result<T, FetchError> {
    if !(200..300).contains(&response.status) {
        return Err(FetchError::Status {
            status: response.status,
            body: response.body,
        });
    }
    serde_json::from_str(&response.body).map_err(|e| FetchError::Body(e.to_string()))
}

/// Why a typed call gave no value.
#[derive(Debug, Clone, PartialEq)]
pub enum FetchError {
    /// The backend did not send the call, or got no answer; the error says which.
    Command(CommandError),
    /// The API answered with a status outside 2xx.
    Status {
        /// The HTTP status.
        status: u16,
        /// The answer's body, as text.
        body: String,
    },
    /// A body that is not the JSON expected.
    Body(String),
}

impl From<CommandError> for FetchError {
    fn from(error: CommandError) -> Self {
        Self::Command(error)
    }
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Command(e) => f.write_str(&e.message),
            Self::Status { status, .. } => write!(f, "The API answered with HTTP status {status}."),
            Self::Body(e) => write!(f, "The API's answer is not the JSON expected: {e}."),
        }
    }
}

impl std::error::Error for FetchError {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn answer(status: u16, body: &str) -> FetchResponse {
        FetchResponse {
            status,
            headers: BTreeMap::new(),
            body: body.into(),
        }
    }

    #[derive(Debug, PartialEq, serde::Deserialize, Serialize)]
    struct Order {
        item: String,
    }

    #[test]
    fn a_json_call_carries_its_body_and_says_it_is_json() {
        let request = json_request(
            "POST",
            "https://orders.example/v1/orders",
            &Order { item: "tea".into() },
        )
        .unwrap();
        assert_eq!(request.method, "POST");
        assert_eq!(request.body.as_deref(), Some(r#"{"item":"tea"}"#));
        assert_eq!(request.headers["Content-Type"], "application/json");
        // As the command takes it: no field the backend does not know.
        let json = serde_json::to_value(&request).unwrap();
        let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["body", "headers", "method", "url"]);
    }

    #[test]
    fn a_2xx_answer_is_read_and_any_other_is_its_status() {
        assert_eq!(
            read_json::<Order>(answer(201, r#"{"item":"tea"}"#))
                .unwrap()
                .item,
            "tea"
        );
        assert_eq!(
            read_json::<Order>(answer(404, "no such order")),
            Err(FetchError::Status {
                status: 404,
                body: "no such order".into()
            })
        );
        assert!(matches!(
            read_json::<Order>(answer(200, "<html>")),
            Err(FetchError::Body(_))
        ));
        assert_eq!(
            FetchError::Status {
                status: 503,
                body: String::new()
            }
            .to_string(),
            "The API answered with HTTP status 503."
        );
    }
}

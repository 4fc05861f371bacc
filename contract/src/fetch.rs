//! A call of one of the app's APIs, made by the backend for the page: the page names the URL,
//! the method, its headers and its body; the backend adds the API's token and answers with
//! the status, the headers a page may read, and the body. No token crosses.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What the page asks [`crate::command::FETCH`] to send.
///
/// ```
/// use gatehouse_contract::FetchRequest;
/// let request: FetchRequest =
///     serde_json::from_str(r#"{"url": "https://orders.example/v1/me"}"#).unwrap();
/// assert_eq!(request.method, "GET");
/// assert!(request.headers.is_empty() && request.body.is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FetchRequest {
    /// An absolute URL under one of the configured APIs' base URLs.
    pub url: String,
    /// `GET` (the default), `HEAD`, `POST`, `PUT`, `PATCH`, `DELETE` or `OPTIONS`.
    #[serde(default = "get")]
    pub method: String,
    /// Request headers; `Authorization`, `DPoP`, `Cookie` and the connection's own are refused.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// The body, as text (JSON, for one), at most [`MAX_REQUEST_BODY`] bytes.
    #[serde(default)]
    pub body: Option<String>,
}

fn get() -> String {
    "GET".to_owned()
}

impl FetchRequest {
    /// A `GET` of `url`.
    pub fn get(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            method: get(),
            headers: BTreeMap::new(),
            body: None,
        }
    }
}

/// The API's answer, as the page gets it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FetchResponse {
    /// The HTTP status.
    pub status: u16,
    /// The headers a page may read (content type, caching, `WWW-Authenticate`, …), names in
    /// lower case; never `Set-Cookie`.
    pub headers: BTreeMap<String, String>,
    /// The body as text, at most [`MAX_RESPONSE_BODY`] bytes.
    pub body: String,
}

/// The largest request body the page may send, in bytes.
pub const MAX_REQUEST_BODY: usize = 1 << 20;
/// The largest response body the page is given, in bytes.
pub const MAX_RESPONSE_BODY: usize = 4 << 20;

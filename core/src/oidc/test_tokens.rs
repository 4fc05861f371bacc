//! Tokens and keys for the unit tests of ID token validation and key selection.
//!
//! The RSA keys in `testdata/` were made for these tests and sign nothing else.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{encode, EncodingKey, Header};
use serde_json::{json, Value};

use super::{ClientId, IssuerUrl, Jwk, Nonce, Origin, ValidationParams};

pub const ISSUER: &str = "https://id.example/";
pub const CLIENT: &str = "client-1";
pub const NONCE: &str = "n-0S6_WzA2Mj";
pub const NOW: i64 = 1_800_000_000;

pub const KEY1: &str = include_str!("testdata/key1.pem");
pub const KEY2: &str = include_str!("testdata/key2.pem");
pub const PUB1: &str = include_str!("testdata/key1.pub.pem");

pub fn jwk(name: &str) -> Jwk {
    let text = match name {
        "key1" => include_str!("testdata/key1.jwk.json"),
        _ => include_str!("testdata/key2.jwk.json"),
    };
    serde_json::from_str(text).unwrap()
}

pub fn claims() -> Value {
    json!({
        "iss": ISSUER, "sub": "user-42", "aud": CLIENT, "exp": NOW + 600, "iat": NOW - 10,
        "nonce": NONCE, "name": "Ada Lovelace", "email": "ada@example.com",
        "picture": "https://img.example/ada.png"
    })
}

pub fn sign(claims: &Value, kid: Option<&str>, key_pem: &str) -> String {
    let mut header = Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = kid.map(str::to_owned);
    encode(
        &header,
        claims,
        &EncodingKey::from_rsa_pem(key_pem.as_bytes()).unwrap(),
    )
    .unwrap()
}

pub fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap())
}

/// A token signed by key1 with claims changed by `edit`.
pub fn with(edit: impl FnOnce(&mut serde_json::Map<String, Value>)) -> String {
    let mut c = claims();
    edit(c.as_object_mut().unwrap());
    sign(&c, Some("key1"), KEY1)
}

/// The values the parameters borrow.
pub struct Expected {
    pub issuer: IssuerUrl,
    pub client_id: ClientId,
    pub nonce: Nonce,
}

impl Expected {
    pub fn new() -> Self {
        Self {
            issuer: IssuerUrl::new(ISSUER),
            client_id: ClientId::new(CLIENT),
            nonce: Nonce::new(NONCE),
        }
    }

    /// A sign-in's parameters at [`NOW`] with a leeway of 60 s.
    pub fn params(&self) -> ValidationParams<'_> {
        ValidationParams {
            issuer: &self.issuer,
            allowed_tenants: &[],
            client_id: &self.client_id,
            audience: None,
            now: NOW,
            leeway: 60,
            origin: Origin::SignIn {
                nonce: &self.nonce,
                max_age: None,
            },
            advertised_algorithms: None,
        }
    }
}

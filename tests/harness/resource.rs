//! A resource server on loopback, as an API of the app's would be: it accepts a call only with
//! a bearer access token (RFC 6750 §2.1) whose signature verifies against the provider's
//! published keys, from that issuer, for its own audience (RFC 8707 §2.2, RFC 9068 §4), not
//! expired, and not among those the test told it to refuse. Anything else gets `401` with
//! `error="invalid_token"` (RFC 6750 §3.1). Every call it saw is kept for the test to read.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{json, Value};

use crate::idp::Idp;

/// One call the server saw.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    /// The path and query.
    pub target: String,
    /// Header names in lower case, with their values.
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// The token's claims when it was accepted.
    pub accepted: Option<Value>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct State {
    seen: Vec<Seen>,
    /// `jti`s of tokens it no longer accepts, as if revoked.
    refused: HashSet<String>,
}

pub struct ResourceServer {
    /// `http://127.0.0.1:{port}`.
    pub origin: String,
    /// The audience it accepts.
    pub resource: String,
    state: Arc<Mutex<State>>,
}

impl ResourceServer {
    /// A server for `resource`, trusting `idp`'s keys. It runs until the test process ends.
    pub fn start(idp: &Idp, resource: &str) -> Self {
        // On a thread of its own: reqwest's blocking client refuses to run inside a runtime.
        let url = format!("{}/jwks", idp.issuer);
        let keys: JwkSet = std::thread::spawn(move || reqwest::blocking::get(url)?.json())
            .join()
            .expect("the request thread does not panic")
            .expect("the provider's keys");
        let key = DecodingKey::from_jwk(&keys.keys[0]).expect("an RSA key");
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_audience(&[resource]);
        validation.set_issuer(&[&idp.issuer]);
        validation.leeway = 0;
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let origin = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State::default()));
        let shared = state.clone();
        let name = resource.to_owned();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (key, validation, state, name) = (&key, &validation, &shared, &name);
                let _ = serve(stream, key, validation, state, name);
            }
        });
        Self {
            origin,
            resource: resource.to_owned(),
            state,
        }
    }

    /// Every call it saw, in order.
    pub fn seen(&self) -> Vec<Seen> {
        self.state.lock().unwrap().seen.clone()
    }

    /// From now on, the tokens it has accepted so far are refused, as if revoked.
    pub fn refuse_tokens_seen(&self) {
        let mut state = self.state.lock().unwrap();
        let jtis: Vec<String> = state
            .seen
            .iter()
            .filter_map(|s| s.accepted.as_ref()?["jti"].as_str().map(str::to_owned))
            .collect();
        state.refused.extend(jtis);
    }
}

fn serve(
    stream: TcpStream,
    key: &DecodingKey,
    validation: &Validation,
    state: &Mutex<State>,
    name: &str,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let (method, target) = (
        parts.next().unwrap_or_default().to_owned(),
        parts.next().unwrap_or_default().to_owned(),
    );
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((n, v)) = line.split_once(':') {
            headers.push((n.trim().to_ascii_lowercase(), v.trim().to_owned()));
        }
    }
    let length = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let body = String::from_utf8_lossy(&body).into_owned();

    let token = headers
        .iter()
        .find(|(n, _)| n == "authorization")
        .and_then(|(_, v)| v.strip_prefix("Bearer "));
    let mut state = state.lock().unwrap();
    let accepted = token
        .and_then(|t| jsonwebtoken::decode::<Value>(t, key, validation).ok())
        .map(|data| data.claims)
        .filter(|claims| {
            claims["jti"]
                .as_str()
                .is_some_and(|jti| !state.refused.contains(jti))
        });
    state.seen.push(Seen {
        method: method.clone(),
        target: target.clone(),
        headers,
        body: body.clone(),
        accepted: accepted.clone(),
    });
    drop(state);

    let (status, extra, answer) = match &accepted {
        Some(claims) => (
            "200 OK",
            "Set-Cookie: session=kept-by-the-server\r\nX-Internal: not-for-pages\r\nX-Request-Id: r-1\r\nCache-Control: no-store\r\n",
            json!({
                "api": name, "sub": claims["sub"], "aud": claims["aud"], "scope": claims["scope"],
                "method": method, "target": target, "body": body,
            }),
        ),
        None => (
            "401 Unauthorized",
            "WWW-Authenticate: Bearer error=\"invalid_token\"\r\n",
            json!({ "error": "invalid_token" }),
        ),
    };
    let answer = answer.to_string();
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n{extra}\r\n{answer}",
        answer.len()
    )?;
    stream.flush()
}

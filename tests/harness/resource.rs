//! A resource server on loopback, as an API of the app's would be: it accepts a call only with
//! a bearer access token (RFC 6750 §2.1) whose signature verifies against the provider's
//! published keys, from that issuer, for its own audience (RFC 8707 §2.2, RFC 9068 §4), not
//! expired, and not among those the test told it to refuse. Anything else gets `401` with
//! `error="invalid_token"` (RFC 6750 §3.1). Every call it saw is kept for the test to read.
//!
//! A token bound to a DPoP key (`cnf.jkt`, RFC 9449 §6.1) is accepted only with the `DPoP`
//! scheme and a proof (RFC 9449 §7.1, §4.3): signed by that key (`typ` dpop+jwt, ES256), for
//! this call's method and URL, with the token's hash (`ath`), issued within a minute, a `jti`
//! it has not seen before, and the server's current nonce; without the nonce the answer asks
//! for it (`use_dpop_nonce`, RFC 9449 §9).

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::jwk::{JwkSet, ThumbprintHash};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

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
    /// `jti`s of the DPoP proofs it has seen (RFC 9449 §11.1).
    proofs: HashSet<String>,
    /// The nonce its proofs must carry.
    nonce: String,
    /// Why the last call was refused, for the test to read.
    why: Option<String>,
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
        let url = idp.endpoint("jwks_uri");
        let keys: JwkSet = std::thread::spawn(move || reqwest::blocking::get(url)?.json())
            .join()
            .expect("the request thread does not panic")
            .expect("the provider's keys");
        let key = DecodingKey::from_jwk(&keys.keys[0]).expect("an RSA key");
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_audience(&[resource]);
        validation.set_issuer(&[&idp.token_issuer]);
        validation.leeway = 0;
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let origin = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State {
            nonce: format!("n-{}", std::process::id()),
            ..State::default()
        }));
        let shared = state.clone();
        let here = origin.clone();
        let name = resource.to_owned();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (key, validation, state, name) = (&key, &validation, &shared, &name);
                let _ = serve(stream, key, validation, state, name, &here);
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

    /// Why it refused the last call it refused.
    pub fn why_refused(&self) -> Option<String> {
        self.state.lock().unwrap().why.clone()
    }

    /// Sends `headers` (name, value) to `path` again, as someone who copied them off a call
    /// would; the answer's status.
    pub fn replay(&self, method: &str, path: &str, headers: &[(String, String)]) -> u16 {
        let mut stream = TcpStream::connect(self.origin.trim_start_matches("http://")).unwrap();
        let mut request = format!("{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n");
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str("\r\n");
        stream.write_all(request.as_bytes()).unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer.split_whitespace().nth(1).unwrap().parse().unwrap()
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
    origin: &str,
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

    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let (scheme, token) = header("authorization")
        .and_then(|v| v.split_once(' '))
        .unwrap_or_default();
    let mut state = state.lock().unwrap();
    let htu = format!("{origin}{}", target.split('?').next().unwrap_or_default());
    let checked = jsonwebtoken::decode::<Value>(token, key, validation)
        .map_err(|e| format!("the token: {e}"))
        .map(|data| data.claims)
        .and_then(|claims| match claims["jti"].as_str() {
            Some(jti) if state.refused.contains(jti) => Err("the token is revoked".into()),
            _ => Ok(claims),
        })
        .and_then(|claims| match claims["cnf"]["jkt"].as_str() {
            None if scheme == "Bearer" => Ok(claims),
            None => Err(format!("a bearer token sent as {scheme}")),
            Some(jkt) => check_proof(
                &mut state,
                header("dpop"),
                scheme,
                token,
                jkt,
                &method,
                &htu,
            )
            .map(|()| claims),
        });
    let asks_nonce = matches!(&checked, Err(why) if why == "use_dpop_nonce");
    let accepted = checked.as_ref().ok().cloned();
    state.why = checked.err();
    state.seen.push(Seen {
        method: method.clone(),
        target: target.clone(),
        headers,
        body: body.clone(),
        accepted: accepted.clone(),
    });
    let nonce = state.nonce.clone();
    drop(state);

    let ask_nonce =
        format!("WWW-Authenticate: DPoP error=\"use_dpop_nonce\"\r\nDPoP-Nonce: {nonce}\r\n");
    let (status, extra, answer) = match &accepted {
        Some(claims) => (
            "200 OK",
            "Set-Cookie: session=kept-by-the-server\r\nX-Internal: not-for-pages\r\nX-Request-Id: r-1\r\nCache-Control: no-store\r\n",
            json!({
                "api": name, "sub": claims["sub"], "aud": claims["aud"], "scope": claims["scope"],
                "method": method, "target": target, "body": body,
            }),
        ),
        None if asks_nonce => ("401 Unauthorized", ask_nonce.as_str(), json!({ "error": "use_dpop_nonce" })),
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

/// RFC 9449 §4.3 and §7.1: the proof of a call with a token bound to `jkt`.
fn check_proof(
    state: &mut State,
    proof: Option<&str>,
    scheme: &str,
    token: &str,
    jkt: &str,
    method: &str,
    htu: &str,
) -> Result<(), String> {
    if scheme != "DPoP" {
        return Err(format!("a DPoP-bound token sent as {scheme}"));
    }
    let proof = proof.ok_or("no DPoP proof")?;
    let header = jsonwebtoken::decode_header(proof).map_err(|e| format!("the proof: {e}"))?;
    if header.typ.as_deref() != Some("dpop+jwt") || header.alg != Algorithm::ES256 {
        return Err("the proof's typ or alg".into());
    }
    let jwk = header.jwk.ok_or("the proof has no jwk")?;
    if jwk.thumbprint(ThumbprintHash::SHA256) != jkt {
        return Err("the proof is signed by another key than the token's".into());
    }
    let mut validation = Validation::new(Algorithm::ES256);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    let key = DecodingKey::from_jwk(&jwk).map_err(|e| e.to_string())?;
    let claims = jsonwebtoken::decode::<Value>(proof, &key, &validation)
        .map_err(|e| format!("the proof's signature: {e}"))?
        .claims;
    if claims["htm"] != method || claims["htu"] != htu {
        return Err(format!(
            "the proof is for {} {}",
            claims["htm"], claims["htu"]
        ));
    }
    if claims["ath"] != URL_SAFE_NO_PAD.encode(Sha256::digest(token)) {
        return Err("the proof's ath is not this token's".into());
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    if claims["iat"]
        .as_i64()
        .is_none_or(|iat| (iat - now).abs() > 60)
    {
        return Err("the proof's iat is not now".into());
    }
    let jti = claims["jti"].as_str().ok_or("the proof has no jti")?;
    if claims["nonce"] != state.nonce.as_str() {
        return Err("use_dpop_nonce".into());
    }
    if !state.proofs.insert(jti.to_owned()) {
        return Err("the proof was used before".into());
    }
    Ok(())
}

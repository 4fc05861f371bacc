//! A hostile OpenID provider on 127.0.0.1: it speaks enough HTTP and OAuth for a sign-in, and
//! serves whatever discovery document, keys and ID tokens a test scripts, so that each RP
//! conformance case can be played against the real core.
//!
//! The "browser" is curl: it GETs the authorization URL and follows the provider's redirect
//! to Gatehouse's loopback callback.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub const CLIENT_ID: &str = "hostile-client";
pub const KEY1: &str = include_str!("../../src/oidc/testdata/key1.pem");
pub const KEY2: &str = include_str!("../../src/oidc/testdata/key2.pem");
pub const PUB1: &str = include_str!("../../src/oidc/testdata/key1.pub.pem");

pub fn jwk(name: &str) -> Value {
    let text = match name {
        "key1" => include_str!("../../src/oidc/testdata/key1.jwk.json"),
        _ => include_str!("../../src/oidc/testdata/key2.jwk.json"),
    };
    serde_json::from_str(text).unwrap()
}

pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// What the ID token is for: the sign-in's nonce (none on a refresh).
#[derive(Debug, Clone)]
pub struct Issue {
    pub issuer: String,
    pub nonce: Option<String>,
    pub refresh: bool,
    /// When the person "authenticated": the provider's start, the same for every token.
    pub auth_time: i64,
}

/// Edits a JSON document before it is served.
pub type Edit = Box<dyn Fn(&mut Value) + Send>;

/// Makes the ID token of a token response; `None` leaves it out.
pub type Mint = Box<dyn Fn(&Issue) -> Option<String> + Send>;

/// How the pushed authorization request endpoint behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Par {
    /// Not advertised.
    Off,
    /// Advertised and working.
    On,
    /// Advertised, but every push refused (a plan without PAR).
    Refused,
}

/// Everything the provider does, changeable while it runs.
pub struct Script {
    /// Edits the discovery document before it is served.
    pub discovery: Box<dyn Fn(&mut Value) + Send>,
    /// Answer discovery with a redirect to a valid copy of the document instead.
    pub discovery_redirects: bool,
    /// The key sets served at `jwks_uri`, one per fetch; the last repeats.
    pub jwks: Vec<Value>,
    pub mint: Mint,
    pub par: Par,
    pub require_par: bool,
    /// Advertise `authorization_response_iss_parameter_supported`.
    pub advertise_iss: bool,
    /// Send `iss` in the redirect.
    pub send_iss: bool,
    /// Issue a refresh token with the code exchange.
    pub refresh_token: bool,
    /// The access token's `expires_in`.
    pub expires_in: u64,
    /// Edits each token response before it is sent.
    pub response: Box<dyn Fn(&mut Value) + Send>,
    /// Refuse (`invalid_grant`) a refresh with any refresh token but the newest one issued, as
    /// a provider with strict rotation does.
    pub strict_rotation: bool,
    /// Serves OAuth 2.0 Authorization Server Metadata (RFC 8414) at
    /// `/.well-known/oauth-authorization-server`, edited by this.
    pub authorization_server_metadata: Option<Edit>,
}

impl Default for Script {
    fn default() -> Self {
        Self {
            discovery: Box::new(|_| {}),
            discovery_redirects: false,
            jwks: vec![json!({ "keys": [jwk("key1")] })],
            mint: Box::new(|issue| Some(sign(&claims(issue), Some("key1"), KEY1))),
            par: Par::Off,
            require_par: false,
            advertise_iss: false,
            send_iss: true,
            refresh_token: true,
            expires_in: 600,
            response: Box::new(|_| {}),
            strict_rotation: false,
            authorization_server_metadata: None,
        }
    }
}

/// What the provider saw.
#[derive(Debug, Default)]
pub struct Seen {
    pub discovery: AtomicU32,
    pub redirected_discovery: AtomicU32,
    pub jwks: AtomicU32,
    pub authorize: AtomicU32,
    pub pushed: AtomicU32,
    pub code_exchanges: AtomicU32,
    pub refreshes: AtomicU32,
    /// Refreshes refused for presenting a refresh token that was rotated away.
    pub stale_refreshes: AtomicU32,
    pub revocations: AtomicU32,
    /// The parameters of the last authorization request (pushed or in the URL).
    pub last_request: Mutex<HashMap<String, String>>,
    /// The form of the last code exchange.
    pub last_exchange: Mutex<HashMap<String, String>>,
}

impl Seen {
    pub fn count(counter: &AtomicU32) -> u32 {
        counter.load(Ordering::SeqCst)
    }
}

/// The default claims of a good ID token for `issue`.
pub fn claims(issue: &Issue) -> Value {
    let now = now();
    let mut claims = json!({
        "iss": issue.issuer, "sub": "user-42", "aud": CLIENT_ID, "exp": now + 600, "iat": now,
        "auth_time": issue.auth_time, "name": "Ada Lovelace", "email": "ada@example.test"
    });
    if let Some(nonce) = &issue.nonce {
        claims["nonce"] = json!(nonce);
    }
    claims
}

pub fn sign(claims: &Value, kid: Option<&str>, key_pem: &str) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(
        &header,
        claims,
        &EncodingKey::from_rsa_pem(key_pem.as_bytes()).unwrap(),
    )
    .unwrap()
}

pub fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(value).unwrap())
}

/// A running hostile provider; stopped on drop.
pub struct Hostile {
    pub issuer: String,
    pub script: Arc<Mutex<Script>>,
    pub seen: Arc<Seen>,
    stop: Arc<AtomicBool>,
}

struct Pending {
    redirect_uri: String,
    state: String,
    nonce: Option<String>,
    challenge: String,
}

struct Shared {
    issuer: String,
    script: Arc<Mutex<Script>>,
    seen: Arc<Seen>,
    /// Pushed requests by request_uri, and codes by value.
    pushed: Mutex<HashMap<String, HashMap<String, String>>>,
    codes: Mutex<HashMap<String, Pending>>,
    counter: AtomicU32,
    started: i64,
    /// The newest refresh token issued.
    current_refresh: Mutex<Option<String>>,
}

impl Hostile {
    pub fn start(script: Script) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let issuer = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let script = Arc::new(Mutex::new(script));
        let seen = Arc::new(Seen::default());
        let stop = Arc::new(AtomicBool::new(false));
        let shared = Arc::new(Shared {
            issuer: issuer.clone(),
            script: script.clone(),
            seen: seen.clone(),
            pushed: Mutex::default(),
            codes: Mutex::default(),
            counter: AtomicU32::new(0),
            started: now() - 5,
            current_refresh: Mutex::default(),
        });
        listener.set_nonblocking(true).unwrap();
        let running = stop.clone();
        thread::spawn(move || {
            while !running.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let shared = shared.clone();
                        thread::spawn(move || {
                            let _ = serve(stream, &shared);
                        });
                    }
                    Err(_) => thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Self {
            issuer,
            script,
            seen,
            stop,
        }
    }

    pub fn edit(&self, edit: impl FnOnce(&mut Script)) {
        edit(&mut self.script.lock().unwrap());
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

struct Request {
    method: String,
    path: String,
    query: HashMap<String, String>,
    form: HashMap<String, String>,
}

fn pairs(text: &str) -> HashMap<String, String> {
    url::form_urlencoded::parse(text.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn read_request(stream: &TcpStream) -> Option<Request> {
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let target = parts.next()?.to_owned();
    let mut length = 0;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().ok()?;
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    Some(Request {
        method,
        path: path.to_owned(),
        query: pairs(query),
        form: pairs(&String::from_utf8_lossy(&body)),
    })
}

fn respond(mut stream: TcpStream, status: &str, headers: &[(&str, &str)], body: &[u8]) {
    let mut head = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body);
}

fn json_response(stream: TcpStream, status: &str, value: &Value) {
    respond(
        stream,
        status,
        &[("Content-Type", "application/json")],
        &serde_json::to_vec(value).unwrap(),
    );
}

fn serve(stream: TcpStream, shared: &Shared) -> Option<()> {
    let request = read_request(&stream)?;
    let issuer = &shared.issuer;
    let seen = &shared.seen;
    match (request.method.as_str(), request.path.as_str()) {
        ("GET", "/.well-known/openid-configuration") => {
            seen.discovery.fetch_add(1, Ordering::SeqCst);
            let script = shared.script.lock().unwrap();
            if script.discovery_redirects {
                let location = format!("{issuer}/elsewhere/openid-configuration");
                respond(stream, "302 Found", &[("Location", &location)], b"");
                return Some(());
            }
            json_response(stream, "200 OK", &discovery(issuer, &script));
        }
        ("GET", "/elsewhere/openid-configuration") => {
            seen.redirected_discovery.fetch_add(1, Ordering::SeqCst);
            let script = shared.script.lock().unwrap();
            json_response(stream, "200 OK", &discovery(issuer, &script));
        }
        ("GET", "/.well-known/oauth-authorization-server") => {
            let script = shared.script.lock().unwrap();
            let Some(edit) = &script.authorization_server_metadata else {
                respond(stream, "404 Not Found", &[], b"");
                return Some(());
            };
            let mut metadata = json!({
                "issuer": issuer,
                "authorization_endpoint": format!("{issuer}/authorize"),
                "token_endpoint": format!("{issuer}/token"),
                "revocation_endpoint": format!("{issuer}/revoke"),
            });
            edit(&mut metadata);
            json_response(stream, "200 OK", &metadata);
        }
        ("GET", "/jwks") => {
            let n = seen.jwks.fetch_add(1, Ordering::SeqCst) as usize;
            let script = shared.script.lock().unwrap();
            let set = script.jwks[n.min(script.jwks.len() - 1)].clone();
            json_response(stream, "200 OK", &set);
        }
        ("POST", "/par") => {
            seen.pushed.fetch_add(1, Ordering::SeqCst);
            let par = shared.script.lock().unwrap().par;
            if par == Par::Refused {
                let refusal = json!({"error": "unauthorized_client",
                    "error_description": "Pushed authorization requests are not enabled"});
                json_response(stream, "403 Forbidden", &refusal);
                return Some(());
            }
            let n = shared.counter.fetch_add(1, Ordering::SeqCst);
            let request_uri = format!("urn:ietf:params:oauth:request_uri:hostile-{n}");
            shared
                .pushed
                .lock()
                .unwrap()
                .insert(request_uri.clone(), request.form);
            json_response(
                stream,
                "201 Created",
                &json!({"request_uri": request_uri, "expires_in": 60}),
            );
        }
        ("GET", "/authorize") => {
            seen.authorize.fetch_add(1, Ordering::SeqCst);
            let params = match request.query.get("request_uri") {
                Some(uri) => shared.pushed.lock().unwrap().remove(uri)?,
                None => request.query,
            };
            *seen.last_request.lock().unwrap() = params.clone();
            let code = format!("code-{}", shared.counter.fetch_add(1, Ordering::SeqCst));
            let pending = Pending {
                redirect_uri: params.get("redirect_uri")?.clone(),
                state: params.get("state")?.clone(),
                nonce: params.get("nonce").cloned(),
                challenge: params.get("code_challenge")?.clone(),
            };
            let send_iss = shared.script.lock().unwrap().send_iss;
            let mut location = url::Url::parse(&pending.redirect_uri).ok()?;
            location
                .query_pairs_mut()
                .append_pair("code", &code)
                .append_pair("state", &pending.state);
            if send_iss {
                location.query_pairs_mut().append_pair("iss", issuer);
            }
            shared.codes.lock().unwrap().insert(code, pending);
            respond(stream, "302 Found", &[("Location", location.as_str())], b"");
        }
        ("POST", "/token") => token(stream, shared, request.form),
        ("POST", "/revoke") => {
            seen.revocations.fetch_add(1, Ordering::SeqCst);
            respond(stream, "200 OK", &[], b"");
        }
        _ => respond(stream, "404 Not Found", &[], b""),
    }
    Some(())
}

fn token(stream: TcpStream, shared: &Shared, form: HashMap<String, String>) {
    let refused = |stream, error: &str| {
        json_response(stream, "400 Bad Request", &json!({ "error": error }));
    };
    let seen = &shared.seen;
    let issue = match form.get("grant_type").map(String::as_str) {
        Some("authorization_code") => {
            seen.code_exchanges.fetch_add(1, Ordering::SeqCst);
            *seen.last_exchange.lock().unwrap() = form.clone();
            let pending = form
                .get("code")
                .and_then(|code| shared.codes.lock().unwrap().remove(code));
            let Some(pending) = pending else {
                return refused(stream, "invalid_grant");
            };
            // RFC 7636 §4.6: the verifier must hash to the challenge.
            let verifier = form.get("code_verifier").cloned().unwrap_or_default();
            let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
            if challenge != pending.challenge
                || form.get("redirect_uri") != Some(&pending.redirect_uri)
            {
                return refused(stream, "invalid_grant");
            }
            Issue {
                issuer: shared.issuer.clone(),
                nonce: pending.nonce,
                refresh: false,
                auth_time: shared.started,
            }
        }
        Some("refresh_token") => {
            seen.refreshes.fetch_add(1, Ordering::SeqCst);
            let strict = shared.script.lock().unwrap().strict_rotation;
            let newest = shared.current_refresh.lock().unwrap().clone();
            if strict && form.get("refresh_token") != newest.as_ref() {
                seen.stale_refreshes.fetch_add(1, Ordering::SeqCst);
                return refused(stream, "invalid_grant");
            }
            Issue {
                issuer: shared.issuer.clone(),
                nonce: None,
                refresh: true,
                auth_time: shared.started,
            }
        }
        _ => return refused(stream, "unsupported_grant_type"),
    };
    let script = shared.script.lock().unwrap();
    let n = shared.counter.fetch_add(1, Ordering::SeqCst);
    let mut response = json!({"access_token": format!("at-{n}"), "token_type": "Bearer",
                              "expires_in": script.expires_in});
    if let Some(id_token) = (script.mint)(&issue) {
        response["id_token"] = json!(id_token);
    }
    if script.refresh_token {
        let token = format!("rt-{n}");
        *shared.current_refresh.lock().unwrap() = Some(token.clone());
        response["refresh_token"] = json!(token);
    }
    (script.response)(&mut response);
    drop(script);
    json_response(stream, "200 OK", &response);
}

fn discovery(issuer: &str, script: &Script) -> Value {
    let mut doc = json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "jwks_uri": format!("{issuer}/jwks"),
        "revocation_endpoint": format!("{issuer}/revoke"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": ["S256"],
    });
    if script.par != Par::Off {
        doc["pushed_authorization_request_endpoint"] = json!(format!("{issuer}/par"));
    }
    if script.require_par {
        doc["require_pushed_authorization_requests"] = json!(true);
    }
    if script.advertise_iss {
        doc["authorization_response_iss_parameter_supported"] = json!(true);
    }
    (script.discovery)(&mut doc);
    doc
}

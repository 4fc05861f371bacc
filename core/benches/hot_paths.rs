//! The hot paths, each timed against a baseline in the same run, reported as a ratio:
//!
//! - ID token validation (header, key choice from the cached keys, signature, every claim)
//!   against the bare RS256 signature check it contains (jsonwebtoken's, given the key's
//!   modulus and exponent);
//! - sealing and opening a session record against the bare XChaCha20-Poly1305 round trip;
//! - reading a loopback callback request against parsing its URL alone.
//!
//! `cargo bench -p gatehouse-core`. Rounds alternate baseline and candidate so that noise from
//! the machine falls on both; the medians are compared.

use std::hint::black_box;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, OsRng, Payload};
use chacha20poly1305::{AeadCore, XChaCha20Poly1305};
use gatehouse_core::oidc::callback::{parse_callback, Awaited};
use gatehouse_core::oidc::{
    ClientId, CsrfState, IssuerUrl, Jwk, KeySet, Nonce, Origin, UnverifiedIdToken, ValidationParams,
};
use gatehouse_core::vault::{DataKey, Sealed};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use serde_json::json;

const ROUNDS: usize = 31;

/// Runs `f` in batches of about 20 ms and returns the median time of one call.
struct Sampler {
    batch: u32,
}

impl Sampler {
    fn calibrate(f: &mut dyn FnMut()) -> Self {
        let mut batch = 1u32;
        loop {
            let started = Instant::now();
            for _ in 0..batch {
                f();
            }
            if started.elapsed() > Duration::from_millis(20) || batch >= 1 << 20 {
                return Self { batch };
            }
            batch *= 2;
        }
    }

    fn sample(&self, f: &mut dyn FnMut()) -> Duration {
        let started = Instant::now();
        for _ in 0..self.batch {
            f();
        }
        started.elapsed() / self.batch
    }
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn compare(name: &str, baseline: &mut dyn FnMut(), candidate: &mut dyn FnMut()) {
    let base = Sampler::calibrate(baseline);
    let cand = Sampler::calibrate(candidate);
    let (mut b, mut c) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        b.push(base.sample(baseline));
        c.push(cand.sample(candidate));
    }
    let (b, c) = (median(b), median(c));
    println!(
        "{name:<40} baseline {:>10.2?}  gatehouse {:>10.2?}  ratio {:.2}",
        b,
        c,
        c.as_secs_f64() / b.as_secs_f64()
    );
}

fn id_token() {
    let pem = include_str!("../src/oidc/testdata/key1.pem");
    let jwk: Jwk = serde_json::from_str(include_str!("../src/oidc/testdata/key1.jwk.json"))
        .expect("the test JWK parses");
    let now = 1_800_000_000;
    let claims = json!({
        "iss": "https://id.example/", "sub": "user-42", "aud": "client-1", "exp": now + 600,
        "iat": now, "nonce": "n-1", "name": "Ada Lovelace", "email": "ada@example.com"
    });
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("key1".into());
    let token = jsonwebtoken::encode(
        &header,
        &claims,
        &EncodingKey::from_rsa_pem(pem.as_bytes()).unwrap(),
    )
    .unwrap();
    let (message, signature) = token.rsplit_once('.').unwrap();
    let decode = |part: &Option<String>| URL_SAFE_NO_PAD.decode(part.as_deref().unwrap()).unwrap();
    let bare_key = DecodingKey::from_rsa_raw_components(&decode(&jwk.n), &decode(&jwk.e));
    // The keys as the cache holds them: decoded once, when the JWKS was fetched.
    let keys = KeySet::new(&[jwk]);
    let (issuer, client_id, nonce) = (
        IssuerUrl::new("https://id.example/"),
        ClientId::new("client-1"),
        Nonce::new("n-1"),
    );
    let params = ValidationParams {
        issuer: &issuer,
        allowed_tenants: &[],
        client_id: &client_id,
        audience: None,
        now,
        leeway: 60,
        origin: Origin::SignIn {
            nonce: &nonce,
            max_age: None,
        },
        advertised_algorithms: None,
    };
    let validate = |token: &str| {
        let token = UnverifiedIdToken::parse(token)?;
        let key = keys
            .select(token.kid(), token.alg())
            .map_err(|_| gatehouse_core::oidc::TokenError::BadSignature)?;
        token.validate(&key, &params)
    };
    validate(&token).expect("the token is valid");

    compare(
        "id token: validate vs RS256 verify",
        &mut || {
            let ok = jsonwebtoken::crypto::verify(
                black_box(signature),
                message.as_bytes(),
                &bare_key,
                Algorithm::RS256,
            );
            assert!(black_box(ok).unwrap());
        },
        &mut || {
            black_box(validate(black_box(&token)).unwrap());
        },
    );
}

fn vault() {
    let record = serde_json::to_vec(&json!({
        "id_token": "x".repeat(900), "refresh_token": "y".repeat(48), "expires_at": 1_800_000_000,
        "issuer": "https://id.example/", "client_id": "client-1"
    }))
    .unwrap();
    let aad = b"gatehouse.session.v1\0https://id.example/\0client-1";
    let key = DataKey::generate();
    let raw_key = XChaCha20Poly1305::generate_key(&mut OsRng);
    let cipher = XChaCha20Poly1305::new(&raw_key);
    compare(
        "vault: seal+open vs AEAD round trip",
        &mut || {
            let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
            let sealed = cipher
                .encrypt(&nonce, Payload { msg: &record, aad })
                .unwrap();
            black_box(
                cipher
                    .decrypt(&nonce, Payload { msg: &sealed, aad })
                    .unwrap(),
            );
        },
        &mut || {
            let sealed = Sealed::seal(&key, black_box(&record), aad);
            black_box(sealed.open(&key, aad).unwrap());
        },
    );
}

fn callback() {
    let target = format!(
        "/callback?code={}&state={}&iss=https%3A%2F%2Fid.example%2F",
        "c".repeat(43),
        "s".repeat(43)
    );
    let request = format!("GET {target} HTTP/1.1\r\nHost: 127.0.0.1:53682\r\nUser-Agent: bench\r\nAccept: */*\r\n\r\n");
    let awaited = Awaited {
        state: CsrfState::new("s".repeat(43)),
        issuer: IssuerUrl::new("https://id.example/"),
        iss_required: true,
    };
    let base = url::Url::parse("http://127.0.0.1").unwrap();
    compare(
        "callback: parse request vs parse URL",
        &mut || {
            black_box(base.join(black_box(&target)).unwrap());
        },
        &mut || {
            black_box(parse_callback(black_box(&request), &awaited));
        },
    );
}

fn main() {
    id_token();
    vault();
    callback();
}

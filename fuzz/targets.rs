//! The fuzz targets: each takes arbitrary bytes as the untrusted input of one parser and must
//! return without panicking. Shared by the libFuzzer binaries (`fuzz_targets/`) and by the
//! test that replays the kept corpora (`core/tests/fuzz_corpora.rs`).

#![allow(dead_code)] // each binary uses one target

use std::sync::{Arc, OnceLock};

use std::path::PathBuf;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use gatehouse_core::oidc::callback::{parse_callback, read_callback, Awaited};
use gatehouse_core::oidc::{
    parse_key_set, parse_par_response, parse_token_response, Algorithm, ClientId, CsrfState,
    IdClaims, IssuerUrl, KeySet, Nonce, Origin, ProviderMetadata, UnverifiedIdToken,
    ValidationParams,
};
use gatehouse_core::vault::{
    DataKey, FileRecordStore, KeyEntry, KeyStore, MemoryKeyStore, Opened, RecordStore, Sealed,
    Vault,
};
use tokio::io::AsyncWriteExt;

const ISSUER: &str = "https://id.example/";
const CLIENT: &str = "client-1";

/// The request head the loopback listener reads (RFC 8252 §7.3).
pub fn callback(data: &[u8]) {
    let head = String::from_utf8_lossy(data);
    for iss_required in [false, true] {
        let awaited = Awaited {
            state: CsrfState::new("s1"),
            issuer: IssuerUrl::new(ISSUER),
            iss_required,
        };
        let _ = parse_callback(&head, &awaited);
    }
}

fn keys() -> &'static KeySet {
    static KEYS: OnceLock<KeySet> = OnceLock::new();
    KEYS.get_or_init(|| {
        let jwk = serde_json::from_str(include_str!("../core/src/oidc/testdata/key1.jwk.json"))
            .expect("the test key");
        KeySet::new(&[jwk])
    })
}

/// An ID token from the token endpoint: header, key choice, signature, claims (OIDC Core
/// 3.1.3.7); and the same token read back from the seal.
pub fn id_token(data: &[u8]) {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    let _ = IdClaims::read_sealed(token);
    let Ok(unverified) = UnverifiedIdToken::parse(token) else {
        return;
    };
    let Ok(key) = keys().select(unverified.kid(), unverified.alg()) else {
        return;
    };
    let expected = Expected::new();
    let params = expected.sign_in(Some("api"), None);
    if let Ok(previous) = unverified.validate(&key, &params) {
        let refresh = ValidationParams {
            origin: Origin::Refresh {
                previous: &previous,
            },
            ..params
        };
        let _ = unverified.validate(&key, &refresh);
    }
}

/// What the targets check a sign-in's ID token against: this client of this issuer, the
/// sign-in's nonce, a fixed time with a minute's leeway.
struct Expected {
    issuer: IssuerUrl,
    client_id: ClientId,
    nonce: Nonce,
}

impl Expected {
    fn new() -> Self {
        Self {
            issuer: IssuerUrl::new(ISSUER),
            client_id: ClientId::new(CLIENT),
            nonce: Nonce::new("n-1"),
        }
    }

    /// A sign-in's parameters, trusting `audience` besides the client, with the provider's
    /// `advertised` algorithms when it lists them.
    fn sign_in<'a>(
        &'a self,
        audience: Option<&'a str>,
        advertised: Option<&'a [String]>,
    ) -> ValidationParams<'a> {
        ValidationParams {
            issuer: &self.issuer,
            allowed_tenants: &[],
            client_id: &self.client_id,
            audience,
            now: 1_800_000_000,
            leeway: 60,
            origin: Origin::SignIn {
                nonce: &self.nonce,
                max_age: None,
            },
            advertised_algorithms: advertised,
        }
    }
}

/// The sealed record as the file holds it.
struct Bytes(Vec<u8>);

impl RecordStore for Bytes {
    fn load(&self) -> std::io::Result<Option<Sealed>> {
        serde_json::from_slice(&self.0)
            .map(Some)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
    }
    fn save(&self, _: &Sealed) -> std::io::Result<()> {
        Ok(())
    }
    fn clear(&self) -> std::io::Result<()> {
        Ok(())
    }
    fn set_aside(&self) -> std::io::Result<()> {
        Ok(())
    }
    fn signed_out(&self) -> std::io::Result<bool> {
        Ok(false)
    }
    fn set_signed_out(&self, _: bool) -> std::io::Result<()> {
        Ok(())
    }
}

/// Opening the vault on a file's bytes: format, base64, nonce, AEAD, record.
pub fn vault_open(data: &[u8]) {
    let keys = Arc::new(MemoryKeyStore::default());
    let key = DataKey::from_base64("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").expect("a key");
    keys.set(&KeyEntry { key, generation: 1 })
        .expect("in memory");
    let vault = Vault::new(keys, Arc::new(Bytes(data.to_vec())), ISSUER, CLIENT);
    if let Opened::Session(record) = vault.open() {
        let _ = IdClaims::read_sealed(record.id_token.secret());
    }
}

/// The provider's discovery document (OIDC Discovery §4.3).
pub fn discovery(data: &[u8]) {
    let _ = ProviderMetadata::from_json(data, &IssuerUrl::new(ISSUER));
    let _ = ProviderMetadata::from_json(data, &IssuerUrl::new("http://127.0.0.1:8080"));
}

/// The token endpoint's answer (RFC 6749 §5.1, §5.2), under each status that matters.
pub fn token_response(data: &[u8]) {
    for status in [200, 400, 401, 500] {
        let _ = parse_token_response("https://id.example/token", status, data);
    }
}

/// The provider's JWKS (RFC 7517 §5), read as the fetch reads it, into keys (RFC 7518 §6: each
/// JWK's parameters, `use` and `key_ops`), and the choice of a key for each kid and algorithm
/// a token may name.
pub fn jwks(data: &[u8]) {
    let Ok(keys) = parse_key_set(data) else {
        return;
    };
    for kid in [None, Some("key1"), Some("ec1"), Some("")] {
        for alg in [
            Algorithm::RS256,
            Algorithm::ES256,
            Algorithm::EdDSA,
            Algorithm::PS512,
        ] {
            let _ = keys.select(kid, alg);
        }
    }
}

/// The answer to a pushed authorization request (RFC 9126 §2.2, §2.3), under each status that
/// matters.
pub fn par(data: &[u8]) {
    for status in [200, 201, 400, 401, 500] {
        let _ = parse_par_response("https://id.example/par", status, data);
    }
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("a runtime")
    })
}

/// The listener's request-head reader, on bytes that arrive through a pipe as a socket's do:
/// the first byte sets the pipe's size (1 to 256 bytes), so the head comes in pieces of that
/// size and the reader's search for its end, its size limit and its UTF-8 check each see the
/// splits; what it reads is then read as a callback.
pub fn request_head(data: &[u8]) {
    let Some((&size, bytes)) = data.split_first() else {
        return;
    };
    let awaited = Awaited {
        state: CsrfState::new("s1"),
        issuer: IssuerUrl::new(ISSUER),
        iss_required: true,
    };
    runtime().block_on(async {
        let (mut browser, mut listener) = tokio::io::duplex(usize::from(size) + 1);
        let bytes = bytes.to_vec();
        let sending = tokio::spawn(async move {
            let _ = browser.write_all(&bytes).await;
            let _ = browser.shutdown().await;
        });
        let _ = read_callback(&mut listener, &awaited).await;
        drop(listener);
        let _ = sending.await;
    });
}

/// The session file, where each run writes it (in memory when /dev/shm is there).
fn vault_path() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let shm = PathBuf::from("/dev/shm");
        let dir = if shm.is_dir() {
            shm
        } else {
            std::env::temp_dir()
        };
        dir.join(format!("gatehouse-fuzz-vault-{}.json", std::process::id()))
    })
}

/// The key the vault targets' keyring holds, at generation 5.
const DATA_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

/// The session file in its JSON layout, opened by the file store and the vault as at a start.
/// The first byte chooses what the rest is: the file itself (its entries, the sealed record's
/// fields, the signed-out flag), or a record that the target seals with the keyring's key as
/// the vault would for the current generation, the next one, an older one or the last there
/// is, so that the record's own format and the vault's generation rules are reached through
/// the seal. A record that opens has its ID token read back.
pub fn vault_file(data: &[u8]) {
    let Some((&choice, rest)) = data.split_first() else {
        return;
    };
    let path = vault_path();
    let _ = std::fs::remove_file(path);
    let store = FileRecordStore::new(path.clone());
    let keys = Arc::new(MemoryKeyStore::default());
    let key = DataKey::from_base64(DATA_KEY).expect("a key");
    keys.set(&KeyEntry {
        key: key.clone(),
        generation: 5,
    })
    .expect("in memory");
    let vault = Vault::new(keys, Arc::new(store.clone()), ISSUER, CLIENT);
    if choice & 1 == 0 {
        std::fs::write(path, rest).expect("the file is written");
    } else {
        let generation = [5, 6, 4, u64::MAX][usize::from(choice >> 1 & 3)];
        let sealed = vault.seal_as_record(&key, rest, generation);
        if choice & 8 != 0 {
            let _ = store.set_signed_out(true);
        }
        store.save(&sealed).expect("the file is written");
    }
    let _ = store.signed_out();
    if let Opened::Session(record) = vault.open() {
        let _ = IdClaims::read_sealed(record.id_token.secret());
    }
    let _ = std::fs::remove_file(path);
    let mut aside = path.clone().into_os_string();
    aside.push(".unreadable");
    let _ = std::fs::remove_file(aside);
}

/// The P-256 key in `testdata/ec1.pem`, made for this target: it signs nothing else.
fn signing_key() -> &'static (jsonwebtoken::EncodingKey, KeySet) {
    static KEY: OnceLock<(jsonwebtoken::EncodingKey, KeySet)> = OnceLock::new();
    KEY.get_or_init(|| {
        let private = include_bytes!("../core/src/oidc/testdata/ec1.pem");
        let jwk = serde_json::from_str(include_str!("../core/src/oidc/testdata/ec1.jwk.json"))
            .expect("the test key");
        (
            jsonwebtoken::EncodingKey::from_ec_pem(private).expect("the test key"),
            KeySet::new(&[jwk]),
        )
    })
}

/// A JWS over `header` and `claims` as given, signed with the test key (ES256).
fn signed(header: &[u8], claims: &[u8]) -> String {
    let message = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(claims)
    );
    let signature =
        jsonwebtoken::crypto::sign(message.as_bytes(), &signing_key().0, Algorithm::ES256)
            .expect("the test key signs");
    format!("{message}.{signature}")
}

/// ID tokens whose header and claims are fuzzed and whose signature is good, so that every
/// header rule (RFC 7515 §4.1, RFC 8725), every claim rule of OIDC Core 3.1.3.7 and, for the
/// token of a refresh, those of 12.2 are reached. The input is the header, the claims and
/// optionally the refreshed token's claims, apart by NUL bytes (which JSON text never holds);
/// the first byte's bits choose whether an API audience is trusted and whether the provider
/// lists its algorithms.
pub fn claims(data: &[u8]) {
    let Some((&choice, rest)) = data.split_first() else {
        return;
    };
    let mut parts = rest.split(|&b| b == 0);
    let (Some(header), Some(claims)) = (parts.next(), parts.next()) else {
        return;
    };
    let refreshed = parts.next();
    let keys = &signing_key().1;
    let advertised = ["ES256".to_owned(), "RS256".to_owned()];
    let expected = Expected::new();
    let params = expected.sign_in(
        (choice & 1 != 0).then_some("api"),
        (choice & 2 != 0).then_some(&advertised[..]),
    );
    let validate = |claims: &[u8], params: &ValidationParams| {
        let token = signed(header, claims);
        let _ = IdClaims::read_sealed(&token);
        let unverified = UnverifiedIdToken::parse(&token).ok()?;
        let key = keys.select(unverified.kid(), unverified.alg()).ok()?;
        unverified.validate(&key, params).ok()
    };
    let Some(previous) = validate(claims, &params) else {
        return;
    };
    if let Some(refreshed) = refreshed {
        let refresh = ValidationParams {
            origin: Origin::Refresh {
                previous: &previous,
            },
            ..params
        };
        let _ = validate(refreshed, &refresh);
    }
}

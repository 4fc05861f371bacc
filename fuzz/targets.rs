//! The fuzz targets: each takes arbitrary bytes as the untrusted input of one parser and must
//! return without panicking. Shared by the libFuzzer binaries (`fuzz_targets/`) and by the
//! test that replays the kept corpora (`core/tests/fuzz_corpora.rs`).

#![allow(dead_code)] // each binary uses one target

use std::sync::{Arc, OnceLock};

use gatehouse_core::oidc::callback::{parse_callback, Awaited};
use gatehouse_core::oidc::{
    parse_token_response, ClientId, CsrfState, IdClaims, IssuerUrl, KeySet, Nonce, Origin,
    ProviderMetadata, UnverifiedIdToken, ValidationParams,
};
use gatehouse_core::vault::{
    DataKey, KeyEntry, KeyStore, MemoryKeyStore, Opened, RecordStore, Sealed, Vault,
};

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
    let (issuer, client_id, nonce) = (
        IssuerUrl::new(ISSUER),
        ClientId::new(CLIENT),
        Nonce::new("n-1"),
    );
    let params = ValidationParams {
        issuer: &issuer,
        client_id: &client_id,
        audience: Some("api"),
        now: 1_800_000_000,
        leeway: 60,
        origin: Origin::SignIn { nonce: &nonce },
        advertised_algorithms: None,
    };
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

//! An Auth0-shaped provider (`https://{domain}/`) over real TLS: the hostile provider behind a
//! TLS front (OpenSSL) on loopback. A certificate for another name, or from a root this
//! computer does not trust, each ends the sign-in with a sentence that names the certificate's
//! problem and the host; the trusted one signs in. The computer's roots are the test's own CA
//! (`SSL_CERT_FILE`, which OpenSSL reads): a test binary of its own.

#![cfg(target_os = "linux")]

mod common;
#[allow(dead_code)]
#[path = "hostile/provider.rs"]
mod provider;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};

use common::auth_in_memory;
use gatehouse_contract::ErrorKind;
use gatehouse_core::config::{Config, Settings};
use gatehouse_core::oidc::CertificateProblem;
use gatehouse_core::Error;
use gatehouse_tests::TempDir;
use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::ssl::{SslAcceptor, SslMethod};
use openssl::x509::extension::{BasicConstraints, SubjectAlternativeName};
use openssl::x509::{X509NameBuilder, X509};
use provider::*;
use serde_json::{json, Value};

struct Identity {
    key: PKey<Private>,
    cert: X509,
}

/// A certificate for `ip`, issued by `issuer` (itself when `None`: a root), or a CA's when `ca`.
fn certificate(ip: &str, issuer: Option<&Identity>, ca: bool) -> Identity {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    let key = PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap();
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", if ca { "Test CA" } else { ip })
        .unwrap();
    let name = name.build();
    let mut cert = X509::builder().unwrap();
    cert.set_version(2).unwrap();
    let serial = BigNum::from_u32(rand_serial()).unwrap();
    cert.set_serial_number(&serial.to_asn1_integer().unwrap())
        .unwrap();
    cert.set_subject_name(&name).unwrap();
    cert.set_issuer_name(issuer.map_or(&name, |i| i.cert.subject_name()))
        .unwrap();
    cert.set_pubkey(&key).unwrap();
    cert.set_not_before(&Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    cert.set_not_after(&Asn1Time::days_from_now(1).unwrap())
        .unwrap();
    if ca {
        cert.append_extension(BasicConstraints::new().critical().ca().build().unwrap())
            .unwrap();
    } else {
        let context = cert.x509v3_context(issuer.map(|i| i.cert.as_ref()), None);
        let san = SubjectAlternativeName::new()
            .ip(ip)
            .build(&context)
            .unwrap();
        cert.append_extension(san).unwrap();
    }
    let signer = issuer.map_or(&key, |i| &i.key);
    cert.sign(signer, MessageDigest::sha256()).unwrap();
    Identity {
        key,
        cert: cert.build(),
    }
}

fn rand_serial() -> u32 {
    let mut bytes = [0u8; 4];
    openssl::rand::rand_bytes(&mut bytes).unwrap();
    u32::from_le_bytes(bytes) >> 1
}

/// Serves TLS with `identity` on 127.0.0.1, passing each request to the plain provider at
/// `backend` and its answer back; the front's `https://` origin.
fn tls_front(identity: &Identity, backend: &str) -> String {
    let mut acceptor = SslAcceptor::mozilla_intermediate(SslMethod::tls_server()).unwrap();
    acceptor.set_private_key(&identity.key).unwrap();
    acceptor.set_certificate(&identity.cert).unwrap();
    let acceptor = acceptor.build();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let origin = format!("https://{}", listener.local_addr().unwrap());
    let backend = backend.trim_start_matches("http://").to_owned();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (acceptor, backend) = (acceptor.clone(), backend.clone());
            std::thread::spawn(move || {
                let Ok(mut tls) = acceptor.accept(stream) else {
                    return;
                };
                let Some(request) = read_request(&mut tls) else {
                    return;
                };
                let Ok(mut plain) = TcpStream::connect(&backend) else {
                    return;
                };
                let _ = plain.write_all(&request);
                let mut answer = Vec::new();
                let _ = plain.read_to_end(&mut answer);
                let _ = tls.write_all(&answer);
                let _ = tls.shutdown();
            });
        }
    });
    origin
}

/// One HTTP request, head and body (`Content-Length`), as read from `stream`.
fn read_request(stream: &mut impl Read) -> Option<Vec<u8>> {
    let mut request = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf).ok().filter(|n| *n > 0)?;
        request.extend_from_slice(&buf[..n]);
        let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&request[..end]).to_ascii_lowercase();
        let length = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse::<usize>().ok())
            .unwrap_or(0);
        if request.len() >= end + 4 + length {
            return Some(request);
        }
    }
}

/// The hostile provider, Auth0-shaped (`https://{front}/`), behind a TLS front with
/// `identity`; the Auth0 domain and the provider.
fn provider_behind(identity: &Identity) -> (String, Hostile) {
    let hostile = Hostile::start(Script::default());
    let origin = tls_front(identity, &hostile.issuer);
    let issuer = format!("{origin}/");
    let plain = hostile.issuer.clone();
    hostile.edit({
        let (issuer, origin) = (issuer.clone(), origin.clone());
        move |script| {
            let (plain, origin) = (plain.clone(), origin.clone());
            let named = issuer.clone();
            script.discovery = Box::new(move |doc| {
                for value in doc.as_object_mut().unwrap().values_mut() {
                    if let Value::String(url) = value {
                        *url = url.replace(&plain, &origin);
                    }
                }
                doc["issuer"] = json!(named);
            });
            // The redirect's `iss` (RFC 9207) would name the plain provider behind the front.
            script.send_iss = false;
            let named = issuer.clone();
            script.mint = Box::new(move |issue| {
                let mut claims = claims(issue);
                claims["iss"] = json!(named);
                Some(sign(&claims, Some("key1"), KEY1))
            });
        }
    });
    (origin.trim_start_matches("https://").to_owned(), hostile)
}

async fn sign_in(domain: &str, ca: &std::path::Path) -> Result<(), Error> {
    let home = TempDir::new("tls");
    let config = Config::from_settings(Settings {
        auth0_domain: Some(domain.to_owned()),
        client_id: Some(CLIENT_ID.into()),
        browser: Some(
            [
                "curl",
                "--silent",
                "--output",
                "/dev/null",
                "--location",
                "--max-time",
                "10",
                "--cacert",
                &ca.to_string_lossy(),
            ]
            .map(str::to_owned)
            .to_vec(),
        ),
        login_timeout_secs: Some(15),
        ..Settings::default()
    })
    .unwrap();
    auth_in_memory(&home, config).login().await.map(drop)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tls_failure_says_which_certificate_problem_and_the_trusted_provider_signs_in() {
    let ca = certificate("", None, true);
    let dir = TempDir::new("tls-ca");
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, ca.cert.to_pem().unwrap()).unwrap();
    // This computer's roots, for OpenSSL in this process: the test's CA alone.
    std::env::set_var("SSL_CERT_FILE", &ca_file);

    let (domain, _trusted) = provider_behind(&certificate("127.0.0.1", Some(&ca), false));
    sign_in(&domain, &ca_file)
        .await
        .expect("the trusted provider signs in over TLS");

    for (identity, problem) in [
        (
            certificate("127.0.0.2", Some(&ca), false),
            CertificateProblem::OtherName,
        ),
        (
            certificate("127.0.0.1", None, false),
            CertificateProblem::UntrustedIssuer,
        ),
    ] {
        let (domain, _provider) = provider_behind(&identity);
        let err = sign_in(&domain, &ca_file).await.unwrap_err();
        match &err {
            Error::Certificate {
                problem: found,
                host,
                ..
            } => {
                assert_eq!(*found, problem);
                assert_eq!(*host, domain);
            }
            other => panic!("{problem:?}: {other:?}"),
        }
        assert_eq!(err.kind(), ErrorKind::Network);
        assert_eq!(
            err.to_string(),
            format!(
                "The identity provider at {domain} presented a certificate {}, so the \
                 connection was refused.",
                problem.describe()
            )
        );
        assert!(!err.to_string().contains("Could not reach"));
    }
}

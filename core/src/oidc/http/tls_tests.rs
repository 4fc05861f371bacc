//! The back channel's TLS, against real TLS servers on loopback (OpenSSL, the library the
//! client itself uses on Linux), each with a certificate made for the test.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Command;

use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::ssl::{SslAcceptor, SslMethod, SslVersion};
use openssl::x509::extension::SubjectAlternativeName;
use openssl::x509::{X509NameBuilder, X509};

use super::{builder, client};

/// A server's key and its self-signed certificate for one IP address.
struct Identity {
    key: PKey<Private>,
    cert: X509,
}

impl Identity {
    fn for_ip(ip: &str) -> Self {
        Self::for_ip_valid(
            ip,
            Asn1Time::days_from_now(0).unwrap(),
            Asn1Time::days_from_now(1).unwrap(),
        )
    }

    /// One whose certificate ended an hour ago.
    fn expired_for_ip(ip: &str) -> Self {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        Self::for_ip_valid(
            ip,
            Asn1Time::from_unix(now - 2 * 86400).unwrap(),
            Asn1Time::from_unix(now - 3600).unwrap(),
        )
    }

    fn for_ip_valid(ip: &str, not_before: Asn1Time, not_after: Asn1Time) -> Self {
        let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
        let key = PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap();
        let mut name = X509NameBuilder::new().unwrap();
        name.append_entry_by_text("CN", ip).unwrap();
        let name = name.build();
        let mut cert = X509::builder().unwrap();
        cert.set_version(2).unwrap();
        let serial = BigNum::from_u32(1).unwrap().to_asn1_integer().unwrap();
        cert.set_serial_number(&serial).unwrap();
        cert.set_subject_name(&name).unwrap();
        cert.set_issuer_name(&name).unwrap();
        cert.set_pubkey(&key).unwrap();
        cert.set_not_before(&not_before).unwrap();
        cert.set_not_after(&not_after).unwrap();
        let san = SubjectAlternativeName::new()
            .ip(ip)
            .build(&cert.x509v3_context(None, None))
            .unwrap();
        cert.append_extension(san).unwrap();
        cert.sign(&key, MessageDigest::sha256()).unwrap();
        Self {
            key,
            cert: cert.build(),
        }
    }

    /// The certificate as a root a client may be told to trust.
    fn as_root(&self) -> reqwest::Certificate {
        reqwest::Certificate::from_pem(&self.cert.to_pem().unwrap()).unwrap()
    }
}

/// Serves `{}` over HTTPS on 127.0.0.1, speaking TLS `min` to `max` only; returns its URL.
fn serve(identity: &Identity, min: SslVersion, max: SslVersion) -> String {
    let mut acceptor = SslAcceptor::mozilla_intermediate(SslMethod::tls_server()).unwrap();
    acceptor.set_private_key(&identity.key).unwrap();
    acceptor.set_certificate(&identity.cert).unwrap();
    acceptor.set_min_proto_version(Some(min)).unwrap();
    acceptor.set_max_proto_version(Some(max)).unwrap();
    if max == SslVersion::TLS1_1 {
        // OpenSSL 3 speaks TLS 1.0 and 1.1 (SHA-1 handshake signatures) at level 0 only.
        acceptor.set_security_level(0);
        acceptor.set_cipher_list("DEFAULT@SECLEVEL=0").unwrap();
    }
    let acceptor = acceptor.build();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("https://{}/", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let Ok(mut tls) = acceptor.accept(stream) else {
                continue;
            };
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.ends_with(b"\r\n\r\n") {
                match tls.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let _ = tls.write_all(
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                  content-length: 2\r\nconnection: close\r\n\r\n{}",
            );
            let _ = tls.shutdown();
        }
    });
    url
}

async fn status(client: &reqwest::Client, url: &str) -> Result<u16, String> {
    client
        .get(url)
        .send()
        .await
        .map(|r| r.status().as_u16())
        .map_err(|e| format!("{e:?}"))
}

#[tokio::test]
async fn a_server_whose_certificate_chains_to_a_trusted_root_is_reached() {
    let identity = Identity::for_ip("127.0.0.1");
    let url = serve(&identity, SslVersion::TLS1_2, SslVersion::TLS1_3);
    let trusting = builder().add_root_certificate(identity.as_root());
    assert_eq!(status(&trusting.build().unwrap(), &url).await, Ok(200));
}

/// RFC 6749 §10.9: the client validates the server's certificate (RFC 6125).
#[tokio::test]
async fn a_certificate_from_no_trusted_root_is_refused_rfc6749_10_9() {
    let identity = Identity::for_ip("127.0.0.1");
    let url = serve(&identity, SslVersion::TLS1_2, SslVersion::TLS1_3);
    let err = status(&client(), &url).await.unwrap_err();
    assert!(err.contains("certificate"), "{err}");
}

/// RFC 6125 §6.4: the certificate must name the host the client asked for.
#[tokio::test]
async fn a_trusted_certificate_for_another_host_is_refused_rfc6125() {
    let identity = Identity::for_ip("127.0.0.2");
    let url = serve(&identity, SslVersion::TLS1_2, SslVersion::TLS1_3);
    let trusting = builder().add_root_certificate(identity.as_root());
    let err = status(&trusting.build().unwrap(), &url).await.unwrap_err();
    assert!(err.contains("certificate"), "{err}");
}

/// Set in the child process that runs [`tls_below_1_2_is_refused_rfc8996`] for real.
const PERMISSIVE_CHILD: &str = "GATEHOUSE_TEST_TLS_CHILD";

/// An OpenSSL configuration that allows TLS 1.0 and 1.1, unlike Debian's own.
const PERMISSIVE_OPENSSL_CONF: &str = "openssl_conf = init\n\
    [init]\nssl_conf = ssl\n\
    [ssl]\nsystem_default = defaults\n\
    [defaults]\nMinProtocol = TLSv1\nCipherString = DEFAULT@SECLEVEL=0\n";

/// RFC 8996: TLS 1.0 and 1.1 must not be used. The system's OpenSSL may already refuse them
/// (Debian's configuration does), which would prove nothing about Gatehouse; so the check runs
/// in a child process whose OpenSSL allows them, and there a client that asks for no minimum
/// first reaches the TLS 1.1 server, so that the refusal that follows is Gatehouse's own.
#[tokio::test]
async fn tls_below_1_2_is_refused_rfc8996() {
    if std::env::var_os(PERMISSIVE_CHILD).is_none() {
        let conf = std::env::temp_dir().join(format!(
            "gatehouse-permissive-openssl-{}.cnf",
            std::process::id()
        ));
        std::fs::write(&conf, PERMISSIVE_OPENSSL_CONF).unwrap();
        let output = run_self_with(&conf);
        let _ = std::fs::remove_file(&conf);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success() && stdout.contains("1 passed"),
            "the check in a permissive OpenSSL failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        return;
    }
    let identity = Identity::for_ip("127.0.0.1");
    let url = serve(&identity, SslVersion::TLS1_1, SslVersion::TLS1_1);
    let permissive = builder()
        .min_tls_version(reqwest::tls::Version::TLS_1_0)
        .add_root_certificate(identity.as_root())
        .build()
        .unwrap();
    assert_eq!(
        status(&permissive, &url).await,
        Ok(200),
        "a client allowing TLS 1.1 reaches the server"
    );
    let gatehouse = builder()
        .add_root_certificate(identity.as_root())
        .build()
        .unwrap();
    assert!(status(&gatehouse, &url).await.is_err());
}

/// This test binary, running [`tls_below_1_2_is_refused_rfc8996`] alone under `conf`.
fn run_self_with(conf: &PathBuf) -> std::process::Output {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "oidc::http::tls_tests::tls_below_1_2_is_refused_rfc8996",
            "--test-threads=1",
        ])
        .env(PERMISSIVE_CHILD, "1")
        .env("OPENSSL_CONF", conf)
        .output()
        .expect("the test binary runs again")
}

/// What went wrong, as a person reads it: the certificate's problem, not "could not reach".
async fn problem(client: &reqwest::Client, url: &str) -> Option<super::CertificateProblem> {
    let err = client.get(url).send().await.unwrap_err();
    super::CertificateProblem::of(&err)
}

#[tokio::test]
async fn each_certificate_problem_is_told_apart_from_a_network_that_is_down() {
    use super::CertificateProblem::*;
    let untrusted = Identity::for_ip("127.0.0.1");
    let url = serve(&untrusted, SslVersion::TLS1_2, SslVersion::TLS1_3);
    assert_eq!(problem(&client(), &url).await, Some(UntrustedIssuer));

    let other_name = Identity::for_ip("127.0.0.2");
    let url = serve(&other_name, SslVersion::TLS1_2, SslVersion::TLS1_3);
    let trusting = builder().add_root_certificate(other_name.as_root());
    assert_eq!(
        problem(&trusting.build().unwrap(), &url).await,
        Some(OtherName)
    );

    let expired = Identity::expired_for_ip("127.0.0.1");
    let url = serve(&expired, SslVersion::TLS1_2, SslVersion::TLS1_3);
    let trusting = builder().add_root_certificate(expired.as_root());
    assert_eq!(
        problem(&trusting.build().unwrap(), &url).await,
        Some(Expired)
    );

    // Nothing listening: no certificate to blame.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    assert_eq!(
        problem(&client(), &format!("https://127.0.0.1:{port}/")).await,
        None
    );
}

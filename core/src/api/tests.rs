use super::*;
use crate::config::{ApiSettings, Settings};

fn config() -> Config {
    Config::from_settings(Settings {
        issuer: Some("https://id.example/".into()),
        client_id: Some("c".into()),
        apis: Some(vec![ApiSettings {
            url: "https://orders.example/v1".into(),
            resource: "https://orders.example/".into(),
            scopes: vec![],
            probe: None,
        }]),
        ..Settings::default()
    })
    .unwrap()
}

fn request(url: &str, edit: impl FnOnce(&mut FetchRequest)) -> FetchRequest {
    let mut request = FetchRequest::get(url);
    edit(&mut request);
    request
}

fn refused(request: FetchRequest) -> String {
    match check(&config(), request) {
        Ok(_) => panic!("sent"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_call_outside_every_api_is_refused_naming_it_without_its_query() {
    for url in [
        "https://orders.example/v2/me?token=x",
        "https://orders.example.evil/v1/me",
        "http://orders.example/v1/me",
    ] {
        let sentence = refused(FetchRequest::get(url));
        assert!(
            sentence.ends_with(
                "is not under any of the APIs this app is set up to call, so it was not sent."
            ),
            "{sentence}"
        );
        assert!(!sentence.contains("token=x"), "{sentence}");
    }
    assert_eq!(
        refused(FetchRequest::get("/v1/me")),
        "The call cannot be sent: its URL is not an absolute URL."
    );
    assert!(check(
        &config(),
        FetchRequest::get("https://orders.example/v1/me?page=2")
    )
    .is_ok());
}

/// RFC 6750 §2.1 and RFC 9449 §4.1: the credentials are the backend's to add; the page's
/// cookies and the connection's own headers are not the page's to set either.
#[test]
fn the_page_may_not_set_credentials_or_the_connections_headers() {
    for name in [
        "Authorization",
        "authorization",
        "DPoP",
        "Cookie",
        "Host",
        "Proxy-Authorization",
        "Sec-Fetch-Site",
        "Transfer-Encoding",
        "Content-Length",
    ] {
        let sentence = refused(request("https://orders.example/v1/me", |r| {
            r.headers.insert(name.into(), "x".into());
        }));
        assert_eq!(
            sentence,
            format!("The call cannot be sent: the page may not set the header {name}.")
        );
    }
    let config = config();
    let ok = check(
        &config,
        request("https://orders.example/v1/me", |r| {
            r.headers.insert("Accept".into(), "application/json".into());
            r.headers.insert("X-Trace".into(), "1".into());
        }),
    );
    assert!(ok.is_ok());
    assert!(refused(request("https://orders.example/v1/me", |r| {
        r.headers
            .insert("X-Evil".into(), "a\r\nAuthorization: Bearer x".into());
    }))
    .contains("is not a header value"));
}

#[test]
fn only_the_usual_methods_and_bodies_up_to_the_cap_are_sent() {
    assert!(
        refused(request("https://orders.example/v1/me", |r| r.method =
            "CONNECT".into()))
        .starts_with("The call cannot be sent: the method \"CONNECT\" is not one of GET")
    );
    assert!(check(
        &config(),
        request("https://orders.example/v1/me", |r| r.method = "post".into())
    )
    .is_ok());
    let at_cap = "x".repeat(MAX_REQUEST_BODY);
    assert!(check(
        &config(),
        request("https://orders.example/v1/me", |r| r.body =
            Some(at_cap.clone()))
    )
    .is_ok());
    assert_eq!(
        refused(request("https://orders.example/v1/me", |r| r.body =
            Some(at_cap + "x"))),
        "The call cannot be sent: its body is larger than 1024 KiB."
    );
}

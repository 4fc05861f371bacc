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
            headers: vec!["X-Trace".into()],
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
            // The API lists it in its `headers`.
            r.headers.insert("x-trace".into(), "1".into());
        }),
    );
    assert!(ok.is_ok());
    assert!(refused(request("https://orders.example/v1/me", |r| {
        r.headers
            .insert("X-Trace".into(), "a\r\nAuthorization: Bearer x".into());
    }))
    .contains("is not a header value"));
}

/// Headers pass an allowlist: a header that could make a server or gateway act outside the API
/// (method overrides, rewritten URLs, forwarded hosts) is refused, named, unless the API lists
/// it. Nothing is sent and no token fetched.
#[test]
fn headers_outside_the_allowlist_are_refused_by_name() {
    for name in [
        "X-HTTP-Method-Override",
        "X-Original-URL",
        "X-Rewrite-URL",
        "X-Forwarded-Host",
        "X-Forwarded-For",
        "Forwarded",
        "Origin",
        "Referer",
    ] {
        assert_eq!(
            refused(request("https://orders.example/v1/me", |r| {
                r.headers.insert(name.into(), "x".into());
            })),
            format!("The call cannot be sent: the page may not set the header {name}.")
        );
    }
    for name in [
        "Accept",
        "Accept-Language",
        "Content-Type",
        "Content-Language",
        "If-Match",
        "If-None-Match",
        "If-Modified-Since",
        "If-Unmodified-Since",
        "Range",
    ] {
        let call = request("https://orders.example/v1/me", |r| {
            r.headers.insert(name.into(), "x".into());
        });
        assert!(check(&config(), call).is_ok(), "{name}");
    }
}

/// RFC 3986 §2.1, §6.2.2: what a server or gateway decodes or normalizes before it routes
/// could lead outside the API's base, so the path must already be in its normal form.
#[test]
fn a_path_a_server_would_read_otherwise_is_refused_before_any_token_is_fetched() {
    for (url, why) in [
        ("https://orders.example/v1/..%2Fme", "an encoded /, \\ or ."),
        ("https://orders.example/v1/..%2fme", "an encoded /, \\ or ."),
        ("https://orders.example/v1/..%5Cme", "an encoded /, \\ or ."),
        (
            "https://orders.example/v1/%2E%2E/me",
            "an encoded /, \\ or .",
        ),
        ("https://orders.example/v1/%2e/me", "an encoded /, \\ or ."),
        ("https://orders.example/v1/..;/me", "a ; parameter"),
        ("https://orders.example/v1;a=b/me", "a ; parameter"),
        ("https://orders.example/v1/me;jsessionid=1", "a ; parameter"),
        ("https://orders.example/v1/../v1/me", "not in normal form"),
        ("https://orders.example/v1/./me", "not in normal form"),
        ("https://orders.example/v1//me", "not in normal form"),
        ("https://orders.example/v1/a b", "not in normal form"),
        ("https://orders.example/v1\\..\\me", "a backslash"),
    ] {
        let sentence = refused(FetchRequest::get(url));
        assert!(
            sentence.starts_with("The call cannot be sent: its path") && sentence.contains(why),
            "{url}: {sentence}"
        );
    }
    for url in [
        "https://orders.example/v1",
        "https://orders.example/v1/",
        "https://orders.example/v1/orders/42?q=..%2F#top",
        "https://orders.example/v1/a%20b",
        "https://ORDERS.example/v1/me",
    ] {
        assert!(check(&config(), FetchRequest::get(url)).is_ok(), "{url}");
    }
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

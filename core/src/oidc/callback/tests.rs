use super::*;

const ISSUER: &str = "https://id.example/";

fn awaited(state: &str) -> Awaited {
    Awaited {
        state: CsrfState::new(state),
        issuer: IssuerUrl::new(ISSUER),
        iss_required: false,
    }
}

fn get(target: &str) -> String {
    format!("GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
}

#[test]
fn code_with_matching_state_is_accepted() {
    match parse_callback(&get("/callback?code=c0de&state=s1"), &awaited("s1")) {
        Callback::Code(code) => assert_eq!(code.secret(), "c0de"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn wrong_or_missing_state_is_refused() {
    assert_eq!(
        parse_callback(&get("/callback?code=c&state=other"), &awaited("s1")),
        Callback::BadState
    );
    assert_eq!(
        parse_callback(&get("/callback?code=c"), &awaited("s1")),
        Callback::BadState
    );
    assert_eq!(
        parse_callback(&get("/callback?code=c&state="), &awaited("s1")),
        Callback::BadState
    );
    // An error response with a foreign state must not end the attempt either.
    assert_eq!(
        parse_callback(
            &get("/callback?error=access_denied&state=x"),
            &awaited("s1")
        ),
        Callback::BadState
    );
}

#[test]
fn provider_error_is_surfaced_with_its_description() {
    assert_eq!(
        parse_callback(
            &get("/callback?error=access_denied&error_description=User%20said%20no&state=s1"),
            &awaited("s1")
        ),
        Callback::ProviderError(OAuthError {
            error: "access_denied".into(),
            error_description: Some("User said no".into())
        })
    );
}

#[test]
fn issuer_parameter_must_match_when_present() {
    let target = format!(
        "/callback?code=c&state=s1&iss={}",
        "https%3A%2F%2Fevil.example%2F"
    );
    assert_eq!(
        parse_callback(&get(&target), &awaited("s1")),
        Callback::BadIssuer
    );
    let target = "/callback?code=c&state=s1&iss=https%3A%2F%2Fid.example%2F";
    assert!(matches!(
        parse_callback(&get(target), &awaited("s1")),
        Callback::Code(_)
    ));
}

#[test]
fn repeated_parameters_are_malformed() {
    assert_eq!(
        parse_callback(&get("/callback?code=a&code=b&state=s1"), &awaited("s1")),
        Callback::Malformed
    );
    assert_eq!(
        parse_callback(&get("/callback?state=s1"), &awaited("s1")),
        Callback::Malformed
    );
}

#[test]
fn other_paths_and_methods_are_not_the_callback() {
    assert_eq!(
        parse_callback(&get("/favicon.ico"), &awaited("s1")),
        Callback::NotCallback
    );
    assert_eq!(
        parse_callback(&get("/callback/x?code=c&state=s1"), &awaited("s1")),
        Callback::NotCallback
    );
    assert_eq!(
        parse_callback(
            "POST /callback?code=c&state=s1 HTTP/1.1\r\n\r\n",
            &awaited("s1")
        ),
        Callback::NotCallback
    );
    assert_eq!(parse_callback("", &awaited("s1")), Callback::NotCallback);
    assert_eq!(parse_callback("GET", &awaited("s1")), Callback::NotCallback);
}

async fn request(port: u16, target: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    stream.write_all(get(target).as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    response
}

#[tokio::test]
async fn listener_refuses_bad_state_then_takes_the_good_one() {
    let listener = Listener::bind(0).await.unwrap();
    let port = listener.port();
    let waiting = tokio::spawn(listener.wait(awaited("s1")));

    // An idle connection (a browser's preconnect) must not block the others.
    let _idle = TcpStream::connect(("127.0.0.1", port)).await.unwrap();

    let refused = request(port, "/callback?code=c&state=forged").await;
    assert!(refused.starts_with("HTTP/1.1 400"), "{refused}");
    assert!(!waiting.is_finished());

    let ok = request(port, "/callback?code=real&state=s1").await;
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
    assert!(ok.contains("Referrer-Policy: no-referrer"));
    assert!(ok.contains("You are signed in to Gatehouse. You can close this tab."));

    let code = waiting.await.unwrap().unwrap();
    assert_eq!(code.secret(), "real");
}

#[tokio::test]
async fn listener_ends_the_attempt_on_a_provider_error() {
    let listener = Listener::bind(0).await.unwrap();
    let port = listener.port();
    assert_eq!(
        listener.redirect_uri(),
        format!("http://127.0.0.1:{port}/callback")
    );
    let waiting = tokio::spawn(listener.wait(awaited("s1")));
    request(port, "/callback?error=access_denied&state=s1").await;
    let err = waiting.await.unwrap().unwrap_err();
    assert_eq!(err.error, "access_denied");
}

#[tokio::test]
async fn oversized_request_is_dropped_without_ending_the_attempt() {
    let listener = Listener::bind(0).await.unwrap();
    let port = listener.port();
    let waiting = tokio::spawn(listener.wait(awaited("s1")));
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let _ = stream.write_all(&vec![b'a'; 3 * MAX_REQUEST]).await;
    let mut sink = Vec::new();
    let _ = stream.read_to_end(&mut sink).await;
    assert!(!waiting.is_finished());
    request(port, "/callback?code=ok&state=s1").await;
    assert_eq!(waiting.await.unwrap().unwrap().secret(), "ok");
}

#[test]
fn the_request_head_and_the_code_it_carries_are_wiped_on_drop() {
    fn wiped<T: zeroize::ZeroizeOnDrop>() {}
    wiped::<RequestHead>();
    wiped::<Secret>();
}

#[test]
fn a_percent_encoded_code_is_decoded_and_a_fragment_ignored() {
    match parse_callback(
        &get("/callback?code=a%2Fb%3D&state=s1#frag"),
        &awaited("s1"),
    ) {
        Callback::Code(code) => assert_eq!(code.secret(), "a/b="),
        other => panic!("{other:?}"),
    }
}

/// Whether the server closed `stream`: a read ends (EOF or reset) within `within`.
async fn closed(stream: &mut TcpStream, within: Duration) -> bool {
    let mut byte = [0u8; 1];
    matches!(
        tokio::time::timeout(within, stream.read(&mut byte)).await,
        Ok(Ok(0)) | Ok(Err(_))
    )
}

#[tokio::test]
async fn idle_connections_beyond_the_cap_are_dropped_oldest_first() {
    let listener = Listener::bind(0).await.unwrap();
    let port = listener.port();
    let waiting = tokio::spawn(listener.wait(awaited("s1")));
    let mut idle = Vec::new();
    for _ in 0..3 * MAX_CONNECTIONS {
        idle.push(TcpStream::connect(("127.0.0.1", port)).await.unwrap());
    }
    // The genuine callback still gets through at once.
    let started = std::time::Instant::now();
    request(port, "/callback?code=real&state=s1").await;
    assert_eq!(waiting.await.unwrap().unwrap().secret(), "real");
    assert!(started.elapsed() < Duration::from_secs(1));
    // The oldest were dropped to make room, long before their read timeout.
    for stream in idle.iter_mut().take(MAX_CONNECTIONS) {
        assert!(closed(stream, Duration::from_millis(500)).await);
    }
}

#[tokio::test]
async fn every_connection_closes_when_the_attempt_ends() {
    let listener = Listener::bind(0).await.unwrap();
    let port = listener.port();
    let waiting = tokio::spawn(listener.wait(awaited("s1")));
    let mut idle = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    waiting.abort();
    let _ = waiting.await;
    // Well within the 5 s read timeout: the attempt's end closed it.
    assert!(closed(&mut idle, Duration::from_secs(1)).await);
    assert!(
        TcpStream::connect(("127.0.0.1", port)).await.is_err(),
        "the listener is closed"
    );
}

#[test]
fn a_missing_iss_is_refused_when_the_provider_sends_it_rfc9207() {
    let required = Awaited {
        iss_required: true,
        ..awaited("s1")
    };
    assert_eq!(
        parse_callback(&get("/callback?code=c&state=s1"), &required),
        Callback::BadIssuer
    );
    let target = "/callback?code=c&state=s1&iss=https%3A%2F%2Fid.example%2F";
    assert!(matches!(
        parse_callback(&get(target), &required),
        Callback::Code(_)
    ));
    assert!(matches!(
        parse_callback(&get("/callback?code=c&state=s1"), &awaited("s1")),
        Callback::Code(_)
    ));
}

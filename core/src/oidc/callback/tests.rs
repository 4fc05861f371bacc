use tokio::io::AsyncWriteExt;

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

/// RFC 9207 §2.4 with an Entra ID multi-tenant template as the issuer: an `iss` naming one
/// tenant of that authority is the provider; another host, or a path in the tenant's place,
/// is not.
#[test]
fn an_issuer_parameter_fills_a_template_issuer_with_one_tenant() {
    let awaited = Awaited {
        issuer: IssuerUrl::new("https://login.microsoftonline.com/{tenantid}/v2.0"),
        ..awaited("s1")
    };
    let with_iss = |iss: &str| {
        let iss: String = form_urlencoded::byte_serialize(iss.as_bytes()).collect();
        parse_callback(
            &get(&format!("/callback?code=c&state=s1&iss={iss}")),
            &awaited,
        )
    };
    assert!(matches!(
        with_iss("https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0"),
        Callback::Code(_)
    ));
    for wrong in [
        "https://login.microsoftonline.com/{tenantid}/v2.0",
        "https://login.microsoftonline.com/a/b/v2.0",
        "https://login.microsoftonline.com//v2.0",
        "https://evil.example/72f988bf/v2.0",
    ] {
        assert_eq!(with_iss(wrong), Callback::BadIssuer, "{wrong}");
    }
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
    let listener = Listener::bind(0, "Gatehouse").await.unwrap();
    let port = listener.port();
    let waiting = tokio::spawn(listener.wait(awaited("s1")));

    // An idle connection (a browser's preconnect) must not block the others.
    let _idle = TcpStream::connect(("127.0.0.1", port)).await.unwrap();

    let refused = request(port, "/callback?code=c&state=forged").await;
    assert!(refused.starts_with("HTTP/1.1 400"), "{refused}");
    assert!(!waiting.is_finished());

    let ok = request(port, "/callback?code=real&state=s1").await;
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
    // RFC 8252 §8.3, RFC 9700 §4.2.4: no referrer, and a page that loads nothing.
    assert!(ok.contains("Referrer-Policy: no-referrer"));
    assert!(ok.contains("Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'"));
    let body = ok.split("\r\n\r\n").nth(1).unwrap();
    for loader in ["<script", "<img", "<link", "src=", "href=", "url("] {
        assert!(!body.contains(loader), "the page loads something: {loader}");
    }
    assert!(ok.contains("You are signed in to Gatehouse. You can close this tab."));

    let code = waiting.await.unwrap().unwrap();
    assert_eq!(code.secret(), "real");
}

#[tokio::test]
async fn the_pages_name_the_configured_product_escaped() {
    let listener = Listener::bind(0, "Acme <Desk> & Co").await.unwrap();
    let port = listener.port();
    let waiting = tokio::spawn(listener.wait(awaited("s1")));
    let refused = request(port, "/callback?code=c&state=forged").await;
    assert!(
        refused.contains("the sign-in Acme &lt;Desk&gt; &amp; Co is waiting for"),
        "{refused}"
    );
    let ok = request(port, "/callback?code=real&state=s1").await;
    assert!(
        ok.contains("<title>Signed in · Acme &lt;Desk&gt; &amp; Co</title>"),
        "{ok}"
    );
    assert!(!ok.contains("<Desk>"));
    assert!(!ok.contains("Gatehouse"), "no other product's name");
    waiting.await.unwrap().unwrap();
}

#[tokio::test]
async fn listener_ends_the_attempt_on_a_provider_error() {
    let listener = Listener::bind(0, "Gatehouse").await.unwrap();
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
    let listener = Listener::bind(0, "Gatehouse").await.unwrap();
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
    let listener = Listener::bind(0, "Gatehouse").await.unwrap();
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
    let listener = Listener::bind(0, "Gatehouse").await.unwrap();
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

/// Sockets this process holds on the server side of `port` (local port `port`, not the
/// listening one), from `/proc/self/net/tcp` and the process's own descriptors.
#[cfg(target_os = "linux")]
fn server_sockets(port: u16) -> usize {
    let ours: std::collections::HashSet<String> = std::fs::read_dir("/proc/self/fd")
        .unwrap()
        .flatten()
        .filter_map(|fd| std::fs::read_link(fd.path()).ok())
        .filter_map(|link| {
            let link = link.to_string_lossy().into_owned();
            link.strip_prefix("socket:[")?
                .strip_suffix(']')
                .map(str::to_owned)
        })
        .collect();
    let mut count = 0;
    for table in ["/proc/self/net/tcp", "/proc/self/net/tcp6"] {
        let text = std::fs::read_to_string(table).unwrap_or_default();
        for line in text.lines().skip(1) {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (Some(local), Some(state), Some(inode)) =
                (fields.get(1), fields.get(3), fields.get(9))
            else {
                continue;
            };
            let local_port = local
                .rsplit(':')
                .next()
                .and_then(|p| u16::from_str_radix(p, 16).ok());
            // 0A is LISTEN.
            if local_port == Some(port) && *state != "0A" && ours.contains(*inode) {
                count += 1;
            }
        }
    }
    count
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_hostile_requests_then_the_genuine_callback_within_a_second() {
    let listener = Listener::bind(0, "Gatehouse").await.unwrap();
    let port = listener.port();
    let waiting = tokio::spawn(listener.wait(awaited("s1")));

    let hostile: Vec<Vec<u8>> = vec![
        b"GET /favicon.ico HTTP/1.1\r\n\r\n".to_vec(),
        b"GET /callback?code=c HTTP/1.1\r\n\r\n".to_vec(),
        b"GET /callback?code=c&state=forged HTTP/1.1\r\n\r\n".to_vec(),
        b"GET /callback?code=c&state=s1&state=s1 HTTP/1.1\r\n\r\n".to_vec(),
        b"POST /callback?code=c&state=s1 HTTP/1.1\r\n\r\n".to_vec(),
        format!("GET /callback?{} HTTP/1.1\r\n\r\n", "a".repeat(9000)).into_bytes(),
        format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "h".repeat(9000)).into_bytes(),
        vec![
            0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03,
        ],
        vec![0xff; 2048],
        b"\r\n\r\n".to_vec(),
    ];
    let mut attacks = tokio::task::JoinSet::new();
    for i in 0..1000 {
        let bytes = hostile[i % hostile.len()].clone();
        attacks.spawn(async move {
            if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)).await {
                let _ = stream.write_all(&bytes).await;
                let mut sink = Vec::new();
                let _ = tokio::time::timeout(Duration::from_secs(2), stream.read_to_end(&mut sink))
                    .await;
            }
        });
    }
    // Slow ones: a byte a second, and hundreds held open without a word.
    let mut slow = Vec::new();
    for _ in 0..5 {
        let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        slow.push(tokio::spawn(async move {
            for byte in b"GET /callback?code=c&state=s1" {
                if stream.write_all(&[*byte]).await.is_err() {
                    break;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }));
    }
    let mut idle = Vec::new();
    for _ in 0..300 {
        if let Ok(stream) = TcpStream::connect(("127.0.0.1", port)).await {
            idle.push(stream);
        }
    }
    // An evicted connection is closed when its aborted task is next scheduled, so under a
    // loaded machine the count may run over for a moment; the flood itself goes on meanwhile.
    let mut held = server_sockets(port);
    let settling = tokio::time::Instant::now() + Duration::from_secs(2);
    while held > MAX_CONNECTIONS + 1 && tokio::time::Instant::now() < settling {
        tokio::time::sleep(Duration::from_millis(20)).await;
        held = server_sockets(port);
    }
    assert!(
        held <= MAX_CONNECTIONS + 1,
        "the listener holds {held} connections under the flood"
    );
    while attacks.join_next().await.is_some() {}
    assert!(
        !waiting.is_finished(),
        "no hostile request ended the attempt"
    );

    let started = std::time::Instant::now();
    request(port, "/callback?code=real&state=s1").await;
    let code = tokio::time::timeout(Duration::from_secs(1), waiting)
        .await
        .expect("the genuine callback completes within a second")
        .unwrap()
        .unwrap();
    assert_eq!(code.secret(), "real");
    println!("genuine callback after the flood: {:?}", started.elapsed());

    // Every socket the listener took is released with the attempt (aborted tasks drop their
    // sockets as the runtime gets to them), though the clients still hold theirs.
    let deadline = std::time::Instant::now() + Duration::from_secs(1);
    while server_sockets(port) > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "{} sockets left open after the attempt",
            server_sockets(port)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for task in slow {
        task.abort();
    }
    drop(idle);
}

/// The owner check fails closed: where the kernel's socket table cannot be read (a sandbox
/// that hides `/proc/net`, systemd's `ProcSubset=pid`), whose connection reached the listener
/// cannot be established, and even a callback with the right `state` is refused with a page
/// that says why; the attempt goes on. Played in a mount namespace whose `/proc` holds only the
/// processes (procfs `subset=pid`): the test runs itself again in it.
#[cfg(target_os = "linux")]
#[test]
fn a_callback_whose_owner_cannot_be_established_is_refused() {
    const INSIDE: &str = "GATEHOUSE_TEST_IN_PROC_SUBSET_PID";
    const NAME: &str =
        "oidc::callback::tests::a_callback_whose_owner_cannot_be_established_is_refused";
    if std::env::var_os(INSIDE).is_none() {
        // A user namespace maps this user to root in it, so no privilege is needed; a new PID
        // namespace lets it mount a procfs of its own.
        let output = std::process::Command::new("unshare")
            .args([
                "--user",
                "--map-root-user",
                "--mount",
                "--pid",
                "--fork",
                "--",
            ])
            .args([
                "sh",
                "-c",
                "mount -t proc -o subset=pid proc /proc && exec \"$0\" \"$@\"",
            ])
            .arg(std::env::current_exe().unwrap())
            .args(["--exact", NAME, "--nocapture", "--test-threads=1"])
            .env(INSIDE, "1")
            .output()
            .expect("unshare (util-linux) runs");
        let out = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success() && out.contains("1 passed"),
            "in the namespace: {}\n{out}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        return;
    }
    assert!(
        std::fs::read_to_string("/proc/net/tcp").is_err(),
        "the socket table is hidden in the namespace"
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let listener = Listener::bind(0, "Gatehouse").await.unwrap();
        let port = listener.port();
        let waiting = tokio::spawn(listener.wait(awaited("s1")));
        let refused = request(port, "/callback?code=real&state=s1").await;
        assert!(refused.starts_with("HTTP/1.1 403"), "{refused}");
        assert!(
            refused.contains(
                "Gatehouse could not tell which user of this computer this browser belongs to"
            ),
            "{refused}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert!(!waiting.is_finished(), "the attempt goes on");
        waiting.abort();
    });
}

/// RFC 8252 §7.3 recommends the literal `127.0.0.1`; a provider that registers
/// `http://localhost` (Entra ID) gets that name in the redirect URI, and the listener still
/// binds 127.0.0.1 alone (§8.3: never every interface), where a browser resolving `localhost`
/// reaches it.
#[tokio::test]
async fn a_redirect_uri_naming_localhost_is_still_served_on_127_0_0_1_only() {
    let listener = Listener::bind(0, "Gatehouse")
        .await
        .unwrap()
        .naming_localhost();
    let port = listener.port();
    assert_eq!(
        listener.redirect_uri(),
        format!("http://localhost:{port}/callback")
    );
    let bound = listener.listener.local_addr().unwrap();
    assert_eq!(bound.ip(), std::net::Ipv4Addr::LOCALHOST);
    let waiting = tokio::spawn(listener.wait(awaited("s1")));
    let ok = request(port, "/callback?code=real&state=s1").await;
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
    assert_eq!(waiting.await.unwrap().unwrap().secret(), "real");
}

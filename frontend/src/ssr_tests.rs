//! The pages and the route guards rendered to HTML natively (Yew SSR), for each status of the
//! session, at each address. Tauri's IPC is never reached: effects do not run on the server.

use gatehouse_yew::{
    CommandError, ErrorKind, GatehouseProvider, SessionStatus, SessionView, SignInWaiting,
    StorageStatus,
};
use yew::prelude::*;
use yew::LocalServerRenderer;
use yew_router::history::{AnyHistory, History, MemoryHistory};
use yew_router::prelude::*;

use crate::route::{switch, Route};

#[derive(Properties, PartialEq, Clone)]
struct FixtureProps {
    status: SessionStatus,
    path: &'static str,
}

/// The app's routes at `path`, with the session at `status`.
#[function_component(Fixture)]
fn fixture(props: &FixtureProps) -> Html {
    let history = AnyHistory::from(MemoryHistory::new());
    history.push(props.path);
    html! {
        <GatehouseProvider initial={props.status.clone()}>
            <Router history={history}>
                <Switch<Route> render={switch} />
            </Router>
        </GatehouseProvider>
    }
}

async fn render(status: SessionStatus, path: &'static str) -> String {
    LocalServerRenderer::<Fixture>::with_props(FixtureProps { status, path })
        .hydratable(false)
        .render()
        .await
}

fn signed_in(storage: StorageStatus) -> SessionStatus {
    SessionStatus::SignedIn(SessionView {
        display_name: "Ada Lovelace".into(),
        email: Some("ada@example.test".into()),
        picture: Some("https://img.example/ada.png".into()),
        tenant: None,
        expires_at: i64::MAX / 2,
        can_renew: true,
        storage,
    })
}

fn signed_out() -> SessionStatus {
    SessionStatus::SignedOut { reason: None }
}

#[tokio::test]
async fn login_page_offers_one_button() {
    let html = render(signed_out(), "/login").await;
    assert!(html.contains(r#"id="login-button""#), "{html}");
    assert!(html.contains(">Gatehouse<"), "{html}");
    assert!(!html.contains("cancel-login"));
    assert!(!html.contains("auth-error"));
}

#[tokio::test]
async fn signing_in_shows_the_browser_hint_and_cancel() {
    let html = render(SessionStatus::SigningIn { waiting: None }, "/login").await;
    assert!(html.contains("Finish signing in in your browser"), "{html}");
    assert!(html.contains(r#"id="cancel-login""#));
    assert!(!html.contains(r#"id="login-button""#));
    assert!(
        !html.contains(r#"id="signin-link""#),
        "no link before the browser was asked"
    );
    let waiting = SignInWaiting {
        url: "http://127.0.0.1:4000/auth?client_id=c&request_uri=urn%3Aa".into(),
        browser_error: None,
    };
    let html = render(
        SessionStatus::SigningIn {
            waiting: Some(waiting),
        },
        "/login",
    )
    .await;
    assert!(
        html.contains(r#"href="http://127.0.0.1:4000/auth?client_id=c&amp;request_uri=urn%3Aa""#),
        "{html}"
    );
    assert!(html.contains(r#"id="open-browser-again""#));
}

#[tokio::test]
async fn errors_are_a_sentence_in_auth_error() {
    let status = SessionStatus::SignedOut {
        reason: Some(CommandError::new(
            ErrorKind::Network,
            "Could not reach the identity provider.",
        )),
    };
    let html = render(status, "/login").await;
    assert!(html.contains(r#"id="auth-error""#), "{html}");
    assert!(html.contains("Could not reach the identity provider."));
    assert!(html.contains(r#"data-kind="network""#));
}

#[tokio::test]
async fn missing_configuration_says_what_to_set() {
    let status = SessionStatus::Failed(CommandError::new(
        ErrorKind::Config,
        "Gatehouse is not configured yet.",
    ));
    let html = render(status, "/login").await;
    assert!(
        html.contains("GATEHOUSE_ISSUER") && html.contains("GATEHOUSE_CLIENT_ID"),
        "{html}"
    );
    assert!(
        html.contains("disabled"),
        "the login button is disabled: {html}"
    );
}

#[tokio::test]
async fn home_greets_the_person_and_shows_the_session() {
    let html = render(signed_in(StorageStatus::Persisted), "/home").await;
    assert!(html.contains(">Home<"), "{html}");
    assert!(html.contains(r#"id="welcome""#) && html.contains("Welcome, Ada Lovelace!"));
    assert!(html.contains("ada@example.test"));
    assert!(html.contains(r#"src="https://img.example/ada.png""#));
    assert!(html.contains(r#"id="session-expiry""#) && html.contains("Session valid for"));
    assert!(html.contains("renews automatically"));
    assert!(html.contains(r#"id="logout-button""#));
    assert!(!html.contains("Secure storage is unavailable"));
}

#[tokio::test]
async fn memory_only_session_says_so() {
    let html = render(signed_in(StorageStatus::MemoryOnly), "/home").await;
    assert!(html.contains("Secure storage is unavailable"), "{html}");
}

#[tokio::test]
async fn guards_keep_each_page_to_its_phase() {
    let html = render(signed_out(), "/home").await;
    assert!(
        !html.contains("welcome"),
        "home is not shown signed out: {html}"
    );
    let html = render(signed_in(StorageStatus::Persisted), "/login").await;
    assert!(
        !html.contains("login-button"),
        "login is not shown signed in: {html}"
    );
    let html = render(SessionStatus::Loading, "/home").await;
    assert!(
        html.contains("Opening your session"),
        "loading shows neither page: {html}"
    );
}

#[tokio::test]
async fn the_root_and_unknown_addresses_are_the_login_routes_page() {
    for path in ["/", "/nowhere"] {
        let html = render(signed_out(), path).await;
        assert!(html.contains(r#"id="login-button""#), "{path}: {html}");
        // Signed in: the login route's guard draws nothing on its way home.
        let html = render(signed_in(StorageStatus::Persisted), path).await;
        assert!(!html.contains("login-button"), "{path}: {html}");
    }
}

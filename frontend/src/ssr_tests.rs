//! The pages and the route guards rendered to HTML natively (Yew SSR), for each phase of the
//! session. Tauri's IPC is never reached: effects do not run on the server.

use gatehouse_contract::{CommandError, ErrorKind, SessionView, StorageStatus};
use yew::prelude::*;
use yew::LocalServerRenderer;

use crate::state::{AppState, Phase};
use crate::Shell;

#[derive(Properties, PartialEq, Clone)]
struct FixtureProps {
    state: AppState,
    path: &'static str,
}

#[function_component(Fixture)]
fn fixture(props: &FixtureProps) -> Html {
    let initial = props.state.clone();
    let state = use_reducer(move || initial);
    html! { <Shell state={state} path={props.path} /> }
}

async fn render(state: AppState, path: &'static str) -> String {
    LocalServerRenderer::<Fixture>::with_props(FixtureProps { state, path })
        .hydratable(false)
        .render()
        .await
}

fn signed_in(storage: StorageStatus) -> AppState {
    AppState {
        phase: Phase::SignedIn(SessionView {
            display_name: "Ada Lovelace".into(),
            email: Some("ada@example.test".into()),
            picture: Some("https://img.example/ada.png".into()),
            expires_at: i64::MAX / 2,
            can_renew: true,
            storage,
        }),
        ..Default::default()
    }
}

fn signed_out() -> AppState {
    AppState {
        phase: Phase::SignedOut,
        ..Default::default()
    }
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
    let state = AppState {
        phase: Phase::SigningIn,
        ..Default::default()
    };
    let html = render(state, "/login").await;
    assert!(html.contains("Finish signing in in your browser"), "{html}");
    assert!(html.contains(r#"id="cancel-login""#));
    assert!(!html.contains(r#"id="login-button""#));
}

#[tokio::test]
async fn errors_are_a_sentence_in_auth_error() {
    let state = AppState {
        error: Some(CommandError::new(
            ErrorKind::Network,
            "Could not reach the identity provider.",
        )),
        ..signed_out()
    };
    let html = render(state, "/login").await;
    assert!(html.contains(r#"id="auth-error""#), "{html}");
    assert!(html.contains("Could not reach the identity provider."));
    assert!(html.contains(r#"data-kind="network""#));
}

#[tokio::test]
async fn missing_configuration_says_what_to_set() {
    let state = AppState {
        error: Some(CommandError::new(
            ErrorKind::Config,
            "Gatehouse is not configured yet.",
        )),
        ..signed_out()
    };
    let html = render(state, "/login").await;
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
    let html = render(AppState::default(), "/home").await;
    assert!(
        html.contains("Opening your session"),
        "loading shows neither page: {html}"
    );
}

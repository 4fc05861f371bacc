//! `gatehouse-yew` in a real browser (headless Chromium) on Tauri's own JavaScript API and its
//! mock IPC: the typed `invoke` and `listen`, the provider following the plugin's events, and
//! the route guards.

#![cfg(target_arch = "wasm32")]

#[path = "support/mod.rs"]
mod support;

use gatehouse_yew::commands;
use gatehouse_yew::ipc::{invoke, listen};
use gatehouse_yew::{
    use_session, ErrorKind, GatehouseProvider, RequireSignedIn, RequireSignedOut, SessionState,
    SessionStatus, SignedIn, SignedOut,
};
use gloo_timers::future::TimeoutFuture;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use support::*;
use wasm_bindgen_test::*;
use yew::prelude::*;
use yew_router::prelude::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn a_reply_becomes_its_type() {
    tauri(json!({"session": {"ok": signed_in()}, "logged_in": {"ok": true}})).await;
    let state = commands::session().await.unwrap();
    assert_eq!(
        state.session().map(|v| v.display_name.as_str()),
        Some("Ada Lovelace")
    );
    assert_eq!(commands::logged_in().await, Ok(true));
}

#[wasm_bindgen_test]
async fn a_command_error_keeps_its_kind_and_sentence() {
    tauri(json!({"login": {"err": {"kind": "refused",
        "message": "The identity provider refused the sign-in."}}}))
    .await;
    let err = commands::login().await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Refused);
    assert_eq!(err.message, "The identity provider refused the sign-in.");
}

#[wasm_bindgen_test]
async fn a_rejection_outside_the_contract_is_internal_and_says_what_it_was() {
    tauri(json!({"logout": {"err": "state not managed"}})).await;
    let err = commands::logout().await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Internal);
    assert!(err.message.contains("state not managed"), "{}", err.message);
}

#[wasm_bindgen_test]
async fn a_reply_of_another_shape_is_an_error_not_a_panic() {
    tauri(json!({"session": {"ok": 42}, "logged_in": {"ok": "yes"}})).await;
    let err = commands::session().await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Internal);
    assert!(
        err.message.contains("plugin:gatehouse|session"),
        "{}",
        err.message
    );
    assert_eq!(
        commands::logged_in().await.unwrap_err().kind,
        ErrorKind::Internal
    );
}

#[wasm_bindgen_test]
async fn no_tauri_api_in_the_window_is_an_error_not_a_panic() {
    tauri(json!({})).await;
    let api = remove_api();
    let err = commands::logged_in().await.unwrap_err();
    restore_api(api);
    assert_eq!(err.kind, ErrorKind::Internal);
    assert!(err.message.contains("withGlobalTauri"), "{}", err.message);
}

/// An app's own command: its arguments and reply through serde.
#[wasm_bindgen_test]
async fn the_host_apps_own_commands_take_and_give_serde_values() {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Query<'a> {
        customer_id: &'a str,
        limit: u8,
    }
    #[derive(Debug, Deserialize, PartialEq)]
    struct Orders {
        count: u32,
        names: Vec<String>,
    }
    tauri(json!({"orders": {"ok": {"count": 2, "names": ["tea", "cake"]}}})).await;
    let orders: Orders = invoke(
        "orders",
        &Query {
            customer_id: "ada",
            limit: 2,
        },
    )
    .await
    .unwrap();
    assert_eq!(orders.names, ["tea", "cake"]);
    assert_eq!(
        invoked_args().last(),
        Some(&json!({"customerId": "ada", "limit": 2}))
    );
}

#[wasm_bindgen_test]
async fn events_reach_the_listener_until_it_is_dropped_and_malformed_ones_are_dropped() {
    tauri(json!({})).await;
    let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::<SessionState>::new()));
    let sink = seen.clone();
    let listening = listen("gatehouse://session-changed", move |state| {
        sink.borrow_mut().push(state)
    })
    .await
    .unwrap();
    send("gatehouse://session-changed", signed_in()).await;
    send("gatehouse://session-changed", json!({"not": "a state"})).await;
    send("gatehouse://session-changed", signed_out()).await;
    drop(listening);
    TimeoutFuture::new(50).await;
    send("gatehouse://session-changed", signed_in()).await;
    let seen = seen.borrow();
    assert_eq!(
        seen.len(),
        2,
        "the malformed one and the one after the drop: {seen:?}"
    );
    assert!(seen[0].session().is_some());
    assert_eq!(seen[1], SessionState::SignedOut { reason: None });
}

#[derive(Clone, Copy, PartialEq, Routable)]
enum Route {
    #[at("/login")]
    Login,
    #[at("/home")]
    Home,
}

/// A page that shows the status and offers the hook's actions.
#[function_component(Status)]
fn status() -> Html {
    let session = use_session();
    let text = match &session.status {
        SessionStatus::Loading => "loading".to_owned(),
        SessionStatus::SignedOut { reason } => {
            format!(
                "signed out: {}",
                reason.as_ref().map_or("", |r| r.message.as_str())
            )
        }
        SessionStatus::SigningIn { waiting } => format!(
            "signing in: {}",
            waiting.as_ref().map_or("", |w| w.url.as_str())
        ),
        SessionStatus::SignedIn(view) => format!("signed in: {}", view.display_name),
        SessionStatus::Failed(error) => format!("failed: {}", error.message),
    };
    html! {
        <>
            <p id="status">{ text }</p>
            <button id="login" onclick={session.sign_in.reform(|_| ())}>{ "login" }</button>
            <button id="cancel" onclick={session.cancel.reform(|_| ())}>{ "cancel" }</button>
            <button id="logout" onclick={session.sign_out.reform(|_| ())}>{ "logout" }</button>
        </>
    }
}

fn switch(route: Route) -> Html {
    match route {
        Route::Login => html! {
            <RequireSignedOut<Route> redirect={Route::Home}>
                <h1 id="login-page">{ "Log in" }</h1><Status />
                <SignedOut><p id="signed-out-part">{ "out" }</p></SignedOut>
            </RequireSignedOut<Route>>
        },
        Route::Home => html! {
            <RequireSignedIn<Route> redirect={Route::Login} fallback={html! { <p id="wait">{ "…" }</p> }}>
                <h1 id="home-page">{ "Home" }</h1><Status />
                <SignedIn><p id="signed-in-part">{ "in" }</p></SignedIn>
                <SignedOut><p id="signed-out-part">{ "out" }</p></SignedOut>
            </RequireSignedIn<Route>>
        },
    }
}

#[function_component(App)]
fn app() -> Html {
    html! {
        <GatehouseProvider>
            <BrowserRouter><Switch<Route> render={switch} /></BrowserRouter>
        </GatehouseProvider>
    }
}

#[wasm_bindgen_test]
async fn the_guard_sends_a_signed_out_person_to_login_without_drawing_home() {
    tauri(json!({"session": {"ok": signed_out()}, "logged_in": {"ok": false}})).await;
    let app = Mounted::<App>::at("/home").await;
    assert!(app.find("#home-page").is_none());
    assert!(
        app.find("#login-page").is_some(),
        "{}",
        app.root.inner_html()
    );
    assert_eq!(path(), "/login");
}

#[wasm_bindgen_test]
async fn the_guard_asks_logged_in_and_lets_a_signed_in_person_home() {
    tauri(json!({"session": {"ok": signed_in()}, "logged_in": {"ok": true}})).await;
    let app = Mounted::<App>::at("/login").await;
    assert_eq!(app.text("#status"), "signed in: Ada Lovelace");
    assert!(app.find("#home-page").is_some());
    assert_eq!(path(), "/home");
    assert_eq!(called("logged_in"), 1, "asked alongside session, once");
}

#[wasm_bindgen_test]
async fn a_session_the_plugin_no_longer_counts_as_logged_in_stays_outside() {
    // logged_in: a token too close to its expiry does not count.
    tauri(json!({"session": {"ok": signed_in()}, "logged_in": {"ok": false}})).await;
    let app = Mounted::<App>::at("/home").await;
    assert!(app.find("#home-page").is_none());
    assert_eq!(path(), "/login");
}

#[wasm_bindgen_test]
async fn the_guard_waits_while_the_stored_session_is_opened() {
    tauri(json!({"session": {"held": true}, "logged_in": {"held": true}})).await;
    let app = Mounted::<App>::at("/home").await;
    assert!(app.find("#wait").is_some(), "{}", app.root.inner_html());
    release("session", json!({"ok": signed_in()}));
    release("logged_in", json!({"ok": true}));
    TimeoutFuture::new(100).await;
    assert!(app.find("#home-page").is_some());
}

#[wasm_bindgen_test]
async fn a_sign_in_reaches_home_through_the_event_and_logout_returns_to_login() {
    tauri(
        json!({"session": {"ok": signed_out()}, "login": {"held": true},
                 "logged_in": {"ok": true}, "logout": {"ok": null}}),
    )
    .await;
    let app = Mounted::<App>::at("/login").await;
    let asked_at_start = called("logged_in");
    app.click("#login").await;
    assert_eq!(app.text("#status"), "signing in: ");
    send(
        "gatehouse://sign-in-waiting",
        json!({"url": "http://127.0.0.1/auth", "browserError": null}),
    )
    .await;
    assert_eq!(app.text("#status"), "signing in: http://127.0.0.1/auth");
    release("login", json!({"ok": null}));
    send("gatehouse://session-changed", signed_in()).await;
    TimeoutFuture::new(100).await;
    assert!(
        app.find("#home-page").is_some(),
        "{}",
        app.root.inner_html()
    );
    assert_eq!(path(), "/home");
    assert!(app.find("#signed-in-part").is_some() && app.find("#signed-out-part").is_none());
    assert_eq!(
        called("logged_in"),
        asked_at_start,
        "the event's session is the plugin's word: nothing asked after it"
    );

    set_reply("logged_in", json!({"ok": false}));
    app.click("#logout").await;
    send("gatehouse://session-changed", signed_out()).await;
    TimeoutFuture::new(100).await;
    assert!(app.find("#login-page").is_some());
    assert!(app.find("#signed-out-part").is_some());
    assert_eq!(path(), "/login");
    assert_eq!(called("logout"), 1);
    assert_eq!(called("logged_in"), asked_at_start);
}

#[wasm_bindgen_test]
async fn a_session_that_ends_says_why_from_its_event_alone() {
    tauri(json!({"session": {"ok": signed_in()}, "logged_in": {"ok": true}})).await;
    let app = Mounted::<App>::at("/home").await;
    let sessions_asked = called("session");
    send("gatehouse://session-changed", expired()).await;
    TimeoutFuture::new(100).await;
    assert_eq!(
        app.text("#status"),
        "signed out: Your session expired. Log in again."
    );
    assert_eq!(path(), "/login");
    assert_eq!(called("session"), sessions_asked, "not asked again");
}

#[wasm_bindgen_test]
async fn cancel_returns_to_signed_out_with_no_reason() {
    tauri(
        json!({"session": {"ok": signed_out()}, "login": {"held": true},
                 "cancel_login": {"ok": null}}),
    )
    .await;
    let app = Mounted::<App>::at("/login").await;
    app.click("#login").await;
    app.click("#cancel").await;
    assert_eq!(called("cancel_login"), 1);
    release(
        "login",
        json!({"err": {"kind": "cancelled", "message": "Sign-in was cancelled."}}),
    );
    TimeoutFuture::new(100).await;
    assert_eq!(app.text("#status"), "signed out: ");
}

#[wasm_bindgen_test]
async fn the_start_script_draws_the_signed_out_page_before_any_reply() {
    tauri(json!({"session": {"held": true}})).await;
    set_start(json!({"signedOut": true}));
    let app = Mounted::<App>::at("/login").await;
    set_start(Value::Null);
    assert!(
        app.find("#login-page").is_some(),
        "{}",
        app.root.inner_html()
    );
    assert_eq!(called("logged_in"), 0, "no session, nothing to ask");
}

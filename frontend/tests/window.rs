//! The UI in a real browser (headless Chromium), with Tauri's IPC stood in for at the `window`
//! boundary: `window.__TAURI__.core.invoke` and `window.__TAURI__.event.listen` are replaced
//! by a script that answers each command as the test says.

#![cfg(target_arch = "wasm32")]

use gatehouse_contract::{ErrorKind, SessionView, StorageStatus};
use gatehouse_ui::{ipc, App};
use gloo_timers::future::TimeoutFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Installs the stand-in; `replies` is a JS object literal: command → {ok: value} or {err: value}.
fn stand_in(replies: &str) {
    let script = format!(
        r#"
        window.__gatehouse_test = {{ replies: {replies}, listeners: [] }};
        window.__TAURI__ = {{
          core: {{
            invoke(cmd) {{
              const reply = window.__gatehouse_test.replies[cmd];
              if (reply === undefined) return Promise.reject('no reply for ' + cmd);
              return 'ok' in reply ? Promise.resolve(reply.ok) : Promise.reject(reply.err);
            }},
          }},
          event: {{
            listen(event, handler) {{
              window.__gatehouse_test.listeners.push([event, handler]);
              return Promise.resolve(() => {{}});
            }},
          }},
        }};"#
    );
    js_sys::eval(&script).expect("the stand-in installs");
}

fn emit(payload: &str) {
    js_sys::eval(&format!(
        "for (const [e, h] of window.__gatehouse_test.listeners) h({{event: e, payload: {payload}}});"
    ))
    .expect("the event is delivered");
}

const ADA: &str = r#"{displayName: "Ada Lovelace", email: "ada@example.test", picture: null,
    expiresAt: 4102444800, canRenew: true, storage: "persisted"}"#;

#[wasm_bindgen_test]
async fn session_null_is_signed_out() {
    stand_in("{session: {ok: null}}");
    assert_eq!(ipc::session().await, Ok(None));
}

#[wasm_bindgen_test]
async fn session_view_is_decoded() {
    stand_in(&format!("{{session: {{ok: {ADA}}}}}"));
    let view = ipc::session().await.unwrap().expect("a session");
    assert_eq!(view.display_name, "Ada Lovelace");
    assert_eq!(view.storage, StorageStatus::Persisted);
}

#[wasm_bindgen_test]
async fn a_command_error_keeps_its_kind_and_sentence() {
    stand_in(
        r#"{login: {err: {kind: "refused", message: "The identity provider refused the sign-in."}}}"#,
    );
    let err = ipc::login().await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Refused);
    assert_eq!(err.message, "The identity provider refused the sign-in.");
}

#[wasm_bindgen_test]
async fn a_rejection_outside_the_contract_is_internal() {
    stand_in(r#"{logout: {err: "state not managed"}}"#);
    let err = ipc::logout().await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Internal);
    assert!(err.message.contains("state not managed"), "{}", err.message);
}

#[wasm_bindgen_test]
async fn a_malformed_reply_is_an_error_not_a_panic() {
    stand_in("{session: {ok: 42}, logged_in: {ok: 'yes'}}");
    assert_eq!(ipc::session().await.unwrap_err().kind, ErrorKind::Internal);
    assert_eq!(
        ipc::logged_in().await.unwrap_err().kind,
        ErrorKind::Internal
    );
}

#[wasm_bindgen_test]
async fn session_changed_events_reach_the_listener() {
    stand_in("{}");
    let seen = std::rc::Rc::new(std::cell::RefCell::new(Vec::<Option<SessionView>>::new()));
    let sink = seen.clone();
    ipc::on_session_changed(move |view| sink.borrow_mut().push(view))
        .await
        .unwrap();
    emit(ADA);
    emit("null");
    emit("{not: 'a view'}");
    let seen = seen.borrow();
    assert_eq!(seen.len(), 2, "the malformed event is dropped");
    assert_eq!(
        seen[0].as_ref().map(|v| v.display_name.as_str()),
        Some("Ada Lovelace")
    );
    assert_eq!(seen[1], None);
}

/// Mounts the whole app in a fresh element and gives it time to ask for the session.
async fn mount() -> (web_sys::Element, yew::AppHandle<App>) {
    let document = web_sys::window().unwrap().document().unwrap();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    let app = yew::Renderer::<App>::with_root(root.clone()).render();
    TimeoutFuture::new(200).await;
    (root, app)
}

#[wasm_bindgen_test]
async fn the_app_opens_on_login_when_signed_out() {
    stand_in("{session: {ok: null}}");
    let (root, app) = mount().await;
    assert!(
        root.query_selector("#login-button").unwrap().is_some(),
        "{}",
        root.inner_html()
    );
    assert_eq!(
        web_sys::window().unwrap().location().pathname().unwrap(),
        "/login"
    );
    app.destroy();
    root.remove();
}

#[wasm_bindgen_test]
async fn the_app_opens_on_home_with_a_session_and_leaves_when_it_ends() {
    stand_in(&format!(r#"{{session: {{ok: {ADA}}}}}"#));
    let (root, app) = mount().await;
    let welcome = root
        .query_selector("#welcome")
        .unwrap()
        .expect("the home page");
    assert_eq!(welcome.text_content().unwrap(), "Welcome, Ada Lovelace!");
    assert_eq!(
        web_sys::window().unwrap().location().pathname().unwrap(),
        "/home"
    );

    // The backend ends the session and says why.
    js_sys::eval(
        r#"window.__gatehouse_test.replies.session =
             {err: {kind: "expired", message: "Your session expired. Log in again."}};"#,
    )
    .unwrap();
    emit("null");
    TimeoutFuture::new(200).await;
    let notice = root
        .query_selector("#auth-error")
        .unwrap()
        .expect("the reason is shown");
    assert_eq!(
        notice.text_content().unwrap(),
        "Your session expired. Log in again."
    );
    assert!(root.query_selector("#login-button").unwrap().is_some());
    app.destroy();
    root.remove();
}

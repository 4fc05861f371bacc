//! The frontend's decoders against the backend's own serialisation: each contract type is
//! written by serde (as the backend writes it), parsed by the browser's `JSON.parse` (as Tauri
//! hands it over), and read back. Malformed values are refused with the field that is wrong.

#![cfg(target_arch = "wasm32")]

use gatehouse_contract::{CommandError, ErrorKind, SessionView, SignInWaiting, StorageStatus};
use gatehouse_ui::decode::{self, FromJs};
use serde::Serialize;
use serde_json::json;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// `value` as the window receives it from the backend.
fn sent<T: Serialize>(value: &T) -> JsValue {
    js_sys::JSON::parse(&serde_json::to_string(value).unwrap()).unwrap()
}

fn view(email: Option<&str>, storage: StorageStatus) -> SessionView {
    SessionView {
        display_name: "Ada Lovelace".into(),
        email: email.map(Into::into),
        picture: None,
        expires_at: 1_893_456_000,
        can_renew: true,
        storage,
    }
}

#[wasm_bindgen_test]
fn every_session_view_the_backend_sends_reads_back_equal() {
    for view in [
        view(Some("ada@example.test"), StorageStatus::Persisted),
        view(None, StorageStatus::MemoryOnly),
    ] {
        assert_eq!(SessionView::from_js(&sent(&view)), Ok(view.clone()));
        assert_eq!(
            Option::<SessionView>::from_js(&sent(&Some(view.clone()))),
            Ok(Some(view))
        );
    }
    assert_eq!(Option::<SessionView>::from_js(&JsValue::NULL), Ok(None));
}

#[wasm_bindgen_test]
fn every_error_kind_the_backend_sends_reads_back_equal() {
    for kind in ErrorKind::ALL {
        let error = CommandError::new(kind, "A sentence.");
        assert_eq!(CommandError::from_js(&sent(&error)), Ok(error));
    }
}

#[wasm_bindgen_test]
fn a_waiting_sign_in_reads_back_equal_with_and_without_a_browser_error() {
    for browser_error in [None, Some("No browser.".to_string())] {
        let waiting = SignInWaiting {
            url: "https://id.example/authorize?client_id=c".into(),
            browser_error,
        };
        assert_eq!(SignInWaiting::from_js(&sent(&waiting)), Ok(waiting));
    }
}

#[wasm_bindgen_test]
fn an_event_payload_is_read_from_the_event() {
    let event = sent(&json!({"event": "session-changed", "id": 1, "payload": null}));
    assert_eq!(decode::payload::<Option<SessionView>>(&event), Ok(None));
}

#[wasm_bindgen_test]
fn a_missing_or_mistyped_field_is_refused_naming_the_field() {
    let mut missing = serde_json::to_value(view(None, StorageStatus::Persisted)).unwrap();
    missing.as_object_mut().unwrap().remove("canRenew");
    let err = SessionView::from_js(&sent(&missing)).unwrap_err();
    assert!(err.starts_with("canRenew"), "{err}");

    let mut mistyped = serde_json::to_value(view(None, StorageStatus::Persisted)).unwrap();
    mistyped["displayName"] = json!(7);
    let err = SessionView::from_js(&sent(&mistyped)).unwrap_err();
    assert!(err.starts_with("displayName"), "{err}");
}

#[wasm_bindgen_test]
fn an_expiry_that_is_not_a_whole_number_of_seconds_is_refused() {
    for bad in [json!(1.5), json!(1e300), json!("1893456000")] {
        let mut value = serde_json::to_value(view(None, StorageStatus::Persisted)).unwrap();
        value["expiresAt"] = bad.clone();
        let err = SessionView::from_js(&sent(&value)).unwrap_err();
        assert!(err.starts_with("expiresAt"), "{bad}: {err}");
    }
}

#[wasm_bindgen_test]
fn an_unknown_error_kind_or_storage_is_refused() {
    let err = CommandError::from_js(&sent(&json!({"kind": "teapot", "message": "m"})));
    assert!(err.unwrap_err().contains("teapot"));
    let mut value = serde_json::to_value(view(None, StorageStatus::Persisted)).unwrap();
    value["storage"] = json!("cloud");
    assert!(SessionView::from_js(&sent(&value))
        .unwrap_err()
        .contains("cloud"));
}

#[wasm_bindgen_test]
fn a_reply_that_is_not_an_object_is_refused() {
    for bad in [json!(null), json!(true), json!("session"), json!([1, 2])] {
        assert!(SessionView::from_js(&sent(&bad)).is_err(), "{bad}");
    }
    assert!(bool::from_js(&JsValue::from_str("true")).is_err());
    assert!(<()>::from_js(&JsValue::TRUE).is_err());
}

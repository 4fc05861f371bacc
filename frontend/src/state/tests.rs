use super::*;
use gatehouse_contract::{SignInWaiting, StorageStatus};

fn view() -> SessionView {
    SessionView {
        display_name: "Ada".into(),
        email: Some("ada@example.test".into()),
        picture: None,
        expires_at: 2_000_000_000,
        can_renew: true,
        storage: StorageStatus::Persisted,
    }
}

fn reduce(state: AppState, action: Action) -> AppState {
    (*Rc::new(state).reduce(action)).clone()
}

#[test]
fn start_with_a_stored_session_goes_signed_in() {
    let s = reduce(AppState::default(), Action::Loaded(Ok(Some(view()))));
    assert_eq!(s.phase, Phase::SignedIn(view()));
}

#[test]
fn start_without_session_goes_signed_out() {
    let s = reduce(AppState::default(), Action::Loaded(Ok(None)));
    assert_eq!(s.phase, Phase::SignedOut);
    assert_eq!(s.error, None);
}

#[test]
fn start_with_missing_config_asks_for_setup() {
    let err = CommandError::new(ErrorKind::Config, "Set GATEHOUSE_ISSUER.");
    let s = reduce(AppState::default(), Action::Loaded(Err(err)));
    assert_eq!(s.phase, Phase::SignedOut);
    assert!(s.needs_setup());
}

#[test]
fn an_event_before_the_load_answer_wins() {
    let s = reduce(AppState::default(), Action::SessionChanged(Some(view())));
    let s = reduce(s, Action::Loaded(Ok(None)));
    assert_eq!(s.phase, Phase::SignedIn(view()));
}

#[test]
fn login_then_success() {
    let s = reduce(AppState::default(), Action::Loaded(Ok(None)));
    let s = reduce(s, Action::LoginStarted);
    assert_eq!(s.phase, Phase::SigningIn);
    let s = reduce(s, Action::LoginFinished(Ok(view())));
    assert_eq!(s.phase, Phase::SignedIn(view()));
}

#[test]
fn login_failure_returns_to_signed_out_with_the_error() {
    let s = reduce(
        AppState {
            phase: Phase::SigningIn,
            ..Default::default()
        },
        Action::LoginFinished(Err(CommandError::new(ErrorKind::Refused, "No."))),
    );
    assert_eq!(s.phase, Phase::SignedOut);
    assert_eq!(s.error.unwrap().kind, ErrorKind::Refused);
}

#[test]
fn a_new_attempt_clears_the_old_error() {
    let s = AppState {
        phase: Phase::SignedOut,
        error: Some(CommandError::new(ErrorKind::Network, "x")),
        ..Default::default()
    };
    assert_eq!(reduce(s, Action::LoginStarted).error, None);
}

#[test]
fn session_changed_to_none_signs_out_but_not_during_sign_in() {
    let signed_in = AppState {
        phase: Phase::SignedIn(view()),
        ..Default::default()
    };
    assert_eq!(
        reduce(signed_in, Action::SessionChanged(None)).phase,
        Phase::SignedOut
    );
    let signing_in = AppState {
        phase: Phase::SigningIn,
        ..Default::default()
    };
    assert_eq!(
        reduce(signing_in, Action::SessionChanged(None)).phase,
        Phase::SigningIn
    );
}

#[test]
fn logout_goes_signed_out() {
    let s = AppState {
        phase: Phase::SignedIn(view()),
        ..Default::default()
    };
    let s = reduce(s, Action::LogoutStarted);
    assert!(s.logging_out);
    let s = reduce(s, Action::LogoutFinished(Ok(())));
    assert_eq!(s.phase, Phase::SignedOut);
    assert!(!s.logging_out);
}

#[test]
fn a_session_that_ended_by_itself_says_why() {
    let s = AppState {
        phase: Phase::SignedIn(view()),
        ..Default::default()
    };
    let s = reduce(s, Action::SessionChanged(None));
    let s = reduce(
        s,
        Action::Ended(CommandError::new(
            ErrorKind::Expired,
            "Your session expired. Log in again.",
        )),
    );
    assert_eq!(s.phase, Phase::SignedOut);
    assert_eq!(s.error.unwrap().kind, ErrorKind::Expired);
}

#[test]
fn an_ended_notice_does_not_disturb_a_new_sign_in() {
    let s = AppState {
        phase: Phase::SigningIn,
        ..Default::default()
    };
    let s = reduce(s, Action::Ended(CommandError::new(ErrorKind::Expired, "x")));
    assert_eq!(s.phase, Phase::SigningIn);
    assert_eq!(s.error, None);
}

fn waiting(browser_error: Option<&str>) -> SignInWaiting {
    SignInWaiting {
        url: "https://id.example/authorize?request_uri=urn%3Ax".into(),
        browser_error: browser_error.map(str::to_owned),
    }
}

#[test]
fn the_waiting_page_is_kept_only_while_signing_in() {
    let signing_in = reduce(AppState::default(), Action::LoginStarted);
    let s = reduce(signing_in, Action::Waiting(waiting(None)));
    assert_eq!(s.waiting, Some(waiting(None)));
    assert_eq!(s.shown_error(), None);
    let done = reduce(s, Action::LoginFinished(Ok(view())));
    assert_eq!(done.waiting, None);

    // A late event, after the sign-in ended, is not shown.
    let signed_out = reduce(AppState::default(), Action::Loaded(Ok(None)));
    assert_eq!(
        reduce(signed_out, Action::Waiting(waiting(None))).waiting,
        None
    );
}

#[test]
fn a_browser_that_did_not_open_is_the_error_shown_while_waiting() {
    let signing_in = reduce(AppState::default(), Action::LoginStarted);
    let s = reduce(signing_in, Action::Waiting(waiting(Some("No browser."))));
    let shown = s.shown_error().expect("an error is shown");
    assert_eq!(shown.kind, ErrorKind::Browser);
    assert_eq!(shown.message, "No browser.");
    assert_eq!(s.phase, Phase::SigningIn, "the sign-in goes on waiting");
}

#[test]
fn cancel_returns_to_login_without_an_error() {
    let s = reduce(
        AppState {
            phase: Phase::SigningIn,
            waiting: Some(waiting(None)),
            ..Default::default()
        },
        Action::LoginFinished(Err(CommandError::new(
            ErrorKind::Cancelled,
            "Sign-in was cancelled.",
        ))),
    );
    assert_eq!(s.phase, Phase::SignedOut);
    assert_eq!(s.error, None);
    assert_eq!(s.waiting, None);
}

#[test]
fn a_start_known_to_be_signed_out_skips_loading_and_keeps_to_it() {
    let start = AppState::at_start(true);
    assert_eq!(start.phase, Phase::SignedOut);
    let s = reduce(start.clone(), Action::Loaded(Ok(None)));
    assert_eq!((s.phase, s.error), (Phase::SignedOut, None));
    // A click on Log in before the backend's answer arrived is not undone by it.
    let signing_in = reduce(start, Action::LoginStarted);
    let s = reduce(signing_in, Action::Loaded(Ok(None)));
    assert_eq!(s.phase, Phase::SigningIn);
}

#[test]
fn a_start_hint_older_than_the_session_is_corrected_by_the_first_answer() {
    // A reload after signing in: the script that runs before the page is as old as the window.
    let s = reduce(AppState::at_start(true), Action::Loaded(Ok(Some(view()))));
    assert_eq!(s.phase, Phase::SignedIn(view()));
    assert!(!s.from_start_hint);
}

#[test]
fn an_event_confirms_the_start_hint_so_a_later_answer_does_not_undo_it() {
    let s = reduce(AppState::at_start(true), Action::SessionChanged(None));
    let s = reduce(s, Action::Loaded(Ok(Some(view()))));
    assert_eq!(
        s.phase,
        Phase::SignedOut,
        "the event is newer than the answer"
    );
}

#[test]
fn a_start_not_known_to_be_signed_out_asks_first() {
    assert_eq!(AppState::at_start(false).phase, Phase::Loading);
    assert_eq!(AppState::at_start(false), AppState::default());
}

#[test]
fn a_configuration_error_still_reaches_a_start_known_to_be_signed_out() {
    let error = CommandError::new(ErrorKind::Config, "Gatehouse is not configured yet.");
    let s = reduce(AppState::at_start(true), Action::Loaded(Err(error.clone())));
    assert_eq!((s.phase, s.error), (Phase::SignedOut, Some(error)));
}

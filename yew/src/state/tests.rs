use super::*;
use gatehouse_contract::StorageStatus;

fn view() -> SessionView {
    SessionView {
        display_name: "Ada".into(),
        email: Some("ada@example.test".into()),
        picture: None,
        tenant: None,
        expires_at: 2_000_000_000,
        can_renew: true,
        storage: StorageStatus::Persisted,
    }
}

fn signed_in() -> SessionState {
    SessionState::SignedIn { session: view() }
}

fn signed_out(reason: Option<CommandError>) -> SessionState {
    SessionState::SignedOut { reason }
}

fn reduce(store: SessionStore, action: Action) -> SessionStore {
    (*Rc::new(store).reduce(action)).clone()
}

fn run(actions: impl IntoIterator<Item = Action>) -> SessionStore {
    actions.into_iter().fold(SessionStore::default(), reduce)
}

fn expired() -> CommandError {
    CommandError::new(ErrorKind::Expired, "Your session expired. Log in again.")
}

#[test]
fn start_with_a_stored_session_goes_signed_in_once_logged_in_says_so() {
    let s = run([Action::Loaded(Ok(signed_in()))]);
    assert!(matches!(s.status, SessionStatus::SignedIn(_)));
    assert_eq!(s.access(), Access::Wait, "logged_in not answered yet");
    let s = reduce(s, Action::LoggedIn(true));
    assert_eq!(s.access(), Access::SignedIn);
}

#[test]
fn the_logged_in_asked_at_start_answers_whichever_reply_comes_first() {
    let s = run([Action::LoggedIn(true), Action::Loaded(Ok(signed_in()))]);
    assert_eq!(s.access(), Access::SignedIn);
}

#[test]
fn start_without_session_goes_signed_out_without_asking() {
    let s = run([Action::Loaded(Ok(signed_out(None)))]);
    assert_eq!(s.access(), Access::SignedOut);
    assert!(!s.asks_logged_in());
}

#[test]
fn start_with_missing_config_fails_and_asks_for_setup() {
    let err = CommandError::new(ErrorKind::Config, "Set GATEHOUSE_ISSUER.");
    let s = run([Action::Loaded(Err(err))]);
    assert!(s.status.needs_setup());
    assert_eq!(s.access(), Access::SignedOut);
}

#[test]
fn an_event_before_the_load_answer_wins() {
    let s = run([
        Action::Changed(signed_out(Some(expired()))),
        Action::Loaded(Ok(signed_in())),
    ]);
    assert_eq!(s.status.error(), Some(expired()));
}

#[test]
fn a_start_hint_is_corrected_by_the_first_answer() {
    let s = SessionStore::at_start(true);
    assert_eq!(s.access(), Access::SignedOut, "drawn at once");
    let s = reduce(s, Action::Loaded(Ok(signed_in())));
    assert_eq!(
        s.access(),
        Access::Wait,
        "logged_in is asked before anyone goes in"
    );
    let s = reduce(s, Action::LoggedIn(true));
    assert_eq!(s.access(), Access::SignedIn);
}

/// The plugin emits a session only while `logged_in` holds for it (one function answers
/// both), so its event is the whole truth: nothing is asked again after a change.
#[test]
fn a_sign_in_arrives_as_the_event_and_opens_the_guard_without_another_question() {
    let s = run([
        Action::Loaded(Ok(signed_out(None))),
        Action::SignInStarted,
        Action::SignInFinished(Ok(())),
    ]);
    assert_eq!(s.status, SessionStatus::SigningIn { waiting: None });
    let s = reduce(s, Action::Changed(signed_in()));
    assert_eq!(s.access(), Access::SignedIn);
}

#[test]
fn an_answer_after_the_session_ended_is_dropped() {
    // Asked at start, answered after an event said the session ended.
    let s = run([
        Action::Loaded(Ok(signed_in())),
        Action::Changed(signed_out(None)),
        Action::LoggedIn(true),
    ]);
    assert_eq!(s.access(), Access::SignedOut);
    // Or after a sign-out.
    let late = run([
        Action::Loaded(Ok(signed_in())),
        Action::SignOutStarted,
        Action::SignOutFinished(Ok(())),
        Action::LoggedIn(true),
    ]);
    assert_eq!(
        late.access(),
        Access::SignedOut,
        "asked before the sign-out"
    );
}

#[test]
fn a_failed_sign_in_returns_to_signed_out_with_the_error() {
    let s = run([Action::SignInStarted]);
    let s = reduce(
        s,
        Action::SignInFinished(Err(CommandError::new(ErrorKind::Refused, "No."))),
    );
    assert_eq!(s.status.error().map(|e| e.kind), Some(ErrorKind::Refused));
    assert!(matches!(s.status, SessionStatus::SignedOut { .. }));
}

#[test]
fn cancel_is_not_an_error() {
    let s = run([
        Action::SignInStarted,
        Action::SignInFinished(Err(CommandError::new(ErrorKind::Cancelled, "Cancelled."))),
    ]);
    assert_eq!(s.status, SessionStatus::SignedOut { reason: None });
}

#[test]
fn a_new_attempt_clears_the_old_error() {
    let s = run([
        Action::Loaded(Ok(signed_out(Some(expired())))),
        Action::SignInStarted,
    ]);
    assert_eq!(s.status.error(), None);
}

#[test]
fn the_waiting_page_is_kept_only_while_signing_in() {
    let waiting = SignInWaiting {
        url: "http://127.0.0.1/authorize".into(),
        browser_error: Some("No browser.".into()),
    };
    let s = run([Action::SignInStarted, Action::Waiting(waiting.clone())]);
    assert_eq!(
        s.status,
        SessionStatus::SigningIn {
            waiting: Some(waiting.clone())
        }
    );
    assert_eq!(
        s.status.error().map(|e| (e.kind, e.message)),
        Some((ErrorKind::Browser, "No browser.".into())),
        "the browser's error shows while the sign-in waits"
    );
    let late = run([Action::Waiting(waiting)]);
    assert_eq!(late.status, SessionStatus::Loading);
}

#[test]
fn news_of_the_old_session_ending_does_not_end_a_sign_in() {
    let s = run([
        Action::Loaded(Ok(signed_in())),
        Action::SignInStarted,
        Action::Changed(signed_out(Some(expired()))),
    ]);
    assert_eq!(s.status, SessionStatus::SigningIn { waiting: None });
}

#[test]
fn signing_out_goes_signed_out() {
    let s = run([Action::Loaded(Ok(signed_in())), Action::SignOutStarted]);
    assert!(s.signing_out);
    let s = reduce(s, Action::Changed(signed_out(None)));
    assert!(!s.signing_out);
    let s = reduce(s, Action::SignOutFinished(Ok(())));
    assert_eq!(s.status, SessionStatus::SignedOut { reason: None });
    assert_eq!(s.access(), Access::SignedOut);
}

#[test]
fn a_session_that_ended_by_itself_says_why_in_its_event() {
    let s = run([
        Action::Loaded(Ok(signed_in())),
        Action::Changed(signed_out(Some(expired()))),
    ]);
    assert_eq!(s.status.error(), Some(expired()));
    assert_eq!(s.access(), Access::SignedOut);
}

#[test]
fn a_renewal_keeps_the_guard_open() {
    let s = run([Action::Loaded(Ok(signed_in())), Action::LoggedIn(true)]);
    let renewed = SessionView {
        expires_at: view().expires_at + 600,
        ..view()
    };
    let s = reduce(
        s,
        Action::Changed(SessionState::SignedIn {
            session: renewed.clone(),
        }),
    );
    assert_eq!(s.status, SessionStatus::SignedIn(renewed));
    assert_eq!(s.access(), Access::SignedIn, "no flicker");
}

#[test]
fn a_store_given_its_status_knows_its_access() {
    assert_eq!(
        SessionStore::with_status(SessionStatus::SignedIn(view())).access(),
        Access::SignedIn
    );
    assert_eq!(
        SessionStore::with_status(SessionStatus::SignedOut { reason: None }).access(),
        Access::SignedOut
    );
    assert_eq!(
        SessionStore::with_status(SessionStatus::Loading).access(),
        Access::Wait
    );
}

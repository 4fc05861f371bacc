use gatehouse_yew::{use_session, SessionStatus};
use yew::prelude::*;

use crate::components::{ErrorLine, SetupHelp, SignInLink};

/// `/login`: the product name and one button; while waiting, the browser hint, the sign-in
/// link and Cancel.
#[function_component(Login)]
pub fn login() -> Html {
    let session = use_session();
    let waiting = match &session.status {
        SessionStatus::SigningIn { waiting } => Some(waiting.clone()),
        _ => None,
    };
    let signing_in = waiting.is_some();
    // The button pressed is gone: keyboard focus moves to Cancel, the one action always there.
    let cancel_ref = use_node_ref();
    {
        let cancel_ref = cancel_ref.clone();
        use_effect_with(signing_in, move |signing_in| {
            if *signing_in {
                if let Some(cancel) = cancel_ref.cast::<web_sys::HtmlElement>() {
                    let _ = cancel.focus();
                }
            }
        });
    }
    let needs_setup = session.status.needs_setup();

    html! {
        <section class="card" aria-labelledby="product">
            <div class="brand">
                <img class="logo" src="/icon.svg" alt="" width="56" height="56" />
                <h1 id="product">{ "Gatehouse" }</h1>
                <p class="muted">{ "Sign in with your identity provider." }</p>
            </div>
            if let Some(waiting) = waiting {
                <div class="waiting" role="status" aria-live="polite">
                    <span class="spinner" aria-hidden="true"></span>
                    <p>{ "Finish signing in in your browser" }</p>
                </div>
                // Cancel comes before the sign-in link, which arrives a moment later: it must not
                // move under a pointer on its way to it.
                <button id="cancel-login" class="button secondary"
                    onclick={session.cancel.reform(|_| ())} ref={cancel_ref}>
                    { "Cancel" }
                </button>
                if let Some(waiting) = waiting {
                    <SignInLink waiting={waiting} open_again={session.open_browser_again.clone()} />
                }
            } else {
                <button id="login-button" class="button primary"
                    onclick={session.sign_in.reform(|_| ())} disabled={needs_setup}>
                    { "Log in" }
                </button>
            }
            <ErrorLine error={session.status.error()} />
            if needs_setup {
                <SetupHelp />
            }
        </section>
    }
}

use yew::platform::spawn_local;
use yew::prelude::*;

use crate::components::{ErrorLine, SetupHelp, SignInLink};
use crate::ipc;
use crate::state::{Action, AppState, Phase};

/// `/login`: the product name and one button; while waiting, the browser hint, the sign-in
/// link and Cancel.
#[function_component(Login)]
pub fn login() -> Html {
    let state = use_context::<UseReducerHandle<AppState>>().expect("the app state is provided");
    let signing_in = state.phase == Phase::SigningIn;
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

    let on_login = {
        let dispatcher = state.dispatcher();
        Callback::from(move |_: MouseEvent| {
            dispatcher.dispatch(Action::LoginStarted);
            let dispatcher = dispatcher.clone();
            spawn_local(
                async move { dispatcher.dispatch(Action::LoginFinished(ipc::login().await)) },
            );
        })
    };
    let on_cancel = Callback::from(|_: MouseEvent| {
        // The pending login answers with `cancelled`; that answer moves the state.
        spawn_local(async {
            let _ = ipc::cancel_login().await;
        })
    });

    html! {
        <section class="card" aria-labelledby="product">
            <div class="brand">
                <img class="logo" src="/icon.svg" alt="" width="56" height="56" />
                <h1 id="product">{ "Gatehouse" }</h1>
                <p class="muted">{ "Sign in with your identity provider." }</p>
            </div>
            if signing_in {
                <div class="waiting" role="status" aria-live="polite">
                    <span class="spinner" aria-hidden="true"></span>
                    <p>{ "Finish signing in in your browser" }</p>
                </div>
                // Cancel comes before the sign-in link, which arrives a moment later: it must not
                // move under a pointer on its way to it.
                <button id="cancel-login" class="button secondary" onclick={on_cancel}
                    ref={cancel_ref}>
                    { "Cancel" }
                </button>
                if let Some(waiting) = state.waiting.clone() {
                    <SignInLink waiting={waiting} />
                }
            } else {
                <button id="login-button" class="button primary" onclick={on_login}
                    disabled={state.needs_setup()}>
                    { "Log in" }
                </button>
            }
            <ErrorLine error={state.shown_error()} />
            if state.needs_setup() {
                <SetupHelp />
            }
        </section>
    }
}

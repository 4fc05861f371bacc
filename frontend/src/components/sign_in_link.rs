use gatehouse_yew::SignInWaiting;
use wasm_bindgen_futures::JsFuture;
use yew::platform::spawn_local;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct SignInLinkProps {
    pub waiting: SignInWaiting,
    /// Opens the page in the system browser again.
    pub open_again: Callback<()>,
}

/// What the last press of "Copy" did.
#[derive(Clone, Copy, PartialEq)]
enum Copied {
    Not,
    Yes,
    Failed,
}

/// The page the browser was asked to open, so that the sign-in can be finished in any
/// browser: the link itself (a click opens the system browser again), "Copy" beside it, and
/// "Open the browser again".
#[function_component(SignInLink)]
pub fn sign_in_link(props: &SignInLinkProps) -> Html {
    let copied = use_state(|| Copied::Not);
    let url = props.waiting.url.clone();

    // A failure comes back as a new `sign-in-waiting` with the browser's error.
    let open_again = props.open_again.reform(|_: MouseEvent| ());
    let on_link = {
        let open_again = open_again.clone();
        Callback::from(move |event: MouseEvent| {
            // The webview never navigates to the provider (RFC 8252 §8.12): the system
            // browser does.
            event.prevent_default();
            open_again.emit(event);
        })
    };
    let on_copy = {
        let (copied, url) = (copied.clone(), url.clone());
        Callback::from(move |_: MouseEvent| {
            let (copied, url) = (copied.clone(), url.clone());
            spawn_local(async move {
                let done = copy_text(&url).await;
                copied.set(if done { Copied::Yes } else { Copied::Failed });
            })
        })
    };

    html! {
        <div class="signin-link">
            <p class="muted" id="signin-link-label">
                { "Browser did not open, or closed too soon? Use this link in any browser:" }
            </p>
            <div class="link-row">
                <a id="signin-link" href={url.clone()} aria-describedby="signin-link-label"
                    rel="noreferrer" onclick={on_link}>{ url }</a>
                <button id="copy-signin-link" class="button secondary small" onclick={on_copy}>
                    { if *copied == Copied::Yes { "Copied" } else { "Copy" } }
                </button>
            </div>
            <p class="muted small" role="status" aria-live="polite" id="copy-status">
                { match *copied {
                    Copied::Not => "",
                    Copied::Yes => "The link is on the clipboard.",
                    Copied::Failed => "Could not copy: select the link and copy it.",
                } }
            </p>
            <button id="open-browser-again" class="button secondary" onclick={open_again}>
                { "Open the browser again" }
            </button>
        </div>
    }
}

/// Puts `text` on the clipboard; whether that worked.
async fn copy_text(text: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let promise = window.navigator().clipboard().write_text(text);
    JsFuture::from(promise).await.is_ok()
}

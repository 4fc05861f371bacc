//! Gatehouse's UI: two routes, `/login` and `/home`, guarded by the session state, talking to
//! the backend only through [`ipc`]. No token ever reaches this side.

mod components;
pub mod decode;
mod hooks;
pub mod ipc;
mod pages;
pub mod route;
pub mod state;

#[cfg(all(test, not(target_arch = "wasm32")))]
mod ssr_tests;

use yew::prelude::*;

use crate::hooks::use_session_sync;
use crate::route::Routes;
use crate::state::AppState;

/// The app at a path of the caller's choosing (the window's address, or any in tests), with
/// the state it is given.
#[derive(Properties, PartialEq)]
pub struct ShellProps {
    pub state: UseReducerHandle<AppState>,
    pub path: AttrValue,
}

/// The routes, under the shared state. Renders the same in the browser and in SSR tests.
#[function_component(Shell)]
pub fn shell(props: &ShellProps) -> Html {
    html! {
        <ContextProvider<UseReducerHandle<AppState>> context={props.state.clone()}>
            <main class="app">
                <Routes path={props.path.clone()} />
            </main>
        </ContextProvider<UseReducerHandle<AppState>>>
    }
}

/// The app as the window runs it: at the window's address, state synced with the backend.
#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(|| AppState::at_start(ipc::known_signed_out_at_start()));
    use_session_sync(state.clone());
    let path = web_sys::window()
        .and_then(|window| window.location().pathname().ok())
        .unwrap_or_default();
    html! { <Shell state={state} path={path} /> }
}

/// The wasm entry point.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    yew::Renderer::<App>::new().render();
}

//! Gatehouse's UI: the routes `/login` and `/home` on yew-router, each behind a guard of
//! `gatehouse-yew`, which talks to the plugin. No token ever reaches this side.

mod components;
mod hooks;
mod pages;
pub mod route;
pub mod start;

#[cfg(all(test, not(target_arch = "wasm32")))]
mod ssr_tests;

use gatehouse_yew::GatehouseProvider;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::route::{switch, Route};

/// The app as the window runs it: the session from the plugin, the routes at the window's
/// address.
#[function_component(App)]
pub fn app() -> Html {
    html! {
        <GatehouseProvider>
            <BrowserRouter>
                <main class="app">
                    <Switch<Route> render={switch} />
                </main>
            </BrowserRouter>
        </GatehouseProvider>
    }
}

/// The wasm entry point. The two marks (`wasm-start`, `rendered`) time the page's part of a
/// start for the desktop benchmark; the bare app sets the same.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    let performance = web_sys::window().and_then(|w| w.performance());
    let mark = |name| performance.as_ref().map(|p| p.mark(name));
    mark("wasm-start");
    yew::Renderer::<App>::new().render();
    mark("rendered");
}

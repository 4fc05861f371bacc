//! The bare app's page: what any Yew app on the product card's packages has, and nothing of
//! Gatehouse's. Two routes on yew-router, and the one command's reply decoded with serde.

use serde::Deserialize;
use wasm_bindgen::prelude::*;
use yew::platform::spawn_local;
use yew::prelude::*;
use yew_router::prelude::*;

#[derive(Clone, Copy, PartialEq, Routable)]
enum Route {
    #[at("/")]
    Home,
    #[not_found]
    #[at("/404")]
    NotFound,
}

/// The `noop` command's reply.
#[derive(Clone, PartialEq, Deserialize)]
struct Pong {
    ok: bool,
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["window", "__TAURI__", "core"], js_name = invoke, catch)]
    async fn invoke(cmd: &str) -> Result<JsValue, JsValue>;
}

#[function_component(Home)]
fn home() -> Html {
    let pong = use_state(|| None::<bool>);
    {
        let pong = pong.clone();
        use_effect_with((), move |_| {
            spawn_local(async move {
                let reply = invoke("noop").await.ok();
                let decoded = reply.and_then(|r| serde_wasm_bindgen::from_value::<Pong>(r).ok());
                pong.set(decoded.map(|p| p.ok));
            });
        });
    }
    html! {
        <>
            <h1 id="ready">{ "Bare" }</h1>
            <p id="pong">{ match *pong { Some(true) => "ok", Some(false) => "no", None => "…" } }</p>
        </>
    }
}

fn switch(route: Route) -> Html {
    match route {
        Route::Home => html! { <Home /> },
        Route::NotFound => html! { <Redirect<Route> to={Route::Home} /> },
    }
}

#[function_component(App)]
pub fn app() -> Html {
    html! {
        <BrowserRouter>
            <main><Switch<Route> render={switch} /></main>
        </BrowserRouter>
    }
}

/// The wasm entry point, with the marks the desktop benchmark reads (as Gatehouse's UI).
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen(start)]
pub fn start() {
    let performance = web_sys::window().and_then(|w| w.performance());
    let mark = |name| performance.as_ref().map(|p| p.mark(name));
    mark("wasm-start");
    yew::Renderer::<App>::new().render();
    mark("rendered");
}

//! The bare app's one page.

use yew::prelude::*;

#[function_component(App)]
pub fn app() -> Html {
    html! { <main><h1 id="ready">{ "Bare" }</h1></main> }
}

/// The wasm entry point.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    yew::Renderer::<App>::new().render();
}

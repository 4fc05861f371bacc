use yew::prelude::*;

/// Shown for the moment it takes to open the stored session.
#[function_component(Loading)]
pub fn loading() -> Html {
    html! {
        <section class="card" aria-busy="true">
            <p class="muted">{ "Opening your session…" }</p>
        </section>
    }
}

use gatehouse_yew::fetch::fetch;
use gatehouse_yew::{CommandError, FetchRequest, FetchResponse};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ApiProbeProps {
    /// The probe's URL, under one of the configured APIs.
    pub url: AttrValue,
}

/// The answer of a `GET` to the configured API's probe, called through the plugin's `fetch`
/// (the backend adds the API's token; the page never holds it): its status, then its body as
/// text.
#[function_component(ApiProbe)]
pub fn api_probe(props: &ApiProbeProps) -> Html {
    let answer = use_state(|| None::<Result<FetchResponse, CommandError>>);
    {
        let answer = answer.clone();
        use_effect_with(props.url.clone(), move |url| {
            let request = FetchRequest::get(url.to_string());
            wasm_bindgen_futures::spawn_local(async move {
                answer.set(Some(fetch(&request).await));
            });
        });
    }
    html! {
        <section class="api" aria-labelledby="api-title">
            <h2 id="api-title">{ "Your API" }</h2>
            <p class="muted api-url">{ props.url.clone() }</p>
            <p id="api-probe" class="api-probe" role="status">
                { match &*answer {
                    None => html! { <span class="muted">{ "Calling…" }</span> },
                    Some(Ok(response)) => html! {
                        <>
                            <span class="api-status">{ response.status }</span>
                            { " " }
                            <code class="api-body">{ response.body.clone() }</code>
                        </>
                    },
                    Some(Err(error)) => html! { <span class="error">{ error.message.clone() }</span> },
                } }
            </p>
        </section>
    }
}

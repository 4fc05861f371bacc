use yew::prelude::*;

/// What to set when Gatehouse has no configuration.
#[function_component(SetupHelp)]
pub fn setup_help() -> Html {
    html! {
        <div class="setup">
            <h2>{ "Set up Gatehouse" }</h2>
            <p>{ "Set these environment variables, then start Gatehouse again:" }</p>
            <dl>
                <dt><code>{ "GATEHOUSE_ISSUER" }</code></dt>
                <dd>{ "Your provider's issuer URL, for example https://tenant.eu.auth0.com/ (or AUTH0_DOMAIN)" }</dd>
                <dt><code>{ "GATEHOUSE_CLIENT_ID" }</code></dt>
                <dd>{ "The client id of a native application (or AUTH0_CLIENT_ID)" }</dd>
            </dl>
            <p class="muted">{ "They can also go in config.json in Gatehouse's configuration folder." }</p>
        </div>
    }
}

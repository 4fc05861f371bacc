use gatehouse_yew::CommandError;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ErrorLineProps {
    pub error: Option<CommandError>,
}

/// The error of the last action, as a sentence; `auth-error` for tests and screen readers.
#[function_component(ErrorLine)]
pub fn error_line(props: &ErrorLineProps) -> Html {
    match &props.error {
        Some(error) => html! {
            <p id="auth-error" class="error" role="alert" data-kind={error.kind.as_str()}>
                { &error.message }
            </p>
        },
        None => Html::default(),
    }
}

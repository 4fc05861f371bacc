//! Route guards for yew-router, a pair: [`RequireSignedIn`] shows its children only to a
//! signed-in person and sends everyone else to the app's sign-in route; [`RequireSignedOut`]
//! keeps the sign-in route for those who are not signed in and sends the others on. And the
//! conditional components [`SignedIn`] and [`SignedOut`], which show their children only in
//! that state.
//!
//! A guard decides from [`crate::use_signed_in`]: the plugin's `logged_in`, asked when the
//! first guard guards a route, then the plugin's word with each change of session. A page the
//! session does not allow is never drawn: the guard draws its `fallback` while the answer is
//! not known, and nothing on its way elsewhere. The address is replaced, not pushed, so that
//! there is no way back to a page the session has left.

use yew::prelude::*;
use yew_router::prelude::*;

use crate::hooks::use_signed_in;

/// The properties of a route guard: [`RequireSignedIn`] and [`RequireSignedOut`].
#[derive(Properties, PartialEq)]
pub struct RequireProps<R: Routable> {
    /// Where to send a person the guard does not let through.
    pub redirect: R,
    /// Drawn while the stored session is being opened.
    #[prop_or_default]
    pub fallback: Html,
    /// The page for the person the guard lets through.
    #[prop_or_default]
    pub children: Html,
}

/// Shows its children only to a signed-in person; sends everyone else to `redirect`.
///
/// ```
/// use gatehouse_yew::{RequireSignedIn, RequireSignedOut};
/// use yew::prelude::*;
/// use yew_router::prelude::*;
///
/// #[derive(Clone, Routable, PartialEq)]
/// enum Route {
///     #[at("/login")]
///     Login,
///     #[at("/home")]
///     Home,
/// }
///
/// fn switch(route: Route) -> Html {
///     match route {
///         Route::Home => html! {
///             <RequireSignedIn<Route> redirect={Route::Login}>
///                 <h1>{ "Home" }</h1>
///             </RequireSignedIn<Route>>
///         },
///         Route::Login => html! {
///             <RequireSignedOut<Route> redirect={Route::Home}>
///                 <h1>{ "Log in" }</h1>
///             </RequireSignedOut<Route>>
///         },
///     }
/// }
/// ```
#[function_component(RequireSignedIn)]
pub fn require_signed_in<R: Routable + 'static>(props: &RequireProps<R>) -> Html {
    use_guard(true, &props.redirect, &props.fallback, &props.children)
}

/// Shows its children only to a person who is not signed in (the sign-in route); sends a
/// signed-in person to `redirect`.
#[function_component(RequireSignedOut)]
pub fn require_signed_out<R: Routable + 'static>(props: &RequireProps<R>) -> Html {
    use_guard(false, &props.redirect, &props.fallback, &props.children)
}

/// The children when the person is as `wanted`; otherwise nothing, on the way to `elsewhere`.
#[hook]
fn use_guard<R: Routable + 'static>(
    wanted: bool,
    elsewhere: &R,
    fallback: &Html,
    children: &Html,
) -> Html {
    let signed_in = use_signed_in();
    let navigator = use_navigator();
    let leave = signed_in.is_some_and(|signed_in| signed_in != wanted);
    {
        let elsewhere = elsewhere.clone();
        use_effect_with(leave, move |&leave| {
            if let (true, Some(navigator)) = (leave, navigator) {
                navigator.replace(&elsewhere);
            }
        });
    }
    match signed_in {
        None => fallback.clone(),
        Some(_) if leave => Html::default(),
        Some(_) => children.clone(),
    }
}

/// The properties of [`SignedIn`] and [`SignedOut`].
#[derive(Properties, PartialEq)]
pub struct ShownProps {
    /// Shown in the component's state only.
    #[prop_or_default]
    pub children: Html,
}

/// Shows its children only while the person is signed in; nothing otherwise, nor while the
/// stored session is being opened.
///
/// ```
/// use gatehouse_yew::{SignedIn, SignedOut};
/// use yew::prelude::*;
///
/// #[function_component(Header)]
/// fn header() -> Html {
///     html! {
///         <header>
///             <SignedIn><a href="/home">{ "Home" }</a></SignedIn>
///             <SignedOut><a href="/login">{ "Log in" }</a></SignedOut>
///         </header>
///     }
/// }
/// ```
#[function_component(SignedIn)]
pub fn signed_in(props: &ShownProps) -> Html {
    shown_when(use_signed_in() == Some(true), &props.children)
}

/// Shows its children only while the person is not signed in; nothing otherwise, nor while the
/// stored session is being opened.
#[function_component(SignedOut)]
pub fn signed_out(props: &ShownProps) -> Html {
    shown_when(use_signed_in() == Some(false), &props.children)
}

fn shown_when(shown: bool, children: &Html) -> Html {
    if shown {
        children.clone()
    } else {
        Html::default()
    }
}

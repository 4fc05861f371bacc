//! Route guards for yew-router, as the seed's `requireAuth` guards its routes with
//! `loggedIn()`: [`RequireSignIn`] shows its children only to a signed-in person and sends
//! everyone else to the app's login route; its twin [`RequireSignedOut`] keeps the login route
//! for those who are not signed in and sends the others home.
//!
//! A guard decides from [`crate::use_signed_in`], the plugin's `logged_in` for the session it
//! announced. A page the session does not allow is never drawn: the guard draws its
//! `fallback` while the answer is not known, and nothing on its way elsewhere. The address is
//! replaced, not pushed, so that there is no way back to a page the session has left.

use yew::prelude::*;
use yew_router::prelude::*;

use crate::hooks::use_signed_in;

/// [`RequireSignIn`]'s properties.
#[derive(Properties, PartialEq)]
pub struct RequireSignInProps<R: Routable> {
    /// Where to send a person who is not signed in.
    pub login: R,
    /// Drawn while the stored session is being opened.
    #[prop_or_default]
    pub fallback: Html,
    /// The page for the person the guard lets through.
    #[prop_or_default]
    pub children: Html,
}

/// Shows its children only to a signed-in person; sends everyone else to `login`.
///
/// ```
/// use gatehouse_yew::RequireSignIn;
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
///             <RequireSignIn<Route> login={Route::Login}>
///                 <h1>{ "Home" }</h1>
///             </RequireSignIn<Route>>
///         },
///         Route::Login => html! { <h1>{ "Log in" }</h1> },
///     }
/// }
/// ```
#[function_component(RequireSignIn)]
pub fn require_sign_in<R: Routable + 'static>(props: &RequireSignInProps<R>) -> Html {
    use_guard(true, &props.login, &props.fallback, &props.children)
}

/// [`RequireSignedOut`]'s properties.
#[derive(Properties, PartialEq)]
pub struct RequireSignedOutProps<R: Routable> {
    /// Where to send a person who is signed in.
    pub home: R,
    /// Drawn while the stored session is being opened.
    #[prop_or_default]
    pub fallback: Html,
    /// The page for the person the guard lets through.
    #[prop_or_default]
    pub children: Html,
}

/// Shows its children only to a person who is not signed in (the login route); sends a
/// signed-in person to `home`.
#[function_component(RequireSignedOut)]
pub fn require_signed_out<R: Routable + 'static>(props: &RequireSignedOutProps<R>) -> Html {
    use_guard(false, &props.home, &props.fallback, &props.children)
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

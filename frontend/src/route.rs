//! The routes and their guard: `/home` only when signed in, `/login` only when not.
//!
//! The page drawn is decided by the guard from the session, never by the address alone, so a
//! page the session does not allow is never drawn, not even for a frame. The window's address
//! then follows the page, replaced rather than pushed: there is no way back to a page the
//! session has left.

use yew::prelude::*;

use crate::pages::{Home, Loading, Login};
use crate::state::{AppState, Phase};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Login,
    Home,
    /// `/` and every path the app does not know.
    Root,
}

impl Route {
    pub fn recognize(path: &str) -> Self {
        match path {
            "/login" => Self::Login,
            "/home" => Self::Home,
            _ => Self::Root,
        }
    }

    pub fn path(self) -> &'static str {
        match self {
            Self::Login => "/login",
            Self::Home => "/home",
            Self::Root => "/",
        }
    }
}

/// What a route shows in a given phase: its page, or the route it must send the person to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guarded {
    Show(Route),
    Redirect(Route),
    Wait,
}

/// The guard, as a plain function so that it can be tested without a DOM.
pub fn guard(route: Route, phase: &Phase) -> Guarded {
    match (route, phase) {
        (_, Phase::Loading) => Guarded::Wait,
        (Route::Home, Phase::SignedIn(_)) => Guarded::Show(Route::Home),
        (Route::Login, Phase::SignedOut | Phase::SigningIn) => Guarded::Show(Route::Login),
        (_, Phase::SignedIn(_)) => Guarded::Redirect(Route::Home),
        (_, Phase::SignedOut | Phase::SigningIn) => Guarded::Redirect(Route::Login),
    }
}

#[derive(Properties, PartialEq)]
pub struct RoutesProps {
    /// The path the app starts at.
    pub path: AttrValue,
}

/// The page the guard allows, under the shared state; the window's address follows it.
#[function_component(Routes)]
pub fn routes(props: &RoutesProps) -> Html {
    let state = use_context::<UseReducerHandle<AppState>>().expect("the app state is provided");
    let route = use_state_eq(|| Route::recognize(&props.path));
    let page = match guard(*route, &state.phase) {
        Guarded::Wait => None,
        Guarded::Show(page) | Guarded::Redirect(page) => Some(page),
    };
    use_effect_with(page, move |page| {
        if let Some(page) = *page {
            if page != *route {
                route.set(page);
                show_address(page);
            }
        }
    });
    match page {
        None => html! { <Loading /> },
        Some(Route::Home) => html! { <Home /> },
        Some(_) => html! { <Login /> },
    }
}

/// Replaces the window's address with `route`'s path. Only ever run in the window: effects do
/// not run when pages are rendered to HTML.
fn show_address(route: Route) {
    let history = web_sys::window().and_then(|window| window.history().ok());
    if let Some(history) = history {
        let _ =
            history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(route.path()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gatehouse_contract::{SessionView, StorageStatus};

    fn signed_in() -> Phase {
        Phase::SignedIn(SessionView {
            display_name: "Ada".into(),
            email: None,
            picture: None,
            expires_at: 0,
            can_renew: false,
            storage: StorageStatus::Persisted,
        })
    }

    #[test]
    fn home_is_only_for_the_signed_in() {
        assert_eq!(guard(Route::Home, &signed_in()), Guarded::Show(Route::Home));
        assert_eq!(
            guard(Route::Home, &Phase::SignedOut),
            Guarded::Redirect(Route::Login)
        );
        assert_eq!(
            guard(Route::Home, &Phase::SigningIn),
            Guarded::Redirect(Route::Login)
        );
    }

    #[test]
    fn login_is_only_for_the_signed_out() {
        assert_eq!(
            guard(Route::Login, &Phase::SignedOut),
            Guarded::Show(Route::Login)
        );
        assert_eq!(
            guard(Route::Login, &Phase::SigningIn),
            Guarded::Show(Route::Login)
        );
        assert_eq!(
            guard(Route::Login, &signed_in()),
            Guarded::Redirect(Route::Home)
        );
    }

    #[test]
    fn root_and_unknown_paths_go_where_the_session_says() {
        assert_eq!(
            guard(Route::Root, &signed_in()),
            Guarded::Redirect(Route::Home)
        );
        assert_eq!(
            guard(Route::Root, &Phase::SignedOut),
            Guarded::Redirect(Route::Login)
        );
        assert_eq!(Route::recognize("/nowhere"), Route::Root);
        assert_eq!(Route::recognize("/"), Route::Root);
    }

    #[test]
    fn each_route_is_recognised_at_its_own_path() {
        for route in [Route::Login, Route::Home, Route::Root] {
            assert_eq!(Route::recognize(route.path()), route);
        }
    }

    #[test]
    fn nothing_is_decided_while_loading() {
        for route in [Route::Login, Route::Home, Route::Root] {
            assert_eq!(guard(route, &Phase::Loading), Guarded::Wait);
        }
    }
}

//! The routes and their guards: `/home` only when signed in, `/login` only when not.

use yew::prelude::*;
use yew_router::prelude::*;

use crate::pages::{Home, Loading, Login};
use crate::state::{AppState, Phase};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Routable)]
pub enum Route {
    #[at("/login")]
    Login,
    #[at("/home")]
    Home,
    #[not_found]
    #[at("/")]
    Root,
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

pub fn switch(route: Route) -> Html {
    html! { <Guard {route} /> }
}

#[derive(Properties, PartialEq)]
struct GuardProps {
    route: Route,
}

#[function_component(Guard)]
fn guard_view(props: &GuardProps) -> Html {
    let state = use_context::<UseReducerHandle<AppState>>().expect("the app state is provided");
    match guard(props.route, &state.phase) {
        Guarded::Wait => html! { <Loading /> },
        Guarded::Show(Route::Home) => html! { <Home /> },
        Guarded::Show(_) => html! { <Login /> },
        Guarded::Redirect(to) => html! { <Redirect<Route> {to} /> },
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
        assert_eq!(Route::recognize("/nowhere"), Some(Route::Root));
    }

    #[test]
    fn nothing_is_decided_while_loading() {
        for route in [Route::Login, Route::Home, Route::Root] {
            assert_eq!(guard(route, &Phase::Loading), Guarded::Wait);
        }
    }
}

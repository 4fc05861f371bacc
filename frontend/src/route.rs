//! The routes: `/home` only for a signed-in person, `/login` only for the others, and every
//! other address to whichever of the two the session allows.

use gatehouse_yew::{RequireSignedIn, RequireSignedOut};
use yew::prelude::*;
use yew_router::prelude::*;

use crate::pages::{Home, Loading, Login};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Routable)]
pub enum Route {
    #[at("/login")]
    Login,
    #[at("/home")]
    Home,
    #[at("/")]
    Root,
    #[not_found]
    #[at("/404")]
    NotFound,
}

pub fn switch(route: Route) -> Html {
    match route {
        Route::Home => html! {
            <RequireSignedIn<Route> redirect={Route::Login} fallback={html! { <Loading /> }}>
                <Home />
            </RequireSignedIn<Route>>
        },
        // `/login`, `/` (where the window opens) and any address the app does not know: the
        // login route's page, whose guard sends a signed-in person home, and the address made
        // `/login`. The same tree at each address, so that the move to `/login` redraws
        // nothing (a click on the page is never lost to a redraw).
        Route::Login | Route::Root | Route::NotFound => html! {
            <RequireSignedOut<Route> redirect={Route::Home} fallback={html! { <Loading /> }}>
                <Login />
                <AddressIs route={Route::Login} />
            </RequireSignedOut<Route>>
        },
    }
}

#[derive(Properties, PartialEq)]
struct AddressIsProps {
    route: Route,
}

/// Replaces the window's address with `route`'s when it shows another.
#[function_component(AddressIs)]
fn address_is(props: &AddressIsProps) -> Html {
    let location = use_location();
    let navigator = use_navigator();
    let shown = location.map(|l| l.path().to_owned());
    use_effect_with((props.route, shown), move |(route, shown)| {
        if let (Some(navigator), Some(shown)) = (navigator, shown) {
            if *shown != route.to_path() {
                navigator.replace(route);
            }
        }
    });
    Html::default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_route_is_recognised_at_its_own_path() {
        for route in [Route::Login, Route::Home, Route::Root] {
            assert_eq!(Route::recognize(&route.to_path()), Some(route));
        }
        assert_eq!(Route::recognize("/nowhere"), Some(Route::NotFound));
    }
}

//! `<GatehouseProvider>`: the session for every component under it, kept in step with the
//! plugin.

use std::cell::RefCell;
use std::rc::Rc;

use yew::platform::spawn_local;
use yew::prelude::*;

use crate::commands;
use crate::ipc::Listening;
use crate::state::{Action, SessionStatus, SessionStore};

/// The session as the components under a [`GatehouseProvider`] share it; read it with
/// [`crate::use_session`] and [`crate::use_signed_in`].
#[derive(Clone, PartialEq)]
pub struct SessionContext(pub(crate) UseReducerHandle<SessionStore>);

/// [`GatehouseProvider`]'s properties.
#[derive(Properties, PartialEq)]
pub struct GatehouseProviderProps {
    /// The app, or the part of it that uses the session.
    #[prop_or_default]
    pub children: Html,
    /// The status to start at instead of asking the plugin: for server-side rendering and
    /// tests. The provider still follows the plugin's events when it runs in a window.
    #[prop_or_default]
    pub initial: Option<SessionStatus>,
}

/// Gives the components under it the session: asks the plugin for it once (the plugin's start
/// script, when the app adds it, may answer before any IPC), then follows every
/// `gatehouse://session-changed` and `gatehouse://sign-in-waiting` event, and asks
/// `logged_in` again after each change, for the route guards.
///
/// ```
/// use gatehouse_yew::GatehouseProvider;
/// use yew::prelude::*;
///
/// #[function_component(App)]
/// fn app() -> Html {
///     html! {
///         <GatehouseProvider>
///             <p>{ "The app's routes go here." }</p>
///         </GatehouseProvider>
///     }
/// }
/// ```
#[function_component(GatehouseProvider)]
pub fn gatehouse_provider(props: &GatehouseProviderProps) -> Html {
    let initial = props.initial.clone();
    let given = initial.is_some();
    let store = use_reducer(move || match initial {
        Some(status) => SessionStore::with_status(status),
        None => SessionStore::at_start(commands::known_signed_out_at_start()),
    });

    {
        let dispatcher = store.dispatcher();
        use_effect_with((), move |_| {
            let listening: Rc<RefCell<Vec<Listening>>> = Rc::default();
            if !given {
                spawn_local(follow(dispatcher, listening.clone()));
            }
            // Unmounted: stop listening.
            move || drop(listening.take())
        });
    }
    {
        let dispatcher = store.dispatcher();
        let asks = store.asks_logged_in() && !given;
        use_effect_with(store.revision, move |&revision| {
            if asks {
                spawn_local(async move {
                    // `logged_in` never fails for want of a session; any error means no.
                    let answer = commands::logged_in().await.unwrap_or(false);
                    dispatcher.dispatch(Action::LoggedIn { answer, revision });
                });
            }
        });
    }

    html! {
        <ContextProvider<SessionContext> context={SessionContext(store)}>
            { props.children.clone() }
        </ContextProvider<SessionContext>>
    }
}

/// Listens to both events, then asks for the session: an event that comes first is newer
/// than the answer, and the store keeps it.
async fn follow(
    dispatcher: UseReducerDispatcher<SessionStore>,
    listening: Rc<RefCell<Vec<Listening>>>,
) {
    let changes = dispatcher.clone();
    let waits = dispatcher.clone();
    let (changed, waiting) = futures::join!(
        commands::on_session_changed(move |state| changes.dispatch(Action::Changed(state))),
        commands::on_sign_in_waiting(move |page| waits.dispatch(Action::Waiting(page))),
    );
    match (changed, waiting) {
        (Ok(changed), Ok(waiting)) => listening.borrow_mut().extend([changed, waiting]),
        (Err(e), _) | (_, Err(e)) => return dispatcher.dispatch(Action::Failed(e)),
    }
    dispatcher.dispatch(Action::Loaded(commands::session().await));
}

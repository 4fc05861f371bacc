//! `<GatehouseProvider>`: the session for every component under it, kept in step with the
//! plugin.

use std::cell::RefCell;
use std::rc::Rc;

use yew::platform::spawn_local;
use yew::prelude::*;

use crate::commands;
use crate::ipc::Listening;
use gatehouse_contract::SessionState;

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

/// Gives the components under it the session: asks the plugin for it (and `logged_in`, for the
/// route guards' first decision) once the window has painted its first screen (the plugin's
/// start script, when the app adds it, may answer before any IPC), then follows every
/// `gatehouse://session-changed` and `gatehouse://sign-in-waiting` event: each event's session
/// is the whole truth, so nothing is asked again.
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
        None => SessionStore::at_start(commands::start_hint().is_some_and(|hint| hint.signed_out)),
    });

    {
        let dispatcher = store.dispatcher();
        let ask_logged_in = store.asks_logged_in();
        use_effect_with((), move |_| {
            let listening = Listeners(Rc::new(RefCell::new(Some(Vec::new()))));
            if !given {
                spawn_local(follow(dispatcher, listening.clone(), ask_logged_in));
            }
            // Unmounted: stop listening.
            move || listening.close()
        });
    }

    html! {
        <ContextProvider<SessionContext> context={SessionContext(store)}>
            { props.children.clone() }
        </ContextProvider<SessionContext>>
    }
}

/// The listeners of one provider, kept until it is unmounted; one that comes in later is
/// dropped at once.
#[derive(Clone)]
struct Listeners(Rc<RefCell<Option<Vec<Listening>>>>);

impl Listeners {
    /// Keeps `listening` while the provider is mounted; unmounted meanwhile, it is dropped
    /// here, and stops.
    fn keep(&self, listening: Listening) {
        if let Some(kept) = self.0.borrow_mut().as_mut() {
            kept.push(listening);
        }
    }

    fn close(&self) {
        self.0.replace(None);
    }
}

/// Once the window has painted the page's first screen: listens to both events, then asks for
/// the session (and, when there may be one, `logged_in`). An event that comes before the
/// answer is newer than it, and the store keeps it.
///
/// Nothing is asked before that paint: the first IPC calls of a page share its main thread
/// with the first paint, which they would hold up.
async fn follow(
    dispatcher: UseReducerDispatcher<SessionStore>,
    listening: Listeners,
    ask_logged_in: bool,
) {
    after_first_paint().await;
    let changes = dispatcher.clone();
    let waits = dispatcher.clone();
    let (changed, waiting) = futures::join!(
        commands::on_session_changed(move |state| changes.dispatch(Action::Changed(state))),
        commands::on_sign_in_waiting(move |page| waits.dispatch(Action::Waiting(page))),
    );
    match (changed, waiting) {
        (Ok(changed), Ok(waiting)) => {
            listening.keep(changed);
            listening.keep(waiting);
        }
        (Err(e), _) | (_, Err(e)) => return dispatcher.dispatch(Action::Failed(e)),
    }
    if ask_logged_in {
        let (session, answer) = futures::join!(commands::session(), logged_in());
        dispatcher.dispatch(Action::LoggedIn(answer));
        dispatcher.dispatch(Action::Loaded(session));
    } else {
        // The start hint said signed out; should the answer say otherwise (a reload), the
        // guards still hear `logged_in` before they let anyone in.
        let session = commands::session().await;
        let signed_in = matches!(session, Ok(SessionState::SignedIn { .. }));
        dispatcher.dispatch(Action::Loaded(session));
        if signed_in {
            dispatcher.dispatch(Action::LoggedIn(logged_in().await));
        }
    }
}

/// `logged_in`, which never fails for want of a session: any error means no.
async fn logged_in() -> bool {
    commands::logged_in().await.unwrap_or(false)
}

/// Resolves once the window has painted the frame it is preparing: a timeout queued from the
/// next animation frame runs after that frame's paint. A window that draws no frames (hidden)
/// goes on after 100 ms.
async fn after_first_paint() {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;

    let Some(window) = web_sys::window() else {
        return;
    };
    let (done, painted) = futures::channel::oneshot::channel::<()>();
    let done = Rc::new(RefCell::new(Some(done)));
    let finish = move || {
        if let Some(done) = done.borrow_mut().take() {
            let _ = done.send(());
        }
    };
    let after_frame = {
        let finish = finish.clone();
        Closure::once_into_js(move || {
            let tick = Closure::once_into_js(finish);
            if let Some(window) = web_sys::window() {
                let _ = window.set_timeout_with_callback(tick.unchecked_ref());
            }
        })
    };
    let fallback = Closure::once_into_js(finish);
    let _ = window.request_animation_frame(after_frame.unchecked_ref());
    let _ =
        window.set_timeout_with_callback_and_timeout_and_arguments_0(fallback.unchecked_ref(), 100);
    let _ = painted.await;
}

//! The hooks: [`use_session`] for pages, [`use_signed_in`] for routing decisions.

use yew::platform::spawn_local;
use yew::prelude::*;

use crate::commands;
use crate::provider::SessionContext;
use crate::state::{Access, Action, SessionStatus};

/// The session and what can be done with it, from [`use_session`]. Its callbacks are the same
/// from one render to the next, so that props holding them stay equal.
#[derive(Clone, PartialEq)]
pub struct UseSession {
    /// Where the session stands.
    pub status: SessionStatus,
    /// A sign-out is under way.
    pub signing_out: bool,
    /// Starts a sign-in in the system browser. The status moves to `SigningIn`, then to
    /// `SignedIn` when the plugin announces the session, or back to `SignedOut` with the reason.
    pub sign_in: Callback<()>,
    /// Ends the sign-in in progress; the status goes back to `SignedOut` with no reason.
    pub cancel: Callback<()>,
    /// Opens the waiting sign-in's page in the browser again.
    pub open_browser_again: Callback<()>,
    /// Signs out.
    pub sign_out: Callback<()>,
}

/// The session, and `sign_in`, `cancel`, `open_browser_again` and `sign_out`. Needs a
/// [`crate::GatehouseProvider`] above it.
///
/// ```
/// use gatehouse_yew::{use_session, SessionStatus};
/// use yew::prelude::*;
///
/// #[function_component(Greeting)]
/// fn greeting() -> Html {
///     let session = use_session();
///     match &session.status {
///         SessionStatus::SignedIn(view) => html! {
///             <>
///                 <p>{ format!("Welcome, {}!", view.display_name) }</p>
///                 <button onclick={session.sign_out.reform(|_| ())}>{ "Log out" }</button>
///             </>
///         },
///         _ => html! {
///             <button onclick={session.sign_in.reform(|_| ())}>{ "Log in" }</button>
///         },
///     }
/// }
/// ```
#[hook]
pub fn use_session() -> UseSession {
    let SessionContext(store) = use_context::<SessionContext>()
        .expect("use_session() needs a <GatehouseProvider> above it");
    // The dispatcher is the same for the provider's whole life: the callbacks made from it are
    // made once.
    let sign_in = use_callback(store.dispatcher(), |(), dispatcher| {
        dispatcher.dispatch(Action::SignInStarted);
        let dispatcher = dispatcher.clone();
        spawn_local(async move {
            dispatcher.dispatch(Action::SignInFinished(commands::login().await));
        });
    });
    let sign_out = use_callback(store.dispatcher(), |(), dispatcher| {
        dispatcher.dispatch(Action::SignOutStarted);
        let dispatcher = dispatcher.clone();
        spawn_local(async move {
            dispatcher.dispatch(Action::SignOutFinished(commands::logout().await));
        });
    });
    // The pending `login` answers `cancelled`, which moves the status.
    let cancel = use_callback((), |(), ()| {
        spawn_local(async {
            let _ = commands::cancel_login().await;
        })
    });
    // A browser that does not come up is told with a new `sign-in-waiting` event.
    let open_browser_again = use_callback((), |(), ()| {
        spawn_local(async {
            let _ = commands::open_browser_again().await;
        })
    });
    UseSession {
        status: store.status.clone(),
        signing_out: store.signing_out,
        sign_in,
        cancel,
        open_browser_again,
        sign_out,
    }
}

/// Whether the person is signed in, as the route guards decide it: `Some(true)` once the
/// plugin's `logged_in` (asked at start) or its event said so for the session it announced,
/// `Some(false)` as soon as there is no session, `None` while the stored session is being
/// opened. Needs a
/// [`crate::GatehouseProvider`] above it.
#[hook]
pub fn use_signed_in() -> Option<bool> {
    let SessionContext(store) = use_context::<SessionContext>()
        .expect("use_signed_in() needs a <GatehouseProvider> above it");
    match store.access() {
        Access::Wait => None,
        Access::SignedIn => Some(true),
        Access::SignedOut => Some(false),
    }
}

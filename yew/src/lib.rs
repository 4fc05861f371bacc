//! The UI side of `tauri-plugin-gatehouse` for a Yew app: what a page needs to sign a person
//! in through the system browser, know whether they are, and sign them out. No token ever
//! reaches this side: the plugin keeps them in Rust and the page sees a
//! [`gatehouse_contract::SessionView`].
//!
//! - [`GatehouseProvider`]: the session for every component under it, kept in step with the
//!   plugin's events.
//! - [`use_session`]: the [`SessionStatus`] (loading; signed out, with the reason; signing in,
//!   with the link; signed in, with the view; failed) and `sign_in`, `sign_out`, `cancel`,
//!   `open_browser_again`, the same callbacks at every render.
//! - [`RequireSignedIn`] and [`RequireSignedOut`]: route guards for yew-router;
//!   [`SignedIn`] and [`SignedOut`]: parts of a page shown in that state only.
//! - [`ipc::invoke`] and [`ipc::listen`]: typed IPC over serde, for the app's own commands
//!   too; [`commands`], the plugin's own, typed.
//! - [`fetch`]: calls of the app's configured APIs through the backend, which adds their
//!   tokens (the page never holds one), typed with serde.
//!
//! The window needs Tauri's JavaScript API as `window.__TAURI__` (`"withGlobalTauri": true`
//! in `tauri.conf.json`) and the plugin's permissions (`"gatehouse:default"` and
//! `"core:event:default"` in a capability; `"gatehouse:allow-fetch"` for [`fetch`]).
//!
//! ```
//! use gatehouse_yew::{GatehouseProvider, RequireSignedIn, RequireSignedOut};
//! use yew::prelude::*;
//! use yew_router::prelude::*;
//!
//! #[derive(Clone, Routable, PartialEq)]
//! enum Route {
//!     #[at("/login")]
//!     Login,
//!     #[at("/home")]
//!     Home,
//! }
//!
//! fn switch(route: Route) -> Html {
//!     match route {
//!         Route::Login => html! {
//!             <RequireSignedOut<Route> redirect={Route::Home}><p>{ "Log in" }</p></RequireSignedOut<Route>>
//!         },
//!         Route::Home => html! {
//!             <RequireSignedIn<Route> redirect={Route::Login}><p>{ "Home" }</p></RequireSignedIn<Route>>
//!         },
//!     }
//! }
//!
//! #[function_component(App)]
//! fn app() -> Html {
//!     html! {
//!         <GatehouseProvider>
//!             <BrowserRouter><Switch<Route> render={switch} /></BrowserRouter>
//!         </GatehouseProvider>
//!     }
//! }
//! ```

#![warn(missing_docs)]

pub mod commands;
pub mod fetch;
mod guard;
mod hooks;
pub mod ipc;
mod provider;
mod state;

pub use gatehouse_contract::{
    CommandError, ErrorKind, FetchRequest, FetchResponse, SessionState, SessionView, SignInWaiting,
    StartHint, StorageStatus,
};
pub use guard::{RequireProps, RequireSignedIn, RequireSignedOut, ShownProps, SignedIn, SignedOut};
pub use hooks::{use_session, use_signed_in, UseSession};
pub use provider::{GatehouseProvider, GatehouseProviderProps, SessionContext};
pub use state::SessionStatus;

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

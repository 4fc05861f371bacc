//! The core of `tauri-plugin-gatehouse`: OpenID Connect sign-in for a native app, ID token
//! validation, the session and its encrypted vault. Plain Rust; nothing here knows about Tauri.
//!
//! The pieces, bottom up:
//! - [`oidc`]: the protocol. Discovery, the authorization request with PKCE, the loopback
//!   callback, token endpoint calls, JWKS key selection, and pure ID token validation, each
//!   with its own error type.
//! - [`vault`]: the session record sealed with an AEAD under a key in the OS keyring.
//! - [`config`]: what to talk to: the [`config::Settings`] an app gives, checked into a
//!   [`config::Config`].
//! - [`session`]: [`session::Auth`], the session and the flows that change it (sign-in,
//!   renewal, sign-out), which tells the UI what changed.
//! - [`api`]: the page's calls of the app's APIs, sent with each API's own token.
//! - [`Error`]: the sentences a person reads, made once from the protocol's errors.
//!
//! Test doubles (`clock::ManualClock`, `vault::MemoryKeyStore`) need the `test-util`
//! feature.

pub mod access_token;
pub mod api;
mod browser;
pub mod clock;
pub mod config;
mod error;
pub mod oidc;
pub mod secret;
pub mod session;
pub mod vault;

pub use browser::BrowserError;
pub use error::{Error, Result};

/// Locks a std mutex; a poisoned one still holds consistent data here (every critical section
/// is a plain assignment or read), so poison is not an error.
pub(crate) fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

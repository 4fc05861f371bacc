//! Gatehouse's core: OpenID Connect sign-in for a native app, ID token validation, the
//! session and its encrypted vault. Plain Rust; nothing here knows about Tauri.
//!
//! The pieces, bottom up:
//! - [`config`]: what to talk to, from environment, file and defaults (DESIGN §6).
//! - [`oidc`]: discovery, PKCE, the loopback callback, token endpoint calls, ID token rules.
//! - [`vault`]: the session record sealed with an AEAD under a key in the OS keyring.
//! - [`session`]: the state machine that ties them together and tells the UI what changed.

pub mod browser;
pub mod clock;
pub mod config;
mod error;
pub mod oidc;
pub mod secret;
pub mod session;
pub mod vault;

pub use error::{Error, Result};

mod use_now;
mod use_session_sync;

pub use use_now::use_now;
pub use use_session_sync::use_session_sync;

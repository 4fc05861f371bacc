mod api_probe;
mod countdown;
mod error_line;
mod setup_help;
mod sign_in_link;

pub use api_probe::ApiProbe;
pub use countdown::Countdown;
pub use error_line::ErrorLine;
pub use setup_help::SetupHelp;
pub use sign_in_link::SignInLink;

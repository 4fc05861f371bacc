mod countdown;
mod error_line;
mod setup_help;

pub use countdown::Countdown;
pub use error_line::ErrorLine;
pub use setup_help::SetupHelp;

mod home;
mod loading;
mod login;

pub use home::Home;
pub use loading::Loading;
pub use login::Login;

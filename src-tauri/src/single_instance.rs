//! One instance at a time on Linux, over the session bus with libdbus, which the window layer
//! (tao) already links: one D-Bus stack in the binary instead of two. The first instance owns
//! a well-known name; a second one asks it to come forward and exits.

use std::sync::mpsc;
use std::time::Duration;

use dbus::blocking::Connection;
use dbus::channel::{MatchingReceiver, Sender};
use dbus::message::MatchRule;
use dbus::Message;

const PATH: &str = "/dev/gatehouse/SingleInstance";
const INTERFACE: &str = "dev.gatehouse.SingleInstance";
const ACTIVATE: &str = "Activate";

/// What this launch is.
pub enum Instance {
    /// The first: each `()` on the receiver is a later launch asking it to come forward.
    First(mpsc::Receiver<()>),
    /// Another instance runs and was asked to come forward: this one exits.
    Second,
}

/// The bus name of the app with `identifier` (`dev.gatehouse.desktop` → itself, suffixed).
fn bus_name(identifier: &str) -> String {
    format!("{identifier}.SingleInstance")
}

/// Claims the app's name on the session bus. Without a session bus (or when the bus refuses)
/// the app launches normally: one instance cannot be guaranteed, and is not pretended.
pub fn claim(identifier: &str) -> Instance {
    let (tx, rx) = mpsc::channel();
    let name = bus_name(identifier);
    let connection = match Connection::new_session() {
        Ok(connection) => connection,
        Err(e) => {
            tracing::warn!(error = %e, "no session bus: cannot keep to one instance");
            return Instance::First(rx);
        }
    };
    match connection.request_name(name.as_str(), false, false, true) {
        Ok(dbus::blocking::stdintf::org_freedesktop_dbus::RequestNameReply::PrimaryOwner) => {}
        Ok(_) => {
            let proxy = connection.with_proxy(name.as_str(), PATH, Duration::from_secs(5));
            return match proxy.method_call::<(), _, _, _>(INTERFACE, ACTIVATE, ()) {
                Ok(()) => Instance::Second,
                Err(e) => {
                    // The owner does not answer (hung, or going away): launch after all.
                    tracing::warn!(error = %e, "the running instance did not answer");
                    Instance::First(rx)
                }
            };
        }
        Err(e) => {
            tracing::warn!(error = %e, "cannot claim the single-instance name");
            return Instance::First(rx);
        }
    }
    let rule = MatchRule::new_method_call()
        .with_path(PATH)
        .with_interface(INTERFACE);
    connection.start_receive(
        rule,
        Box::new(move |call: Message, connection: &Connection| {
            if call.member().as_deref() == Some(ACTIVATE) {
                let _ = tx.send(());
                let _ = connection.send(call.method_return());
            }
            true
        }),
    );
    let serve = std::thread::Builder::new()
        .name("single-instance".into())
        .spawn(move || loop {
            if let Err(e) = connection.process(Duration::from_secs(3600)) {
                tracing::warn!(error = %e, "the single-instance listener stopped");
                return;
            }
        });
    if let Err(e) = serve {
        tracing::warn!(error = %e, "cannot listen for other launches");
    }
    Instance::First(rx)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bus_name_is_the_identifier_suffixed() {
        let name = bus_name("dev.gatehouse.desktop");
        assert_eq!(name, "dev.gatehouse.desktop.SingleInstance");
        assert!(dbus::strings::BusName::new(name).is_ok());
    }
}

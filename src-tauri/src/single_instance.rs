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
            // Hand over only to Gatehouse itself: any process of this user can take a name.
            if let Err(owner) = owned_by_this_program(&connection, &name) {
                tracing::warn!(
                    %owner,
                    "the single-instance name is held by another program; starting anyway"
                );
                return Instance::First(rx);
            }
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

/// Whether `name`'s owner on the bus runs this very program (its process from the bus, the
/// executable from `/proc`); `Err` says what it is instead.
fn owned_by_this_program(connection: &Connection, name: &str) -> Result<(), String> {
    let bus = connection.with_proxy(
        "org.freedesktop.DBus",
        "/org/freedesktop/DBus",
        Duration::from_secs(5),
    );
    let (owner,): (String,) = bus
        .method_call("org.freedesktop.DBus", "GetNameOwner", (name,))
        .map_err(|e| format!("an owner the bus does not name ({e})"))?;
    let (pid,): (u32,) = bus
        .method_call(
            "org.freedesktop.DBus",
            "GetConnectionUnixProcessID",
            (owner.as_str(),),
        )
        .map_err(|e| format!("an owner whose process the bus does not give ({e})"))?;
    let theirs = std::fs::read_link(format!("/proc/{pid}/exe"))
        .map_err(|e| format!("process {pid}, whose program cannot be read ({e})"))?;
    let ours = std::env::current_exe().map_err(|e| format!("this program is unknown ({e})"))?;
    if same_program(&theirs, &ours) {
        Ok(())
    } else {
        Err(format!("process {pid}, {}", theirs.display()))
    }
}

/// Whether the executable `/proc` shows for a process is `ours`: the same path, also when an
/// upgrade replaced the file since it started (`… (deleted)`).
fn same_program(theirs: &std::path::Path, ours: &std::path::Path) -> bool {
    let theirs = theirs.to_string_lossy();
    let theirs = theirs.strip_suffix(" (deleted)").unwrap_or(&theirs);
    let ours = std::fs::canonicalize(ours).unwrap_or_else(|_| ours.to_owned());
    std::path::Path::new(theirs) == ours
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

    #[test]
    fn the_same_program_is_its_path_even_after_an_upgrade_replaced_it() {
        let ours = std::env::current_exe().unwrap();
        let ours = std::fs::canonicalize(ours).unwrap();
        assert!(same_program(&ours, &ours));
        let replaced = std::path::PathBuf::from(format!("{} (deleted)", ours.display()));
        assert!(same_program(&replaced, &ours));
        assert!(!same_program(
            std::path::Path::new("/usr/bin/python3"),
            &ours
        ));
    }
}

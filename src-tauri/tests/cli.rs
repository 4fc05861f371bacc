//! The installed binary's `--version` and `--help`: printed, exit 0, and no window. Run with no
//! display and no session bus, where starting the app would fail.

use std::process::Command;

fn gatehouse(arg: &str) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .arg(arg)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .output()
        .expect("the binary runs")
}

#[test]
fn version_prints_the_product_and_version_and_opens_no_window() {
    let out = gatehouse("--version");
    assert!(out.status.success(), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("Gatehouse {}\n", env!("CARGO_PKG_VERSION"))
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn help_lists_the_configuration_variables_and_opens_no_window() {
    let out = gatehouse("--help");
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    for name in [
        "GATEHOUSE_ISSUER",
        "GATEHOUSE_CLIENT_ID",
        "GATEHOUSE_REDIRECT_PORT",
    ] {
        assert!(text.contains(name), "{name} is missing:\n{text}");
    }
    assert!(text.contains("Usage: gatehouse"), "{text}");
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

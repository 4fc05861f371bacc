//! A private X display, so that window tests never touch a real one.

use std::io::Read;
use std::process::{Command, Stdio};

use crate::{require, ChildGuard};

pub struct Xvfb {
    pub display: String,
    _child: ChildGuard,
}

impl Xvfb {
    /// Starts `Xvfb` on the first free display number (it reports it through `-displayfd`).
    pub fn start() -> Self {
        let mut command = Command::new(require("Xvfb", "xvfb"));
        command
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                "1280x800x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut child = command
            .spawn()
            .expect("Xvfb is installed (scripts/setup.sh)");
        let mut stdout = child.stdout.take().expect("stdout is piped");
        let child = ChildGuard(child);
        let mut number = String::new();
        let mut byte = [0u8; 1];
        while stdout.read(&mut byte).map(|n| n == 1).unwrap_or(false) && byte[0] != b'\n' {
            number.push(byte[0] as char);
        }
        assert!(!number.trim().is_empty(), "Xvfb did not report a display");
        Self {
            display: format!(":{}", number.trim()),
            _child: child,
        }
    }
}

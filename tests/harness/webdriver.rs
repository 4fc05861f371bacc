//! Just enough W3C WebDriver to drive the real app window (tauri-driver and WebKitWebDriver)
//! and a real browser (chromedriver and Chromium): start a session, go, find, read, type,
//! click, screenshot, end the session.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::{json, Value};

use crate::{poll, require, ChildGuard};

/// The W3C element reference key.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// tauri-driver, in its own process group, ended (with WebKitWebDriver and the app) on drop.
pub struct Driver {
    url: String,
    _child: ChildGuard,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Waits for a WebDriver server at `url` to answer its status.
fn wait_ready(url: &str, what: &str) {
    let client = reqwest::blocking::Client::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    while client.get(format!("{url}/status")).send().is_err() {
        assert!(Instant::now() < deadline, "{what} did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The app's log (it reaches stderr through tauri-driver): shown with the test's output when
/// `GATEHOUSE_TEST_APP_LOG` is set, for example with `RUST_LOG=gatehouse_core=debug` to see the
/// sign-in's spans; dropped otherwise.
fn app_log() -> Stdio {
    if std::env::var_os("GATEHOUSE_TEST_APP_LOG").is_some() {
        Stdio::inherit()
    } else {
        Stdio::null()
    }
}

impl Driver {
    /// Starts tauri-driver with `env` added to what it passes on to the app.
    pub fn start(env: &[(&str, &str)]) -> Self {
        require("WebKitWebDriver", "webkit2gtk-driver");
        let (port, native_port) = (free_port(), free_port());
        let mut command = Command::new(tauri_driver());
        command
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .args(["--native-driver", "/usr/bin/WebKitWebDriver"])
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(app_log());
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let child = ChildGuard(
            command
                .spawn()
                .expect("tauri-driver is installed (scripts/setup.sh)"),
        );
        let url = format!("http://127.0.0.1:{port}");
        wait_ready(&url, "tauri-driver");
        Self { url, _child: child }
    }
}

/// chromedriver, in its own process group, ended (with every Chromium it started) on drop.
pub struct ChromeDriver {
    url: String,
    _child: ChildGuard,
}

impl ChromeDriver {
    pub fn start() -> Self {
        let program = require("chromedriver", "chromium-driver");
        require("chromium", "chromium");
        let port = free_port();
        let mut command = Command::new(program);
        command
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let child = ChildGuard(command.spawn().expect("chromedriver starts"));
        let url = format!("http://127.0.0.1:{port}");
        wait_ready(&url, "chromedriver");
        Self { url, _child: child }
    }
}

fn tauri_driver() -> String {
    let home = std::env::var("CARGO_HOME")
        .unwrap_or_else(|_| format!("{}/.cargo", std::env::var("HOME").unwrap_or_default()));
    let installed = format!("{home}/bin/tauri-driver");
    if Path::new(&installed).exists() {
        installed
    } else {
        require("tauri-driver", "cargo install tauri-driver")
            .to_string_lossy()
            .into_owned()
    }
}

/// A WebDriver session on the app; closed on drop so the next run can start one.
pub struct Session {
    base: String,
    client: reqwest::blocking::Client,
}

impl Session {
    /// Launches `application` and opens a session on its window.
    pub fn new(driver: &Driver, application: &Path) -> Self {
        assert!(
            application.exists(),
            "the app is not built: {}",
            application.display()
        );
        Self::open(
            &driver.url,
            json!({"tauri:options": {"application": application.to_string_lossy()}}),
        )
    }

    /// Starts headless Chromium with its profile in `profile`: a person's browser, on
    /// loopback only (its own background traffic switched off).
    pub fn chromium(driver: &ChromeDriver, profile: &Path) -> Self {
        let mut args = vec![
            "--headless=new".to_owned(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-default-apps".into(),
            "--disable-extensions".into(),
            "--window-size=1000,760".into(),
            format!("--user-data-dir={}", profile.display()),
        ];
        // Chromium's sandbox cannot run as root (a person's desktop is not root).
        #[cfg(unix)]
        if unsafe { libc::geteuid() } == 0 {
            args.push("--no-sandbox".into());
        }
        Self::open(
            &driver.url,
            json!({"browserName": "chrome", "goog:chromeOptions": {"args": args}}),
        )
    }

    fn open(driver_url: &str, capabilities: Value) -> Self {
        let client = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("an HTTP client");
        let body = json!({"capabilities": {"alwaysMatch": capabilities}});
        let reply: Value = client
            .post(format!("{driver_url}/session"))
            .json(&body)
            .send()
            .and_then(|r| r.json())
            .expect("the WebDriver server answers");
        let id = reply["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no WebDriver session: {reply}"))
            .to_owned();
        Self {
            base: format!("{driver_url}/session/{id}"),
            client,
        }
    }

    /// Goes to `url` and waits for the page to load.
    pub fn navigate(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({ "url": url })));
    }

    /// The page's full URL.
    pub fn url(&self) -> String {
        let url = self.call(reqwest::Method::GET, "/url", None);
        url.as_str().unwrap_or_default().to_owned()
    }

    /// Runs `script` in the page as an async function body; its result is what it passes to
    /// the callback, the last of its `arguments`.
    pub fn execute_async(&self, script: &str) -> Value {
        self.call(
            reqwest::Method::POST,
            "/execute/async",
            Some(json!({ "script": script, "args": [] })),
        )
    }

    /// Types `text` into `element`.
    pub fn type_into(&self, element: &str, text: &str) {
        self.call(
            reqwest::Method::POST,
            &format!("/element/{element}/value"),
            Some(json!({ "text": text })),
        );
    }

    fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self.client.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let reply: Value = request
            .send()
            .and_then(|r| r.json())
            .expect("the driver answers");
        reply["value"].clone()
    }

    /// The first element matching `css`, if any.
    pub fn find(&self, css: &str) -> Option<String> {
        let value = self.call(
            reqwest::Method::POST,
            "/element",
            Some(json!({"using": "css selector", "value": css})),
        );
        value[ELEMENT].as_str().map(str::to_owned)
    }

    /// Waits up to `timeout` for an element matching `css`, looking every 20 ms.
    pub fn wait_for(&self, css: &str, timeout: Duration) -> String {
        poll(timeout, || self.find(css)).unwrap_or_else(|| {
            let page = self.call(reqwest::Method::GET, "/source", None);
            panic!("no {css} after {timeout:?}; the page is:\n{page}");
        })
    }

    pub fn text(&self, element: &str) -> String {
        let value = self.call(
            reqwest::Method::GET,
            &format!("/element/{element}/text"),
            None,
        );
        value.as_str().unwrap_or_default().to_owned()
    }

    pub fn attribute(&self, element: &str, name: &str) -> Option<String> {
        let value = self.call(
            reqwest::Method::GET,
            &format!("/element/{element}/attribute/{name}"),
            None,
        );
        value.as_str().map(str::to_owned)
    }

    pub fn click(&self, element: &str) {
        self.call(
            reqwest::Method::POST,
            &format!("/element/{element}/click"),
            Some(json!({})),
        );
    }

    /// The page's URL path, e.g. `/login`.
    pub fn path(&self) -> String {
        let url = self.call(reqwest::Method::GET, "/url", None);
        let url = url.as_str().unwrap_or_default();
        url.splitn(4, '/')
            .nth(3)
            .map(|p| format!("/{p}"))
            .unwrap_or_default()
    }

    /// Waits up to `timeout` for the page's URL path to be `expected`, looking every 20 ms.
    ///
    /// The address can follow the page it names by a moment: the UI sets it in an effect after
    /// drawing the page (Yew may hand the main thread back to the browser in between), and
    /// the driver reads it from WebKit's UI process, which may hear of it after the page.
    pub fn wait_for_path(&self, expected: &str, timeout: Duration) {
        let mut path = String::new();
        let found = poll(timeout, || {
            path = self.path();
            (path == expected).then_some(())
        });
        assert!(
            found.is_some(),
            "the path is {path}, not {expected}, after {timeout:?}"
        );
    }

    /// Saves a PNG of the window.
    pub fn screenshot(&self, path: &Path) {
        let value = self.call(reqwest::Method::GET, "/screenshot", None);
        let png = STANDARD
            .decode(value.as_str().unwrap_or_default())
            .expect("a base64 PNG");
        std::fs::write(path, png).expect("the screenshot can be written");
    }
}

impl Session {
    /// Closes the window as a person would (WebDriver "Close Window"); the app, whose only
    /// window it is, then quits by itself.
    pub fn close_window(&self) {
        let _ = self.client.delete(format!("{}/window", self.base)).send();
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.client.delete(&self.base).send();
    }
}

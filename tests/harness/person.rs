//! The person at the browser: the app hands the pages it opens to them (the `GATEHOUSE_BROWSER`
//! command writes each URL to a file), and they go through the provider's real pages in real
//! Chromium, over WebDriver: type a name and password into the login form, confirm consent or
//! refuse it, and let the redirect reach the app.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::webdriver::{ChromeDriver, Session};
use crate::{poll, TempDir};

/// The provider's login form (oidc-provider's own pages).
const LOGIN_FORM: &str = "input[name=login]";
/// Its consent form.
const CONSENT_FORM: &str = "input[name=prompt][value=consent]";
/// The app's page at the end of the redirect.
const CALLBACK_PAGE: &str = "main h1";

pub struct Person {
    browser: Session,
    _driver: ChromeDriver,
    _profile: TempDir,
    /// Holds the browser command and the pages handed to it.
    _home: TempDir,
    handoff: PathBuf,
    command: PathBuf,
    /// How many pages the app has handed over so far.
    taken: usize,
}

/// When the person confirmed the sign-in at the provider: the redirect to the app follows.
pub struct Confirmed {
    pub at: Instant,
}

impl Person {
    /// A person with a browser of their own (a fresh profile), and the command the app is to
    /// use as its browser. Starts chromedriver and Chromium.
    pub fn start() -> Self {
        let home = TempDir::new("person");
        let driver = ChromeDriver::start();
        let profile = TempDir::new("chromium-profile");
        let browser = Session::chromium(&driver, profile.path());
        let handoff = home.path().join("pages-opened");
        let command = home.path().join("hand-to-person");
        std::fs::write(
            &command,
            format!(
                "#!/bin/sh\n# The URL is the last argument.\nfor url; do :; done\nprintf '%s\\n' \"$url\" >> '{}'\n",
                handoff.display()
            ),
        )
        .expect("the browser command can be written");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&command, std::fs::Permissions::from_mode(0o755))
                .expect("the browser command can be made executable");
        }
        Self {
            browser,
            _driver: driver,
            _profile: profile,
            _home: home,
            handoff,
            command,
            taken: 0,
        }
    }

    /// The command the app opens pages with (`GATEHOUSE_BROWSER`).
    pub fn browser_command(&self) -> &Path {
        &self.command
    }

    fn pages(&self) -> Vec<String> {
        std::fs::read_to_string(&self.handoff)
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// The next page the app asks the browser to open.
    pub fn next_page(&mut self, timeout: Duration) -> String {
        let page = poll(timeout, || self.pages().get(self.taken).cloned())
            .unwrap_or_else(|| panic!("the app did not open a page within {timeout:?}"));
        self.taken += 1;
        page
    }

    /// How many pages the app has asked to open, in all.
    pub fn pages_opened(&self) -> usize {
        self.pages().len()
    }

    /// Opens `url`, signs in as `name` on the provider's login form (which must ask), confirms
    /// consent when asked, and waits for the app's page at the end of the redirect.
    pub fn sign_in(&self, url: &str, name: &str) -> Confirmed {
        self.log_in(url, name);
        let confirmed = match self.wait_either(CONSENT_FORM, CALLBACK_PAGE) {
            Which::First => {
                let at = Instant::now();
                self.browser.click(
                    &self
                        .browser
                        .wait_for("button[type=submit]", Duration::from_secs(5)),
                );
                Confirmed { at }
            }
            // No consent to give (granted before): the redirect already happened.
            Which::Second => Confirmed { at: Instant::now() },
        };
        let heading = self
            .browser
            .wait_for(CALLBACK_PAGE, Duration::from_secs(20));
        assert_eq!(self.browser.text(&heading), "Signed in");
        confirmed
    }

    /// Opens `url`, logs in as `name`, then refuses consent ("Cancel" at the provider), and
    /// waits for the app's page at the end of the redirect.
    pub fn refuse(&self, url: &str, name: &str) {
        self.log_in(url, name);
        self.browser.wait_for(CONSENT_FORM, Duration::from_secs(20));
        let cancel = self
            .browser
            .wait_for("a[href*='/abort']", Duration::from_secs(5));
        self.browser.click(&cancel);
        let heading = self
            .browser
            .wait_for(CALLBACK_PAGE, Duration::from_secs(20));
        assert_eq!(self.browser.text(&heading), "Sign-in failed");
    }

    /// Opens `url` and logs in as `name` on the provider's login form, which must be shown.
    fn log_in(&self, url: &str, name: &str) {
        self.browser.navigate(url);
        let login = self.browser.wait_for(LOGIN_FORM, Duration::from_secs(20));
        self.browser.type_into(&login, name);
        if let Some(password) = self.browser.find("input[name=password]") {
            self.browser.type_into(&password, "any password");
        }
        let submit = self
            .browser
            .wait_for("button[type=submit]", Duration::from_secs(5));
        self.browser.click(&submit);
    }

    fn wait_either(&self, first: &str, second: &str) -> Which {
        poll(Duration::from_secs(20), || {
            if self.browser.find(first).is_some() {
                Some(Which::First)
            } else if self.browser.find(second).is_some() {
                Some(Which::Second)
            } else {
                None
            }
        })
        .unwrap_or_else(|| panic!("neither {first} nor {second} at {}", self.browser.url()))
    }

    /// A PNG of the browser's page.
    pub fn screenshot(&self, path: &Path) {
        self.browser.screenshot(path);
    }
}

enum Which {
    First,
    Second,
}

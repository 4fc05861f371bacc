//! The local identity provider (npm oidc-provider on 127.0.0.1, port 0), one per test.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use serde::Deserialize;

use crate::{repo_root, require, ChildGuard, TempDir};

/// A running provider; stopped on drop.
pub struct Idp {
    /// The issuer an app configures: the provider's own, or for Entra ID's profile the common
    /// authority (`…/common/v2.0`), whose discovery names a template.
    pub issuer: String,
    /// The issuer its tokens name (`iss`).
    pub token_issuer: String,
    pub client_id: String,
    /// The client secret of a profile whose desktop clients have one.
    pub client_secret: Option<String>,
    /// The Entra ID profile's tenant (`tid`).
    pub tenant: Option<String>,
    /// `http://127.0.0.1:PORT`.
    pub origin: String,
    /// The endpoints its discovery document names.
    pub metadata: serde_json::Value,
    _child: ChildGuard,
    /// The provider's output after its first line, kept so that a provider that stopped
    /// answering says why.
    output: TempDir,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Ready {
    issuer: String,
    client_id: String,
    discovery: String,
    tenant: Option<String>,
}

/// A provider the local one can play (`idp/profiles.mjs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    Google,
    Entra,
    Okta,
    Keycloak,
    Cognito,
    Auth0,
}

impl Profile {
    pub const ALL: [Profile; 6] = [
        Self::Google,
        Self::Entra,
        Self::Okta,
        Self::Keycloak,
        Self::Cognito,
        Self::Auth0,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Google => "google",
            Self::Entra => "entra",
            Self::Okta => "okta",
            Self::Keycloak => "keycloak",
            Self::Cognito => "cognito",
            Self::Auth0 => "auth0",
        }
    }

    /// Whether it registers one redirect URI, port included (Okta, Cognito, Auth0): the app
    /// must then set its port.
    pub fn exact_redirect(self) -> bool {
        matches!(self, Self::Okta | Self::Cognito | Self::Auth0)
    }
}

/// How the provider should behave.
#[derive(Debug, Clone)]
pub struct IdpOptions {
    pub auto_login: bool,
    pub id_token_ttl_secs: u64,
    /// With `auto_login`: refuse the sign-in (`access_denied`) instead of granting it.
    pub deny: bool,
    /// The loopback port; 0: any free one.
    pub port: u16,
    /// The APIs it issues access tokens for (RFC 8707 resource indicators), each with the
    /// scopes `read` and `write`: JWTs for that audience, signed with its key.
    pub resources: Vec<String>,
    /// How long the APIs' access tokens live, in seconds; `None`: as long as ID tokens.
    pub resource_token_ttl_secs: Option<u64>,
    /// DPoP (RFC 9449) on, with its nonces required.
    pub dpop: bool,
    /// The provider it plays; `None`: oidc-provider's stock settings.
    pub profile: Option<Profile>,
    /// The one redirect port a profile that matches redirect URIs exactly has registered.
    pub redirect_port: Option<u16>,
}

impl Default for IdpOptions {
    fn default() -> Self {
        Self {
            auto_login: true,
            id_token_ttl_secs: 3600,
            deny: false,
            port: 0,
            resources: Vec::new(),
            resource_token_ttl_secs: None,
            dpop: false,
            profile: None,
            redirect_port: None,
        }
    }
}

/// What the provider saw, from its `/_gatehouse/stats`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Stats {
    pub authorization_code: u32,
    pub refresh_token: u32,
    /// Revocations of any token the provider answered with 200.
    pub revocations: u32,
    /// Revocation requests by `token_type_hint`, whatever the answer (oidc-provider refuses a
    /// JWT access token as `unsupported_token_type`: it keeps no record of one).
    pub refresh_token_revocations_asked: u32,
    pub access_token_revocations_asked: u32,
    pub refresh_errors: u32,
    pub pushed_requests: u32,
    /// Authorization requests that asked for credentials (`prompt=login`).
    pub login_prompts: u32,
    /// Authorization requests by their `prompt` value.
    pub prompts: std::collections::BTreeMap<String, u32>,
    /// Visits of the provider's logout page.
    pub logouts: u32,
}

impl Idp {
    pub fn start(options: IdpOptions) -> Self {
        let root = repo_root();
        let output = TempDir::new("idp");
        let mut command = Command::new(require("node", "nodejs"));
        command
            .current_dir(&root)
            .arg(root.join("idp/server.mjs"))
            .args([
                "--port",
                &options.port.to_string(),
                "--id-token-ttl",
                &options.id_token_ttl_secs.to_string(),
            ])
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(output.path().join("stderr")).expect("a log file"));
        if options.auto_login {
            command.arg("--auto-login");
        }
        if options.deny {
            command.arg("--deny");
        }
        if options.dpop {
            command.arg("--dpop");
        }
        for resource in &options.resources {
            command.args(["--resource", resource]);
        }
        if let Some(ttl) = options.resource_token_ttl_secs {
            command.args(["--resource-token-ttl", &ttl.to_string()]);
        }
        if let Some(profile) = options.profile {
            command.args(["--profile", profile.name()]);
        }
        if let Some(port) = options.redirect_port {
            command.args(["--redirect-port", &port.to_string()]);
        }
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut child = command
            .spawn()
            .expect("node runs the identity provider (npm ci done?)");
        let stdout = child.stdout.take().expect("stdout is piped");
        let child = ChildGuard(child);
        let mut line = String::new();
        let mut stdout = BufReader::new(stdout);
        stdout
            .read_line(&mut line)
            .expect("the provider prints its address");
        // The provider goes on printing notices (oidc-provider's `attention.info`, such as
        // the one its default logout page prints); a closed pipe would make its next line an
        // EPIPE that stops the process, so the rest of its output is kept beside stderr.
        let mut rest = std::fs::File::create(output.path().join("stdout")).expect("a log file");
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut rest));
        assert!(
            !line.is_empty(),
            "the provider exited at start: is `npm ci` done, and port {} free?",
            options.port
        );
        let ready: Ready = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("the provider did not start ({e}): {line:?}"));
        let metadata: serde_json::Value =
            off_runtime(|| reqwest::blocking::get(&ready.discovery).and_then(|r| r.json()))
                .expect("the provider's discovery document");
        let issuer = ready
            .discovery
            .strip_suffix("/.well-known/openid-configuration")
            .expect("a discovery URL")
            .to_owned();
        // Auth0's issuer ends with a slash, and the app configures it so.
        let issuer = if ready.issuer.ends_with('/') && !issuer.ends_with('/') {
            format!("{issuer}/")
        } else {
            issuer
        };
        let url = reqwest::Url::parse(&ready.issuer).expect("an issuer URL");
        Self {
            origin: url.origin().ascii_serialization(),
            issuer,
            token_issuer: ready.issuer,
            client_id: ready.client_id,
            client_secret: (options.profile == Some(Profile::Google))
                .then(|| "local-desktop-secret".to_owned()),
            tenant: ready.tenant,
            metadata,
            _child: child,
            output,
        }
    }

    /// An endpoint its discovery document names.
    pub fn endpoint(&self, name: &str) -> String {
        self.metadata[name]
            .as_str()
            .unwrap_or_else(|| panic!("the provider lists no {name}"))
            .to_owned()
    }

    /// What the provider has printed so far, after its first line: stdout, then stderr.
    pub fn output(&self) -> String {
        ["stdout", "stderr"]
            .map(|name| std::fs::read_to_string(self.output.path().join(name)).unwrap_or_default())
            .concat()
    }

    pub fn token_endpoint(&self) -> String {
        self.endpoint("token_endpoint")
    }

    pub fn stats(&self) -> Stats {
        let url = format!("{}/_gatehouse/stats", self.origin);
        off_runtime(|| reqwest::blocking::get(url).and_then(|r| r.json())).unwrap_or_else(|e| {
            panic!(
                "the provider answers its stats: {e}\nits output:\n{}",
                self.output()
            )
        })
    }

    /// The status of a `GET` of the userinfo endpoint with `access_token` as a bearer token:
    /// 200 while the provider takes it, 401 once it is revoked or expired.
    pub fn userinfo_status(&self, access_token: &str) -> u16 {
        let url = self.endpoint("userinfo_endpoint");
        off_runtime(|| {
            reqwest::blocking::Client::new()
                .get(url)
                .bearer_auth(access_token)
                .send()
                .expect("the userinfo endpoint answers")
                .status()
                .as_u16()
        })
    }

    /// Tries a refresh grant with `refresh_token`, as an attacker holding it would; returns
    /// the HTTP status and the `error` field.
    pub fn try_refresh(&self, refresh_token: &str) -> (u16, Option<String>) {
        off_runtime(|| self.refresh_blocking(refresh_token))
    }

    fn refresh_blocking(&self, refresh_token: &str) -> (u16, Option<String>) {
        let response = reqwest::blocking::Client::new()
            .post(self.token_endpoint())
            .form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
                ("client_id", &self.client_id),
            ])
            .send()
            .expect("the token endpoint answers");
        let status = response.status().as_u16();
        let body: serde_json::Value = response.json().unwrap_or_default();
        (status, body["error"].as_str().map(str::to_owned))
    }
}

/// Runs blocking HTTP on a thread of its own, so that async tests may call it too (reqwest's
/// blocking client refuses to run inside a tokio runtime).
fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|scope| {
        scope
            .spawn(f)
            .join()
            .expect("the request thread does not panic")
    })
}

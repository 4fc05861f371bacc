//! The whole journey through the core against each provider the app has a preset for, played
//! by the local provider (`idp/profiles.mjs`): sign in with the preset's settings, call an API,
//! renew twice, restart, renew again, sign out, and sign in again. Each provider's departures
//! from the specs are met by the preset, never by loosening a rule: PKCE, state, nonce, the
//! signature and the issuer are checked as everywhere else.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{auth, config_with, recording_browser, vault};
use gatehouse_contract::FetchRequest;
use gatehouse_core::clock::SystemClock;
use gatehouse_core::config::{ApiSettings, Provider};
use gatehouse_core::secret::Secret;
use gatehouse_core::vault::Opened;
use gatehouse_tests::idp::{Idp, IdpOptions, Profile};
use gatehouse_tests::resource::ResourceServer;
use gatehouse_tests::TempDir;

const ORDERS: &str = "https://orders.gatehouse.test/";

/// What a provider is expected to do in the journey, from its published behaviour.
struct Expected {
    preset: Provider,
    /// The API's resource, as the provider names APIs (its scopes' prefix, or its audience),
    /// and its scopes as the app asks for them; none where the provider has no APIs of the
    /// app's (Google's access tokens are for Google's APIs).
    api: Option<(&'static str, &'static [&'static str])>,
    /// Whether the refresh token is revoked at sign-out (RFC 7009): none for Entra ID.
    revokes: bool,
    /// Whether signing out opens the provider's logout page: none for Google; Okta's needs
    /// the ID token in its URL, which the app never puts there.
    logout_page: bool,
    /// The `prompt` of the sign-in after a sign-out.
    prompt_after_logout: &'static str,
    /// Pushed authorization requests (RFC 9126) and DPoP-bound tokens (RFC 9449).
    par_and_dpop: bool,
    /// A new refresh token on each refresh (the old ones kept valid, or not).
    rotates: bool,
}

fn expected(profile: Profile) -> Expected {
    let base = Expected {
        preset: Provider::Auth0,
        api: Some((ORDERS, &["read"])),
        revokes: true,
        logout_page: true,
        prompt_after_logout: "login",
        par_and_dpop: false,
        rotates: false,
    };
    match profile {
        Profile::Google => Expected {
            preset: Provider::Google,
            api: None,
            logout_page: false,
            prompt_after_logout: "select_account",
            ..base
        },
        Profile::Entra => Expected {
            preset: Provider::Entra,
            api: Some(("api://gatehouse-orders", &["api://gatehouse-orders/read"])),
            revokes: false,
            rotates: true,
            ..base
        },
        Profile::Okta => Expected {
            preset: Provider::Okta,
            api: Some(("api://default", &["read"])),
            logout_page: false,
            par_and_dpop: true,
            ..base
        },
        Profile::Keycloak => Expected {
            preset: Provider::Keycloak,
            par_and_dpop: true,
            rotates: true,
            ..base
        },
        Profile::Cognito => Expected {
            preset: Provider::Cognito,
            api: Some((ORDERS, &["https://orders.gatehouse.test/read"])),
            ..base
        },
        // Auth0 rotates the refresh tokens of apps that turn rotation on (oidc-provider's
        // default for public clients here).
        Profile::Auth0 => Expected {
            rotates: true,
            ..base
        },
    }
}

/// A loopback port nobody listens on now, for a provider that registers one redirect URI,
/// port included.
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// Waits until the provider has seen `n` visits of its logout page (the browser opens it
/// after the revocation, on a thread of its own).
async fn logouts(idp: &Idp, n: u32) -> u32 {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let seen = idp.stats().logouts;
        if seen >= n || Instant::now() > deadline {
            return seen;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn journey(profile: Profile) {
    let expected = expected(profile);
    let redirect_port = profile.exact_redirect().then(free_port);
    let idp = Idp::start(IdpOptions {
        profile: Some(profile),
        resources: expected.api.iter().map(|(r, _)| (*r).to_owned()).collect(),
        redirect_port,
        ..IdpOptions::default()
    });
    let orders = expected
        .api
        .map(|(resource, _)| ResourceServer::start(&idp, resource));
    let home = TempDir::new(profile.name());
    let log = home.path().join("argv.log");
    let browser = recording_browser(&home, &log);
    let apis = expected
        .api
        .zip(orders.as_ref())
        .map(|((resource, scopes), orders)| {
            vec![ApiSettings {
                url: format!("{}/v1", orders.origin),
                resource: resource.into(),
                scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
                ..ApiSettings::default()
            }]
        });
    let config = config_with(&idp, "", 60, |s| {
        // The preset's scopes, and each setting the provider's guide says to give.
        s.scopes = None;
        s.provider = Some(expected.preset);
        s.client_secret = idp.client_secret.clone().map(Secret::new);
        s.redirect_port = redirect_port;
        s.apis = apis;
        s.end_session = Some(true);
        s.login_timeout_secs = Some(60);
        s.browser = browser;
        if profile == Profile::Cognito {
            // Cognito's /logout, on the pool's domain, with an allowed sign-out URL.
            let page = format!("{}/signed-out", idp.origin);
            let mut logout = reqwest::Url::parse(&idp.endpoint("token_endpoint")).unwrap();
            logout.set_path("/logout");
            logout.query_pairs_mut().append_pair("logout_uri", &page);
            s.end_session_endpoint = Some(logout.to_string());
        }
    });

    // Sign in.
    let (first, _events) = auth(&home, &config, Arc::new(SystemClock));
    let signed_in = first.login().await.expect("sign-in");
    assert_eq!(signed_in.display_name, "Ada Lovelace");
    assert_eq!(
        signed_in.tenant, idp.tenant,
        "the session records the tenant"
    );
    assert!(signed_in.can_renew, "a refresh token came");

    // An API's token, sent to the API, as the provider names APIs.
    let me = orders
        .as_ref()
        .map(|orders| FetchRequest::get(format!("{}/v1/me", orders.origin)));
    if let Some(me) = &me {
        let answer = first.fetch(me.clone()).await.expect("the API answers");
        assert_eq!(answer.status, 200, "{}", answer.body);
    }

    let stored = || match vault(&home, &config).open() {
        Opened::Session(record) => record,
        other => panic!("a stored session: {other:?}"),
    };
    let signed_in_record = stored();
    assert_eq!(
        (
            signed_in_record.dpop_key.is_some(),
            idp.stats().pushed_requests > 0
        ),
        (expected.par_and_dpop, expected.par_and_dpop),
        "DPoP and PAR where the provider offers them"
    );

    // Renewed twice: the second with whatever refresh token the first left (the same one
    // where the provider does not rotate, the new one where it does).
    let mut refresh_tokens = vec![signed_in_record.refresh_token.expect("a refresh token")];
    for _ in 0..2 {
        let renewed = first.renew().await.expect("renewal");
        assert_eq!(
            renewed.display_name, "Ada Lovelace",
            "the name the sign-in gave stays"
        );
        refresh_tokens.push(stored().refresh_token.expect("a refresh token"));
    }
    let rotated = refresh_tokens.windows(2).all(|pair| pair[0] != pair[1]);
    let kept = refresh_tokens.windows(2).all(|pair| pair[0] == pair[1]);
    assert!(
        if expected.rotates { rotated } else { kept },
        "rotation: {}",
        expected.rotates
    );
    assert_eq!(idp.stats().refresh_errors, 0);

    // Restart: the sealed session opens, and renews.
    drop(first);
    let (second, _events) = auth(&home, &config, Arc::new(SystemClock));
    second.open().await;
    let restored = second
        .session()
        .session()
        .cloned()
        .expect("signed in after a restart");
    assert_eq!(restored.display_name, "Ada Lovelace");
    assert_eq!(restored.tenant, idp.tenant);
    second.renew().await.expect("renewal after a restart");
    if let Some(me) = me {
        let answer = second.fetch(me).await.expect("the API answers");
        assert_eq!(answer.status, 200, "{}", answer.body);
    }
    assert_eq!(idp.stats().refresh_errors, 0);

    // Sign out: the refresh token revoked where the provider can, its logout page opened
    // where it has one the app may open.
    let refresh_token = stored().refresh_token.expect("a refresh token");
    second.logout().await.expect("sign-out");
    assert!(!second.logged_in());
    let stats = idp.stats();
    assert_eq!(
        stats.refresh_token_revocations_asked,
        u32::from(expected.revokes),
        "revocation"
    );
    let (status, _) = idp.try_refresh(refresh_token.secret());
    if expected.revokes {
        assert_ne!(status, 200, "the revoked refresh token is refused");
    } else {
        // Entra ID has no revocation: the refresh token lives on at the provider until it
        // expires, as its guide says.
        assert_eq!(status, 200, "an unrevoked refresh token still works");
    }
    let want = u32::from(expected.logout_page);
    assert_eq!(logouts(&idp, want).await, want, "the logout page");

    // Signing in again asks for credentials the provider's way.
    second.login().await.expect("a second sign-in");
    let prompts = idp.stats().prompts;
    assert_eq!(
        prompts.get(expected.prompt_after_logout),
        Some(&1),
        "{prompts:?}"
    );
    assert_eq!(prompts.values().sum::<u32>(), 1, "{prompts:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn google_with_its_desktop_client_secret_and_no_offline_access() {
    journey(Profile::Google).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn entra_id_common_authority_with_its_issuer_template() {
    journey(Profile::Entra).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn okta_custom_authorization_server_with_par_and_dpop() {
    journey(Profile::Okta).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn keycloak_realm_with_par_dpop_and_rotating_refresh_tokens() {
    journey(Profile::Keycloak).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn cognito_user_pool_with_endpoints_on_its_domain() {
    journey(Profile::Cognito).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn auth0_tenant_with_its_audience_and_trailing_slash_issuer() {
    journey(Profile::Auth0).await;
}

/// The README's table of providers says what these journeys prove, row by row.
#[test]
fn the_readmes_provider_table_is_what_the_journeys_prove() {
    let yes_no = |yes: bool| if yes { "yes" } else { "no" };
    let mut rows = vec![
        "| provider | preset | renewal | new refresh token each time | revocation | logout page | PAR and DPoP | APIs named by | after sign-out | guide |".to_owned(),
        "|---|---|---|---|---|---|---|---|---|---|".to_owned(),
    ];
    for profile in Profile::ALL {
        let e = expected(profile);
        let named_by = match (e.api, profile) {
            (None, _) => "none of the app's",
            (Some(_), Profile::Auth0) => "audience",
            (Some(_), Profile::Entra | Profile::Okta | Profile::Keycloak | Profile::Cognito) => {
                "scope"
            }
            (Some(_), Profile::Google) => unreachable!(),
        };
        let title = match profile {
            Profile::Google => "Google",
            Profile::Entra => "Microsoft Entra ID",
            Profile::Okta => "Okta",
            Profile::Keycloak => "Keycloak",
            Profile::Cognito => "Amazon Cognito",
            Profile::Auth0 => "Auth0",
        };
        rows.push(format!(
            "| {title} | `{name}` | yes | {rotates} | {revokes} | {logout} | {par} | {named_by} | `prompt={prompt}` | [{name}.md](docs/providers/{name}.md) |",
            name = profile.name(),
            rotates = yes_no(e.rotates),
            revokes = yes_no(e.revokes),
            logout = yes_no(e.logout_page),
            par = yes_no(e.par_and_dpop),
            prompt = e.prompt_after_logout,
        ));
    }
    let readme = std::fs::read_to_string(gatehouse_tests::repo_root().join("README.md")).unwrap();
    let start = readme
        .find("<!-- providers -->\n")
        .expect("the table's start mark")
        + 19;
    let end = readme
        .find("<!-- /providers -->")
        .expect("the table's end mark");
    let table = readme[start..end].trim_end();
    assert_eq!(table, rows.join("\n"), "the README's provider table");
}

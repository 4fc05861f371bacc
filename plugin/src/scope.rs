//! `fetch`'s scope: the APIs a capability lets its windows reach, in the shape of
//! tauri-plugin-http's URL scopes.
//!
//! ```json
//! { "identifier": "gatehouse:allow-fetch", "allow": [{ "api": "https://orders.example/" }] }
//! ```
//!
//! Each entry names one of `plugins.gatehouse.apis` by its `resource` or its `url`. With no
//! `allow` entry the permission reaches every configured API; a `deny` entry takes one away,
//! whatever allows it.

use gatehouse_core::config::Api;
use serde::Deserialize;
use tauri::ipc::{CommandScope, GlobalScope};

/// One entry of `gatehouse:allow-fetch`'s scope.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiScope {
    /// The API's `resource` or `url`.
    pub api: String,
}

/// The entries that apply to one call: the command's and the plugin's global ones.
pub(crate) struct Scope {
    allow: Vec<String>,
    deny: Vec<String>,
}

impl Scope {
    pub(crate) fn new(command: &CommandScope<ApiScope>, global: &GlobalScope<ApiScope>) -> Self {
        let names = |entries: Vec<&std::sync::Arc<ApiScope>>| {
            entries.into_iter().map(|entry| entry.api.clone()).collect()
        };
        Self {
            allow: names(command.allows().iter().chain(global.allows()).collect()),
            deny: names(command.denies().iter().chain(global.denies()).collect()),
        }
    }

    /// Whether a call to `api` is granted: not denied, and allowed by an entry when there are
    /// any.
    pub(crate) fn allows(&self, api: &Api) -> bool {
        !self.deny.iter().any(|name| api.is_named(name))
            && (self.allow.is_empty() || self.allow.iter().any(|name| api.is_named(name)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(url: &str, resource: &str) -> Api {
        Api {
            url: url.parse().unwrap(),
            resource: resource.into(),
            scopes: vec![],
            probe: None,
            headers: vec![],
        }
    }

    fn scope(allow: &[&str], deny: &[&str]) -> Scope {
        let owned = |names: &[&str]| names.iter().map(|n| n.to_string()).collect();
        Scope {
            allow: owned(allow),
            deny: owned(deny),
        }
    }

    #[test]
    fn a_scope_names_apis_by_resource_or_url_and_no_entry_reaches_every_api() {
        let orders = api("https://orders.example/v1", "https://orders.example/");
        let profile = api("https://profile.example/", "urn:profile");
        assert!(scope(&[], &[]).allows(&orders) && scope(&[], &[]).allows(&profile));
        let by_resource = scope(&["https://orders.example/"], &[]);
        assert!(by_resource.allows(&orders) && !by_resource.allows(&profile));
        let by_url = scope(&["https://profile.example"], &[]);
        assert!(by_url.allows(&profile) && !by_url.allows(&orders));
        let denied = scope(&[], &["urn:profile"]);
        assert!(denied.allows(&orders) && !denied.allows(&profile));
        assert!(!scope(&["urn:profile"], &["urn:profile"]).allows(&profile));
    }
}

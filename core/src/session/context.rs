//! What every flow of the session shares: the configuration, the keeper (the one owner of the
//! session's state and sealed record), the provider as the back channel reaches it, the browser,
//! and what the UI is told.

use std::sync::Arc;

use super::keeper::Keeper;
use super::state::Notify;
use super::upstream::Upstream;
use crate::browser::Browser;
use crate::clock::Clock;
use crate::config::Config;
use crate::vault::Vault;

pub(super) struct Context {
    pub config: Arc<Config>,
    pub keeper: Keeper,
    pub upstream: Upstream,
    pub browser: Browser,
    pub notify: Notify,
}

impl Context {
    pub(super) fn new(
        config: Config,
        vault: Vault,
        clock: Arc<dyn Clock>,
        notify: Notify,
    ) -> Arc<Self> {
        let config = Arc::new(config);
        Arc::new(Self {
            keeper: Keeper::new(vault, &config, clock.clone(), notify.clone()),
            upstream: Upstream::new(config.clone(), clock),
            browser: Browser::new(config.browser.clone()),
            config,
            notify,
        })
    }
}

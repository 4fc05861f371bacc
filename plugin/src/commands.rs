//! The commands the UI invokes as `plugin:gatehouse|…`: thin, each delegates to
//! [`crate::Gatehouse`]. None answers with a token.

use gatehouse_contract::{command, FetchRequest, FetchResponse, SessionState};
use tauri::ipc::{CommandScope, GlobalScope, Invoke};
use tauri::{command, AppHandle, Manager, Runtime};

use crate::scope::{ApiScope, Scope};
use crate::{Gatehouse, GatehouseExt, Result};

/// Signs in; resolves once signed in. The session itself reaches the UI once, with
/// `gatehouse://session-changed`.
#[command]
pub(crate) async fn login<R: Runtime>(app: AppHandle<R>) -> Result<()> {
    app.gatehouse().login().await.map(drop)
}

#[command]
pub(crate) async fn cancel_login<R: Runtime>(app: AppHandle<R>) -> Result<()> {
    app.gatehouse().cancel_login().await;
    Ok(())
}

#[command]
pub(crate) async fn open_browser_again<R: Runtime>(app: AppHandle<R>) -> Result<()> {
    app.gatehouse().open_browser_again().await
}

/// While the stored session is being opened, `logged_in` waits for it, so that the first
/// answer of a start is the true one; after that [`logged_in_now`] answers.
#[command]
pub(crate) async fn logged_in<R: Runtime>(app: AppHandle<R>) -> Result<bool> {
    Ok(app.gatehouse().logged_in().await)
}

#[command]
pub(crate) async fn session<R: Runtime>(app: AppHandle<R>) -> Result<SessionState> {
    app.gatehouse().session().await
}

#[command]
pub(crate) async fn logout<R: Runtime>(app: AppHandle<R>) -> Result<()> {
    app.gatehouse().logout().await
}

/// Calls one of the configured APIs with its token: the page gets the answer, never the token.
/// Granted on its own (`gatehouse:allow-fetch`), and only for the APIs its scope names.
#[command]
pub(crate) async fn fetch<R: Runtime>(
    app: AppHandle<R>,
    request: FetchRequest,
    command_scope: CommandScope<ApiScope>,
    global_scope: GlobalScope<ApiScope>,
) -> Result<FetchResponse> {
    let scope = Scope::new(&command_scope, &global_scope);
    app.gatehouse()
        .fetch_within(request, |api| scope.allows(api))
        .await
}

/// The answer to `logged_in` when it can be given on the calling thread: once the stored
/// session is open, which is every call after the first moments of a start. A read of memory,
/// without the cost of a task on the async runtime. `None` for any other command, or while the
/// session is being opened. Tauri has checked the caller's permissions before a plugin's
/// handler sees the invoke.
pub(crate) fn logged_in_now<R: Runtime>(invoke: &Invoke<R>) -> Option<bool> {
    let name = command::LOGGED_IN.rsplit('|').next()?;
    if invoke.message.command() != name {
        return None;
    }
    invoke
        .message
        .webview_ref()
        .try_state::<Gatehouse<R>>()?
        .logged_in_now()
}

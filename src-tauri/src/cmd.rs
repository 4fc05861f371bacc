//! The commands: thin. Each waits for the stored session to be opened, delegates to
//! [`gatehouse_core::session::Auth`], and turns errors into `{kind, message}`.

use gatehouse_contract::{command, CommandError, SessionView};
use tauri::ipc::Invoke;
use tauri::{Manager, Runtime, State, WebviewWindow};

use crate::AppAuth;

type Reply<T> = Result<T, CommandError>;

/// Signs in; when it succeeds the window comes forward, since the person was last looking at
/// the browser.
#[tauri::command]
pub async fn login<R: Runtime>(
    window: WebviewWindow<R>,
    auth: State<'_, AppAuth>,
) -> Reply<SessionView> {
    let view = auth.ready().await?.login().await?;
    crate::bring_forward(&window);
    Ok(view)
}

#[tauri::command]
pub async fn open_browser_again(auth: State<'_, AppAuth>) -> Reply<()> {
    Ok(auth.ready().await?.open_browser_again().await?)
}

#[tauri::command]
pub async fn cancel_login(auth: State<'_, AppAuth>) -> Reply<()> {
    if let Ok(auth) = auth.ready().await {
        auth.cancel_login();
    }
    Ok(())
}

/// The answer to `logged_in` when it can be given on the calling thread: once the stored
/// session is open, which is every call after the first moments of a start. A read of memory,
/// without the cost of a task on the async runtime. `None` for any other command, or while
/// the session is being opened.
pub fn logged_in_now<R: Runtime>(invoke: &Invoke<R>) -> Option<bool> {
    if invoke.message.command() != command::LOGGED_IN {
        return None;
    }
    let auth = invoke.message.webview_ref().try_state::<AppAuth>()?;
    let opened = auth.opened()?;
    Some(opened.is_ok_and(|auth| auth.logged_in()))
}

/// While the stored session is being opened, `logged_in` waits for it, so that the first
/// answer of a start is the true one.
#[tauri::command]
pub async fn logged_in(auth: State<'_, AppAuth>) -> Reply<bool> {
    Ok(auth.ready().await.is_ok_and(|auth| auth.logged_in()))
}

#[tauri::command]
pub async fn session(auth: State<'_, AppAuth>) -> Reply<Option<SessionView>> {
    Ok(auth.ready().await?.session()?)
}

#[tauri::command]
pub async fn logout(auth: State<'_, AppAuth>) -> Reply<()> {
    match auth.ready().await {
        Ok(auth) => Ok(auth.logout().await?),
        // Not configured: there is no session to end.
        Err(_) => Ok(()),
    }
}

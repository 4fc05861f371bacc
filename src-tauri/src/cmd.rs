//! The commands: thin. Each waits for the stored session to be opened, delegates to
//! [`gatehouse_core::session::Auth`], and turns errors into `{kind, message}`.

use gatehouse_contract::{CommandError, SessionView};
use tauri::{Runtime, State, WebviewWindow};

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

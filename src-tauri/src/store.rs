//! Where the sealed record lives: the `tauri-plugin-store` file [`STORE_FILE`] in the app data
//! directory (on Linux `$XDG_DATA_HOME/<identifier>/`).
//!
//! The vault's [`FileRecordStore`] is the one reader and writer of that file, in the plugin's
//! layout, with a crash-safe replace. No plugin `Store` is opened on it: a `Store` would emit
//! every value set to the webview and rewrite the file with a plain write at exit.

use gatehouse_core::vault::FileRecordStore;
use tauri::{AppHandle, Runtime};
use tauri_plugin_store::resolve_store_path;

use crate::STORE_FILE;

/// The record file of this app.
pub fn record_file<R: Runtime>(app: &AppHandle<R>) -> tauri_plugin_store::Result<FileRecordStore> {
    resolve_store_path(app, STORE_FILE).map(FileRecordStore::new)
}

//! The sealed record in a `tauri-plugin-store` file in the app data directory.
//!
//! The plugin's own `save` is a plain `fs::write`, which a crash can truncate. Auto-save is off
//! and the store is written with [`write_atomic`] instead, so a crash while saving leaves the
//! previous session, never a broken file.

use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use gatehouse_core::vault::{write_atomic, RecordStore, Sealed};
use tauri::{AppHandle, Runtime};
use tauri_plugin_store::{resolve_store_path, Store, StoreBuilder};

const KEY: &str = "session";

pub struct PluginRecordStore<R: Runtime> {
    store: Arc<Store<R>>,
    path: PathBuf,
}

impl<R: Runtime> PluginRecordStore<R> {
    pub fn open(app: &AppHandle<R>, file: &str) -> tauri_plugin_store::Result<Self> {
        let path = resolve_store_path(app, file)?;
        let store = StoreBuilder::new(app, file).disable_auto_save().build()?;
        Ok(Self { store, path })
    }

    fn persist(&self) -> io::Result<()> {
        let entries: serde_json::Map<String, serde_json::Value> =
            self.store.entries().into_iter().collect();
        let bytes = serde_json::to_vec_pretty(&entries).map_err(io::Error::other)?;
        write_atomic(&self.path, &bytes)
    }
}

impl<R: Runtime> RecordStore for PluginRecordStore<R> {
    fn load(&self) -> io::Result<Option<Sealed>> {
        match self.store.get(KEY) {
            Some(value) => serde_json::from_value(value)
                .map(Some)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e)),
            // The plugin ignores a file it cannot parse; say so rather than pretend it is empty.
            None => match std::fs::read(&self.path) {
                Ok(bytes) if serde_json::from_slice::<serde_json::Value>(&bytes).is_err() => Err(
                    io::Error::new(io::ErrorKind::InvalidData, "the session file is not JSON"),
                ),
                _ => Ok(None),
            },
        }
    }

    fn save(&self, sealed: &Sealed) -> io::Result<()> {
        let value = serde_json::to_value(sealed).map_err(io::Error::other)?;
        self.store.set(KEY, value);
        self.persist()
    }

    fn clear(&self) -> io::Result<()> {
        self.store.delete(KEY);
        self.persist()
    }
}

//! Declares the one command to Tauri's permission system.

fn main() {
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(&["noop"]));
    tauri_build::try_build(attributes).expect("tauri-build failed");
}

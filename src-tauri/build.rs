//! Builds the app's context for Tauri: the capabilities in `capabilities/` grant the window the
//! plugin's `gatehouse:default`. The app itself has no commands of its own, and says so, so
//! that none can be invoked.

fn main() {
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("src-tauri/capabilities/**/*")
        .app_manifest(tauri_build::AppManifest::new().commands(&[]));
    tauri_build::try_build(attributes).expect("tauri-build failed");
}

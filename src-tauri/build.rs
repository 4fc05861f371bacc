//! Declares the app's commands to Tauri's permission system; `capabilities/` grants them.

use gatehouse_contract::command;

fn main() {
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("src-tauri/capabilities/**/*")
        .app_manifest(tauri_build::AppManifest::new().commands(&command::ALL));
    tauri_build::try_build(attributes).expect("tauri-build failed");
}

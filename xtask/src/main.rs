//! `cargo xtask frontend [PACKAGE STATIC_DIR OUT_DIR]`: builds a Yew UI to the files the app
//! embeds, on any system the app builds on. cargo (wasm32, the `wasm-release` profile) ->
//! wasm-bindgen (this crate links the same version as the UI) -> `wasm-opt -Oz` (npm's
//! `binaryen`, run by Node) -> the static files. Only files whose bytes changed are replaced:
//! the app embeds the folder, and a new modification time alone would rebuild it.
//!
//! Default: Gatehouse's UI (`gatehouse-ui`, `frontend/static`, `frontend/dist`).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

const USAGE: &str = "usage: cargo xtask frontend [PACKAGE STATIC_DIR OUT_DIR]";

/// The wasm features every browser engine the app runs on supports (WebKitGTK, WKWebView,
/// WebView2), which wasm-opt must be told about.
const WASM_FEATURES: &[&str] = &[
    "--enable-bulk-memory",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int",
    "--enable-reference-types",
    "--enable-multivalue",
];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["frontend"] => frontend("gatehouse-ui", "frontend/static", "frontend/dist"),
        ["frontend", package, static_dir, out_dir] => frontend(package, static_dir, out_dir),
        _ => Err(USAGE.into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The repository's root: the xtask crate's parent.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask/ is inside the repository")
        .to_path_buf()
}

fn frontend(package: &str, static_dir: &str, out_dir: &str) -> Result<()> {
    let root = root();
    let lib = package.replace('-', "_");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    run(Command::new(cargo).current_dir(&root).args([
        "build",
        "-p",
        package,
        "--lib",
        "--target",
        "wasm32-unknown-unknown",
        "--profile",
        "wasm-release",
    ]))?;

    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let wasm = target.join(format!("wasm32-unknown-unknown/wasm-release/{lib}.wasm"));
    let stage = target.join("frontend-stage").join(package);
    if stage.exists() {
        std::fs::remove_dir_all(&stage)?;
    }
    std::fs::create_dir_all(&stage)?;
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&wasm)
        .web(true)?
        .typescript(false)
        .generate(&stage)
        .map_err(|e| format!("wasm-bindgen: {e}"))?;

    let bindings = stage.join(format!("{lib}_bg.wasm"));
    let wasm_opt = root.join("node_modules/binaryen/bin/wasm-opt");
    if !wasm_opt.exists() {
        return Err(format!("{} is missing: run `npm ci`", wasm_opt.display()).into());
    }
    run(Command::new("node")
        .arg(&wasm_opt)
        .arg("-Oz")
        .args(WASM_FEATURES)
        .arg(&bindings)
        .arg("-o")
        .arg(&bindings))?;

    for entry in std::fs::read_dir(root.join(static_dir))? {
        let entry = entry?;
        std::fs::copy(entry.path(), stage.join(entry.file_name()))?;
    }
    let out = root.join(out_dir);
    replace_changed(&stage, &out)?;
    let size = std::fs::metadata(out.join(format!("{lib}_bg.wasm")))?.len();
    println!("{out_dir}: wasm {size} bytes");
    Ok(())
}

/// Makes `out` hold exactly `stage`'s files, writing only those whose bytes differ.
fn replace_changed(stage: &Path, out: &Path) -> Result<()> {
    std::fs::create_dir_all(out)?;
    for entry in std::fs::read_dir(stage)? {
        let entry = entry?;
        let new = std::fs::read(entry.path())?;
        let dest = out.join(entry.file_name());
        if std::fs::read(&dest).ok().as_deref() != Some(&new[..]) {
            std::fs::write(&dest, &new)?;
        }
    }
    for entry in std::fs::read_dir(out)? {
        let entry = entry?;
        if !stage.join(entry.file_name()).exists() {
            std::fs::remove_file(entry.path())?;
        }
    }
    Ok(())
}

/// Runs `command`, failing with its command line when it fails.
fn run(command: &mut Command) -> Result<()> {
    let status = command
        .status()
        .map_err(|e| format!("{command:?} could not start: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{command:?} failed: {status}").into())
    }
}

//! The workflows ask only for runners GitHub hosts today. A retired label does not fail: the job
//! waits in the queue for a runner that never comes, and that is found out on the day of a
//! release. `actionlint` would say so too, but no pinned build of it installs here.
//!
//! The list is GitHub's standard hosted runners ("GitHub-hosted runners", docs.github.com, as
//! of December 2026); when GitHub adds or retires an image, this list changes with the
//! workflow.

use std::path::{Path, PathBuf};

const HOSTED: &[&str] = &[
    "ubuntu-latest",
    "ubuntu-26.04",
    "ubuntu-24.04",
    "ubuntu-22.04",
    "ubuntu-26.04-arm",
    "ubuntu-24.04-arm",
    "ubuntu-22.04-arm",
    "ubuntu-slim",
    "windows-latest",
    "windows-2025",
    "windows-2022",
    "windows-11-arm",
    "macos-latest",
    "macos-26",
    "macos-15",
    "macos-26-intel",
    "macos-15-intel",
];

/// Every runner label `workflow` asks for: each `runs-on` value, and where it is
/// `${{ matrix.KEY }}`, each value of KEY in the file. Anything this reading cannot check (a
/// list of labels, another expression) is an error, so nothing passes unread.
fn runner_labels(workflow: &str) -> Result<Vec<String>, String> {
    let entries: Vec<(&str, &str)> = workflow
        .lines()
        .map(|line| line.trim_start().trim_start_matches("- ").trim())
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split_once(':'))
        .map(|(key, value)| (key.trim(), unquote(value.trim())))
        .collect();
    let mut labels = Vec::new();
    for &(_, value) in entries.iter().filter(|(key, _)| *key == "runs-on") {
        if let Some(key) = value
            .strip_prefix("${{ matrix.")
            .and_then(|rest| rest.strip_suffix(" }}"))
        {
            let values: Vec<&str> = entries
                .iter()
                .filter(|(k, _)| *k == key)
                .flat_map(|&(_, v)| list(v))
                .collect();
            if values.is_empty() {
                return Err(format!("runs-on uses matrix.{key}, which has no values"));
            }
            labels.extend(values.into_iter().map(str::to_owned));
        } else if value.contains("${{") || value.starts_with('[') || value.is_empty() {
            return Err(format!(
                "runs-on: {value:?} is not a label this test can check"
            ));
        } else {
            labels.push(value.to_owned());
        }
    }
    if labels.is_empty() {
        return Err("no runs-on".into());
    }
    Ok(labels)
}

fn unquote(value: &str) -> &str {
    value.trim_matches(|c| c == '"' || c == '\'')
}

/// `[a, b]` as its items, a single value as itself.
fn list(value: &str) -> Vec<&str> {
    match value.strip_prefix('[').and_then(|v| v.strip_suffix(']')) {
        Some(items) => items.split(',').map(|item| unquote(item.trim())).collect(),
        None => vec![value],
    }
}

fn workflows() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.github/workflows");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| {
            path.extension()
                .is_some_and(|ext| ext == "yml" || ext == "yaml")
        })
        .collect();
    files.sort();
    files
}

fn unknown(labels: &[String]) -> Vec<&str> {
    labels
        .iter()
        .map(String::as_str)
        .filter(|label| !HOSTED.contains(label))
        .collect()
}

#[test]
fn every_workflow_job_runs_on_a_runner_github_hosts_today() {
    let files = workflows();
    assert!(!files.is_empty(), "no workflow found");
    for file in files {
        let text = std::fs::read_to_string(&file).expect("the workflow reads");
        let labels = runner_labels(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert_eq!(
            unknown(&labels),
            Vec::<&str>::new(),
            "{} asks for runners GitHub does not host (all: {labels:?})",
            file.display()
        );
    }
}

#[test]
fn the_release_workflow_builds_for_intel_and_apple_silicon_macs_windows_and_linux() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../.github/workflows/release.yml"),
    )
    .expect("the release workflow reads");
    let labels = runner_labels(&text).expect("its runners read");
    for prefix in ["macos-15-intel", "macos-", "windows-", "ubuntu-"] {
        assert!(
            labels.iter().any(|label| label.starts_with(prefix)),
            "no {prefix}* runner in {labels:?}"
        );
    }
}

#[test]
fn a_retired_runner_in_a_matrix_is_found() {
    let workflow = "jobs:\n  bundle:\n    strategy:\n      matrix:\n        include:\n          \
                    - name: Intel\n            os: macos-13\n          - name: Linux\n            \
                    os: ubuntu-22.04\n    runs-on: ${{ matrix.os }}\n  other:\n    runs-on: \"windows-2019\"\n";
    let labels = runner_labels(workflow).expect("the runners read");
    assert_eq!(labels, ["macos-13", "ubuntu-22.04", "windows-2019"]);
    assert_eq!(unknown(&labels), ["macos-13", "windows-2019"]);
}

#[test]
fn a_runs_on_this_reading_cannot_check_is_an_error_not_a_pass() {
    for workflow in [
        "jobs:\n  a:\n    runs-on: [self-hosted, linux]\n",
        "jobs:\n  a:\n    runs-on: ${{ inputs.runner }}\n",
        "jobs:\n  a:\n    runs-on: ${{ matrix.os }}\n",
        "jobs:\n  a:\n    steps: []\n",
    ] {
        assert!(runner_labels(workflow).is_err(), "{workflow}");
    }
}

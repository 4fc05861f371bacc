//! The release workflow runs with the least privilege that lets it publish: a token that may
//! only read, but in the one job that uploads to the release and builds nothing; no checkout
//! that leaves the token in `.git/config`; every action pinned to a commit, since a tag can be
//! moved to other code; the bundles built only after the supply-chain checks pass; and the
//! toolchain pinned, not floating. The test command also lints the workflows with actionlint
//! and zizmor (scripts/lint-workflows.sh); these tests say what this project requires of them.

use std::path::Path;

fn read(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn release() -> String {
    read(".github/workflows/release.yml")
}

/// Each job of `workflow` by name, with its lines (those indented under it).
fn jobs(workflow: &str) -> Vec<(String, Vec<&str>)> {
    let mut jobs: Vec<(String, Vec<&str>)> = Vec::new();
    let mut inside = false;
    for line in workflow.lines() {
        if !line.starts_with(' ') && !line.trim().is_empty() && !line.starts_with('#') {
            inside = line.trim_end() == "jobs:";
            continue;
        }
        if !inside {
            continue;
        }
        let name = line
            .strip_prefix("  ")
            .filter(|rest| !rest.starts_with(' ') && !rest.starts_with('#'))
            .and_then(|rest| rest.trim_end().strip_suffix(':'));
        match name {
            Some(name) => jobs.push((name.to_owned(), Vec::new())),
            None => {
                if let Some((_, lines)) = jobs.last_mut() {
                    lines.push(line);
                }
            }
        }
    }
    jobs
}

/// The lines before `jobs:`: the workflow's own keys.
fn top(workflow: &str) -> Vec<&str> {
    workflow
        .lines()
        .take_while(|line| line.trim_end() != "jobs:")
        .collect()
}

#[test]
fn the_token_may_only_read_except_in_the_job_that_uploads_the_release() {
    let workflow = release();
    let top = top(&workflow).join("\n");
    assert!(
        top.contains("permissions:\n  contents: read\n"),
        "the workflow's token reads only:\n{top}"
    );
    assert!(!top.contains("write"), "no write at the top:\n{top}");
    let jobs = jobs(&workflow);
    assert!(
        jobs.len() >= 3,
        "{:?}",
        jobs.iter().map(|j| &j.0).collect::<Vec<_>>()
    );
    for (name, lines) in &jobs {
        let writes = lines.iter().any(|line| line.contains(": write"));
        if name != "release" {
            assert!(!writes, "job {name} asks to write");
            continue;
        }
        assert!(writes, "the release job may write its release");
        // It builds nothing: no checkout, no package installer, no build script.
        for line in lines {
            for builder in [
                "actions/checkout",
                "npm ",
                "npx ",
                "cargo ",
                "make ",
                "setup-node",
            ] {
                assert!(!line.contains(builder), "the release job runs {line:?}");
            }
        }
    }
}

#[test]
fn no_checkout_keeps_the_token_in_git_config() {
    let workflow = release();
    let lines: Vec<&str> = workflow.lines().collect();
    let mut checkouts = 0;
    for (i, line) in lines.iter().enumerate() {
        if !line.contains("uses: actions/checkout@") {
            continue;
        }
        checkouts += 1;
        // The step's own lines: up to the next step or job.
        let step: Vec<&str> = lines[i + 1..]
            .iter()
            .take_while(|l| !l.trim_start().starts_with("- ") && l.starts_with("        "))
            .copied()
            .collect();
        assert!(
            step.iter()
                .any(|l| l.trim() == "persist-credentials: false"),
            "line {}: a checkout without persist-credentials: false",
            i + 1
        );
    }
    assert!(checkouts > 0, "no checkout found: the reading is wrong");
}

#[test]
fn every_action_is_pinned_to_a_commit_with_its_tag_in_a_comment() {
    let workflow = release();
    let mut actions = 0;
    for (n, line) in workflow.lines().enumerate() {
        let Some(uses) = line
            .trim_start()
            .trim_start_matches("- ")
            .strip_prefix("uses: ")
        else {
            continue;
        };
        actions += 1;
        let (reference, comment) = uses.split_once(" # ").unwrap_or((uses, ""));
        let (action, commit) = reference
            .split_once('@')
            .unwrap_or_else(|| panic!("line {}: {uses} names no version", n + 1));
        assert!(action.contains('/'), "line {}: {action}", n + 1);
        assert!(
            commit.len() == 40 && commit.bytes().all(|b| b.is_ascii_hexdigit()),
            "line {}: {action} is pinned to {commit:?}, which can move; pin a full commit SHA",
            n + 1
        );
        assert!(
            comment.starts_with('v'),
            "line {}: {action}@{commit} says not which tag it is",
            n + 1
        );
    }
    assert!(actions > 0, "no action found: the reading is wrong");
}

#[test]
fn the_bundles_wait_for_the_supply_chain_checks() {
    let workflow = release();
    let jobs = jobs(&workflow);
    let bundle = &jobs
        .iter()
        .find(|(name, _)| name == "bundle")
        .expect("a bundle job")
        .1;
    assert!(
        bundle
            .iter()
            .any(|line| line.trim() == "needs: supply-chain"),
        "the bundle job does not wait for the supply-chain job"
    );
}

#[test]
fn the_toolchain_is_pinned_to_one_release() {
    let toolchain = read("rust-toolchain.toml");
    let channel = toolchain
        .lines()
        .find_map(|line| line.trim().strip_prefix("channel = "))
        .map(|value| value.trim_matches('"'))
        .expect("rust-toolchain.toml names its channel");
    let parts: Vec<&str> = channel.split('.').collect();
    assert!(
        parts.len() == 3 && parts.iter().all(|p| p.parse::<u32>().is_ok()),
        "the channel {channel:?} floats: pin a release such as 1.95.0"
    );
    let workflow = release();
    for floating in ["install stable", "default stable", "@stable", "nightly"] {
        assert!(
            !workflow.contains(floating),
            "the workflow floats its toolchain ({floating})"
        );
    }
}

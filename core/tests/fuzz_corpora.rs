//! The fuzz corpora kept in `fuzz/corpus/` replayed as ordinary tests: every input the fuzzer
//! found interesting (and any crash it once found, once fixed) runs through the same target on
//! every test run. `bash scripts/fuzz.sh` grows the corpora.

#[path = "../../fuzz/targets.rs"]
mod targets;

use std::path::PathBuf;

fn replay(target: &str, run: fn(&[u8])) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut inputs = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        run(&std::fs::read(&path).unwrap());
        inputs += 1;
    }
    assert!(inputs > 0, "the {target} corpus is empty");
    println!("{target}: {inputs} inputs replayed");
}

#[test]
fn callback_corpus_replays_without_a_panic() {
    replay("callback", targets::callback);
}

#[test]
fn id_token_corpus_replays_without_a_panic() {
    replay("id_token", targets::id_token);
}

#[test]
fn vault_open_corpus_replays_without_a_panic() {
    replay("vault_open", targets::vault_open);
}

#[test]
fn discovery_corpus_replays_without_a_panic() {
    replay("discovery", targets::discovery);
}

#[test]
fn token_response_corpus_replays_without_a_panic() {
    replay("token_response", targets::token_response);
}

#[test]
fn jwks_corpus_replays_without_a_panic() {
    replay("jwks", targets::jwks);
}

#[test]
fn par_corpus_replays_without_a_panic() {
    replay("par", targets::par);
}

#[test]
fn request_head_corpus_replays_without_a_panic() {
    replay("request_head", targets::request_head);
}

#[test]
fn vault_file_corpus_replays_without_a_panic() {
    replay("vault_file", targets::vault_file);
}

#[test]
fn claims_corpus_replays_without_a_panic() {
    replay("claims", targets::claims);
}

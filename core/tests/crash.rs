//! The record file under SIGKILL: a writer process saving record after record is killed at
//! random points, at least 100 times and until at least 1,000 saves have been made, and after every kill the file opens
//! to the last record the writer finished or the one it was writing; never to a mix, never to
//! nothing.
//!
//! A test binary of its own without the test harness: it runs itself as the writer
//! (`crash --writer PATH KEY`).

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use gatehouse_core::vault::{DataKey, FileRecordStore, RecordStore, Sealed};

const SAVES: u64 = 1000;
const KILLS: u32 = 100;
const AAD: &[u8] = b"gatehouse.crash-test";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--writer") {
        writer(Path::new(&args[2]), &args[3]);
        return;
    }
    // `cargo bench` runs test targets with `--bench`, `--list` asks for names: neither is a
    // test run. A name filter is honoured, as a harness would.
    if args.iter().any(|a| a == "--bench" || a == "--list") {
        return;
    }
    if let Some(filter) = args.iter().skip(1).find(|a| !a.starts_with('-')) {
        if !"sigkill_during_saves_leaves_the_previous_or_the_new_record".contains(filter.as_str()) {
            println!("0 passed, 0 failed");
            return;
        }
    }
    println!("test sigkill_during_saves_leaves_the_previous_or_the_new_record ...");
    sigkill_during_saves_leaves_the_previous_or_the_new_record();
    println!("1 passed, 0 failed");
}

/// Saves records 1, 2, 3, … forever, printing each number once its save returned.
fn writer(path: &Path, key: &str) {
    let key = DataKey::from_base64(key).expect("a key");
    let store = FileRecordStore::new(path);
    let mut out = std::io::stdout().lock();
    for n in 1u64.. {
        store
            .save(&Sealed::seal(&key, n.to_string().as_bytes(), AAD))
            .expect("a save");
        writeln!(out, "{n}")
            .and_then(|()| out.flush())
            .expect("the parent listens");
    }
}

fn random_below(n: u64) -> u64 {
    let mut bytes = [0u8; 8];
    getrandom::getrandom(&mut bytes).unwrap();
    u64::from_le_bytes(bytes) % n
}

fn sigkill_during_saves_leaves_the_previous_or_the_new_record() {
    let dir = std::env::temp_dir().join(format!("gatehouse-crash-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("session.json");
    let key = DataKey::generate();
    let store = FileRecordStore::new(&path);
    let (mut saves, mut kills) = (0u64, 0u32);
    let mut last_seen = 0u64;
    while saves < SAVES || kills < KILLS {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args(["--writer", path.to_str().unwrap(), &key.to_base64()])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the writer starts");
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .filter_map(|line| line.parse::<u64>().ok())
                .last()
        });
        std::thread::sleep(Duration::from_millis(1 + random_below(30)));
        child.kill().expect("SIGKILL");
        child.wait().unwrap();
        kills += 1;
        let finished = reader.join().unwrap().unwrap_or(0);
        saves += finished;

        // The writer starts over at 1 each time; what is on disk is the last finished record,
        // the one being written when it died, or (before its first save) the previous round's.
        let Some(sealed) = store.load().expect("the file is whole") else {
            assert!(
                finished == 0 && last_seen == 0,
                "kill {kills}: the record is gone after {finished} saves"
            );
            continue;
        };
        let plain = sealed.open(&key, AAD).expect("the record opens");
        let n: u64 = std::str::from_utf8(&plain).unwrap().parse().unwrap();
        let acceptable = n == finished || n == finished + 1 || (finished == 0 && n == last_seen);
        assert!(
            acceptable,
            "kill {kills}: the writer had finished {finished}, the file holds {n}"
        );
        last_seen = n;
        let strays: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .filter(|e| e.file_name() != "session.json")
            .collect();
        for stray in strays {
            // A temporary file the kill left behind: never the record itself, never read.
            std::fs::remove_file(stray.path()).unwrap();
        }
    }
    println!("{saves} saves, {kills} kills: every file opened to the previous or the new record");
    let _ = std::fs::remove_dir_all(&dir);
}

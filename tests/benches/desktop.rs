//! Gatehouse against a bare Tauri 2 + Yew app (`bench/bare`: one window, one page, one command),
//! both release builds made by the same toolchain and profile, measured alternately under Xvfb:
//!
//! - start: from the WebDriver session request (which launches the app) to the first screen's
//!   element present, polled every 10 ms;
//! - a stored session to `welcome` (Gatehouse only; the bare app's start beside it);
//! - RSS and PSS of the app with its WebKit processes, 3 s after the start;
//! - 1,000 invokes timed inside the page: `logged_in` against the bare app's no-op command;
//! - the binary, the `.deb`, the wasm raw and gzipped;
//! - where the start goes, for both apps side by side: the process's exec (from
//!   `/proc/<pid>/stat`), the page's navigation, its wasm fetched, its first paint (the page's
//!   own Performance API), and the element seen.
//!
//! `bash scripts/bench.sh` builds both apps and runs this (7 runs each); `cargo bench -p
//! gatehouse-tests --bench desktop` runs it on what is built. Run under `with-keyring.sh`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use gatehouse_tests::idp::{Idp, IdpOptions};
use gatehouse_tests::webdriver::{Driver, Session};
use gatehouse_tests::xvfb::Xvfb;
use gatehouse_tests::{processes, repo_root, test_browser, TempDir};

/// One app as the benchmark runs it.
struct App {
    name: &'static str,
    binary: PathBuf,
    deb: PathBuf,
    wasm: PathBuf,
    /// The first screen's element.
    first: &'static str,
    /// The command timed through the IPC.
    command: String,
}

fn apps() -> (App, App) {
    let root = repo_root();
    let release = root.join("target/release");
    let bare = App {
        name: "gatehouse-bare",
        binary: release.join("gatehouse-bare"),
        deb: release.join("bundle/deb/Gatehouse Bare_0.1.0_amd64.deb"),
        wasm: root.join("bench/bare/ui/dist/gatehouse_bare_ui_bg.wasm"),
        first: "#ready",
        command: "noop".into(),
    };
    let gatehouse = App {
        name: "gatehouse",
        binary: release.join("gatehouse"),
        deb: release.join("bundle/deb/Gatehouse_0.1.0_amd64.deb"),
        wasm: root.join("frontend/dist/gatehouse_ui_bg.wasm"),
        first: "#login-button",
        command: gatehouse_contract::command::LOGGED_IN.into(),
    };
    for app in [&bare, &gatehouse] {
        for file in [&app.binary, &app.deb, &app.wasm] {
            assert!(
                file.exists(),
                "{} is not built: run scripts/bench.sh",
                file.display()
            );
        }
    }
    (bare, gatehouse)
}

/// A desktop for one launch: display, private folders, the provider's configuration.
struct Desktop {
    driver: Driver,
    _xvfb: Xvfb,
}

impl Desktop {
    fn new(idp: &Idp, home: &Path) -> Self {
        let xvfb = Xvfb::start();
        let data = home.join("data").to_string_lossy().into_owned();
        let config = home.join("config").to_string_lossy().into_owned();
        let browser = format!("'{}'", test_browser().display());
        let driver = Driver::start(&[
            ("DISPLAY", &xvfb.display),
            ("XDG_DATA_HOME", &data),
            ("XDG_CONFIG_HOME", &config),
            ("GATEHOUSE_ISSUER", &idp.issuer),
            ("GATEHOUSE_CLIENT_ID", &idp.client_id),
            ("GATEHOUSE_BROWSER", &browser),
        ]);
        Self {
            driver,
            _xvfb: xvfb,
        }
    }
}

/// What one launch measured.
struct Launch {
    first: Duration,
    rss: u64,
    pss: u64,
    invoke: Option<Duration>,
    timeline: Timeline,
}

/// Where one start went: milliseconds after the launch was asked for.
#[derive(Default, Clone, Copy)]
struct Timeline {
    /// The app's process was started (the kernel's 10 ms clock).
    exec: f64,
    /// The webview started loading the page.
    navigation: f64,
    /// The page's HTML was in.
    document: f64,
    /// The wasm module was compiled and its start function began (the page's own mark).
    wasm: f64,
    /// The first screen was rendered into the DOM (the page's own mark).
    rendered: f64,
    /// The first paint (first contentful paint where the webview reports it).
    paint: f64,
    /// WebDriver saw the first element.
    element: f64,
}

/// A step of the start, named, and where a [`Timeline`] holds it.
type Step = (&'static str, fn(&Timeline) -> f64);

impl Timeline {
    const STEPS: [Step; 7] = [
        ("process started (exec)", |t| t.exec),
        ("page navigation started", |t| t.navigation),
        ("page HTML in", |t| t.document),
        ("wasm started (mark `wasm-start`)", |t| t.wasm),
        ("first screen in the DOM (mark `rendered`)", |t| t.rendered),
        ("first paint", |t| t.paint),
        ("first element seen over WebDriver", |t| t.element),
    ];

    /// The timeline as one line of milliseconds.
    fn line(&self) -> String {
        Self::STEPS
            .iter()
            .map(|(_, value)| format!("{:>5.0}", value(self)))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Reads the timeline of the launch `asked` for, whose element was seen after `element`.
    fn read(session: &Session, app: &str, asked: Asked, element: Duration) -> Self {
        let page = session.execute_async(
            "const done = arguments[arguments.length - 1];
             const nav = performance.getEntriesByType('navigation')[0];
             const mark = (name) => performance.getEntriesByName(name, 'mark')[0]?.startTime ?? null;
             const paints = performance.getEntriesByType('paint');
             const paint = paints.find((p) => p.name === 'first-contentful-paint') ?? paints[0];
             done({ origin: performance.timeOrigin, document: nav ? nav.responseEnd : null,
                    wasm: mark('wasm-start'), rendered: mark('rendered'),
                    paint: paint ? paint.startTime : null });",
        );
        let origin = page["origin"].as_f64().unwrap_or(f64::NAN);
        let at = |key: &str| {
            page[key]
                .as_f64()
                .map_or(f64::NAN, |ms| origin + ms - asked.epoch)
        };
        Self {
            exec: exec_since_boot(app) - asked.since_boot,
            navigation: origin - asked.epoch,
            document: at("document"),
            wasm: at("wasm"),
            rendered: at("rendered"),
            paint: at("paint"),
            element: element.as_secs_f64() * 1000.0,
        }
    }
}

/// When a launch was asked for: on the wall clock (the page's clock) and since boot (the
/// process table's), in ms.
#[derive(Clone, Copy)]
struct Asked {
    epoch: f64,
    since_boot: f64,
}

impl Asked {
    fn now() -> Self {
        let mut boot = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: clock_gettime writes the timespec it is given.
        unsafe { libc::clock_gettime(libc::CLOCK_BOOTTIME, &mut boot) };
        Self {
            epoch: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0),
            since_boot: boot.tv_sec as f64 * 1000.0 + boot.tv_nsec as f64 / 1e6,
        }
    }
}

/// When the process running `name` started, in ms since boot (the kernel's clock ticks).
fn exec_since_boot(name: &str) -> f64 {
    // SAFETY: sysconf only reads a system value.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    // The newest such process: the one of an earlier launch may still be on its way out.
    processes()
        .iter()
        .filter(|p| p.comm == name && !p.zombie)
        .filter_map(|p| std::fs::read_to_string(format!("/proc/{}/stat", p.pid)).ok())
        .filter_map(|stat| {
            // `pid (comm) state …`: starttime is the 22nd field, the 20th after the name.
            let (_, tail) = stat.rsplit_once(')')?;
            tail.split_whitespace().nth(19)?.parse::<f64>().ok()
        })
        .max_by(f64::total_cmp)
        .map_or(f64::NAN, |start| start / ticks * 1000.0)
}

/// Launches `binary` and waits for `css`, looking every 10 ms.
fn launch(desktop: &Desktop, binary: &Path, css: &str) -> (Session, Instant, Duration) {
    launch_at(desktop, binary, css).0
}

/// [`launch`], and when it was asked for.
fn launch_at(desktop: &Desktop, binary: &Path, css: &str) -> ((Session, Instant, Duration), Asked) {
    let asked = Asked::now();
    let started = Instant::now();
    let session = Session::new(&desktop.driver, binary);
    let deadline = started + Duration::from_secs(30);
    loop {
        if session.find(css).is_some() {
            return ((session, started, started.elapsed()), asked);
        }
        assert!(Instant::now() < deadline, "no {css} after 30 s");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn measure(app: &App, idp: &Idp, home: &Path, with_ipc: bool) -> Launch {
    let desktop = Desktop::new(idp, home);
    let ((session, started, first), asked) = launch_at(&desktop, &app.binary, app.first);
    let timeline = Timeline::read(&session, app.name, asked, first);
    let invoke = with_ipc.then(|| time_invokes(&session, &app.command));
    std::thread::sleep(Duration::from_secs(3).saturating_sub(started.elapsed()));
    let (rss, pss) = memory(app.name);
    Launch {
        first,
        rss,
        pss,
        invoke,
        timeline,
    }
}

/// The time of one invoke of `command`, over 1,000 awaited one after another inside the page
/// (after 50 to warm up).
fn time_invokes(session: &Session, command: &str) -> Duration {
    let script = format!(
        "const done = arguments[arguments.length - 1];
         const invoke = window.__TAURI__.core.invoke;
         (async () => {{
           for (let i = 0; i < 50; i++) await invoke('{command}');
           const started = performance.now();
           for (let i = 0; i < 1000; i++) await invoke('{command}');
           done((performance.now() - started) / 1000);
         }})().catch((e) => done('failed: ' + e));"
    );
    let reply = session.execute_async(&script);
    let ms = reply
        .as_f64()
        .unwrap_or_else(|| panic!("the invokes ran: {reply}"));
    Duration::from_secs_f64(ms / 1000.0)
}

/// RSS and PSS in bytes of the process running `name` and every process below it (WebKit's).
fn memory(name: &str) -> (u64, u64) {
    let processes = processes();
    let app: Vec<u32> = processes
        .iter()
        .filter(|p| p.comm == name)
        .map(|p| p.pid)
        .collect();
    assert_eq!(app.len(), 1, "one {name} running: {app:?}");
    let mut tree = app;
    let mut grew = true;
    while grew {
        grew = false;
        for p in &processes {
            if tree.contains(&p.ppid) && !tree.contains(&p.pid) {
                tree.push(p.pid);
                grew = true;
            }
        }
    }
    tree.iter().fold((0, 0), |(rss, pss), pid| {
        let rollup =
            std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
        let field = |name: &str| {
            rollup
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
                .unwrap_or(0)
                * 1024
        };
        (rss + field("Rss:"), pss + field("Pss:"))
    })
}

/// Signs in once (auto-login provider, headless Chromium as the browser) so that the next
/// launches find a stored session.
fn store_a_session(gatehouse: &App, idp: &Idp, home: &Path) {
    let desktop = Desktop::new(idp, home);
    let (session, _, _) = launch(&desktop, &gatehouse.binary, gatehouse.first);
    let button = session.wait_for("#login-button", Duration::from_secs(10));
    session.click(&button);
    session.wait_for("#welcome", Duration::from_secs(60));
}

/// Median, min and max.
fn stats(mut values: Vec<f64>) -> (f64, f64, f64) {
    values.sort_by(f64::total_cmp);
    (
        values[values.len() / 2],
        values[0],
        values[values.len() - 1],
    )
}

fn row(figure: &str, unit: Unit, bare: Vec<f64>, gatehouse: Vec<f64>, budget: &str) {
    let (b, g) = (stats(bare), stats(gatehouse));
    let ratio = g.0 / b.0;
    println!(
        "| {figure} | {} | {} | {ratio:.2} | {budget} |",
        unit.show(b),
        unit.show(g)
    );
}

#[derive(Clone, Copy)]
enum Unit {
    Seconds,
    Micros,
    MiB,
    MB,
    KB,
}

impl Unit {
    fn one(self, v: f64) -> String {
        match self {
            Self::Seconds => format!("{v:.3} s"),
            Self::Micros => format!("{:.0} µs", v * 1e6),
            Self::MiB => format!("{:.0} MiB", v / 1048576.0),
            Self::MB => format!("{:.2} MB", v / 1e6),
            Self::KB => format!("{:.1} KB", v / 1e3),
        }
    }

    fn show(self, (median, min, max): (f64, f64, f64)) -> String {
        if min == max {
            self.one(median)
        } else {
            format!("{} ({}–{})", self.one(median), self.one(min), self.one(max))
        }
    }
}

fn size(path: &Path) -> f64 {
    std::fs::metadata(path).expect("the file is there").len() as f64
}

fn gzipped(path: &Path) -> f64 {
    let out = Command::new("gzip")
        .args(["-9c"])
        .arg(path)
        .stderr(Stdio::inherit())
        .output()
        .expect("gzip runs");
    out.stdout.len() as f64
}

fn main() {
    // `cargo bench` passes --bench; `cargo test --benches` does not: one run, to prove it works.
    let runs = if std::env::args().any(|a| a == "--bench") {
        std::env::var("GATEHOUSE_BENCH_RUNS")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(7)
    } else {
        1
    };
    let (bare, gatehouse) = apps();
    let idp = Idp::start(IdpOptions::default());

    let mut first = (Vec::new(), Vec::new());
    let mut rss = (Vec::new(), Vec::new());
    let mut pss = (Vec::new(), Vec::new());
    let mut invoke = (Vec::new(), Vec::new());
    let mut timelines = (Vec::new(), Vec::new());
    for run in 0..runs {
        eprintln!(
            "run {}/{runs}: start, memory, IPC; ms: exec, navigation, HTML, wasm, DOM, paint, seen",
            run + 1
        );
        // Alternate which goes first, so that a drift of the machine falls on both.
        let order = if run % 2 == 0 { [0, 1] } else { [1, 0] };
        for which in order {
            let app = [&bare, &gatehouse][which];
            let home = TempDir::new("bench");
            let launch = measure(app, &idp, home.path(), true);
            let (f, r, p, i, t) = match which {
                0 => (
                    &mut first.0,
                    &mut rss.0,
                    &mut pss.0,
                    &mut invoke.0,
                    &mut timelines.0,
                ),
                _ => (
                    &mut first.1,
                    &mut rss.1,
                    &mut pss.1,
                    &mut invoke.1,
                    &mut timelines.1,
                ),
            };
            eprintln!("  {:<15} {}", app.name, launch.timeline.line());
            t.push(launch.timeline);
            f.push(launch.first.as_secs_f64());
            r.push(launch.rss as f64);
            p.push(launch.pss as f64);
            i.push(launch.invoke.expect("timed").as_secs_f64());
        }
    }

    let stored = TempDir::new("bench-stored");
    store_a_session(&gatehouse, &idp, stored.path());
    let mut welcome = (Vec::new(), Vec::new());
    for run in 0..runs {
        eprintln!("run {}/{runs}: a stored session to welcome", run + 1);
        let home = TempDir::new("bench");
        let bare_launch = measure(&bare, &idp, home.path(), false);
        welcome.0.push(bare_launch.first.as_secs_f64());
        let desktop = Desktop::new(&idp, stored.path());
        let ((session, _, to_welcome), asked) = launch_at(&desktop, &gatehouse.binary, "#welcome");
        let timeline = Timeline::read(&session, gatehouse.name, asked, to_welcome);
        eprintln!("  {:<15} {}", gatehouse.name, timeline.line());
        welcome.1.push(to_welcome.as_secs_f64());
    }

    println!("\n{runs} runs each, alternating; medians (min–max)\n");
    println!("| figure | bare app | Gatehouse | ratio | budget |");
    println!("|---|---|---|---|---|");
    row(
        "start to the first screen's element",
        Unit::Seconds,
        first.0,
        first.1,
        "≤ 1.10",
    );
    row(
        "start with a stored session to `welcome` (bare: its first element)",
        Unit::Seconds,
        welcome.0,
        welcome.1,
        "≤ 1.25",
    );
    row(
        "RSS, app + WebKit processes, 3 s after start",
        Unit::MiB,
        rss.0,
        rss.1,
        "≤ 1.10",
    );
    row(
        "PSS, app + WebKit processes, 3 s after start",
        Unit::MiB,
        pss.0,
        pss.1,
        "",
    );
    row(
        "one invoke in the webview: `logged_in` (bare: no-op)",
        Unit::Micros,
        invoke.0,
        invoke.1,
        "≤ 1.10",
    );
    let once = |f: fn(&Path) -> f64, path: &Path| vec![f(path)];
    row(
        "release binary, stripped",
        Unit::MB,
        once(size, &bare.binary),
        once(size, &gatehouse.binary),
        "≤ 1.5",
    );
    row(
        "`.deb`",
        Unit::MB,
        once(size, &bare.deb),
        once(size, &gatehouse.deb),
        "≤ 1.5",
    );
    row(
        "wasm after `wasm-opt -Oz`",
        Unit::KB,
        once(size, &bare.wasm),
        once(size, &gatehouse.wasm),
        "",
    );
    row(
        "wasm, gzipped",
        Unit::KB,
        once(gzipped, &bare.wasm),
        once(gzipped, &gatehouse.wasm),
        "≤ 1.6",
    );

    println!("\nWhere the start goes: medians, ms after the launch was asked for\n");
    println!("| step | bare app | Gatehouse | difference |");
    println!("|---|---|---|---|");
    for (step, value) in Timeline::STEPS {
        let median = |runs: &[Timeline]| stats(runs.iter().map(value).collect()).0;
        let (b, g) = (median(&timelines.0), median(&timelines.1));
        println!("| {step} | {b:.0} | {g:.0} | {:+.0} |", g - b);
    }
}

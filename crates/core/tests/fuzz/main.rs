//! A model-based fuzzer for the watcher, on the real filesystem and the real OS events.
//!
//! Each seed drives a fresh watcher with a random configuration (a `step` of 1 to 20 ms, so flushes land
//! in the middle of everything; native events, or polling for a third of the seeds) through random operations: writes, appends, deletes, file and directory
//! renames across directories and over existing entries, `mkdir -p`, `rm -rf`, symlinks, and bursts of
//! files in a new directory that is renamed while its events are still being read. At random quiet
//! points it writes a probe file into every directory on disk (an unwatched directory loses its probe),
//! then a sentinel, waits until the sentinel is reported, and requires the reported changes, applied in
//! order to the starting listing, to equal the disk: nothing missing, nothing extra, no entry without its
//! directory, no impossible report. Now and then the watcher's thread is held inside a flush while the
//! operations go on, so its events are read long after the disk changed (as on a loaded machine).
//!
//! The operations follow from the seed; the timing does not (the OS schedules), so a seed explores the
//! same operations under different interleavings each run. Seeds that once failed are kept in
//! `seeds.txt` and run every time.
//!
//! Environment: FUZZ_SEEDS (`1-10` or `3,17,42`; default 1-10), FUZZ_OPS (operations per seed, default
//! 150), FUZZ_BURST (largest burst, default 200). `npm test` runs the default; `node bench/fuzz.mjs`
//! runs a long one.

mod model;
mod ops;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Receiver};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use fastrand::Rng;
use watchfiles_core::{Output, WatchConfig, Watcher};

use model::{list, Model};
use ops::{Log, Ops};

fn seeds() -> Vec<u64> {
    let spec = std::env::var("FUZZ_SEEDS").unwrap_or_else(|_| "1-10".into());
    let mut out = Vec::new();
    for part in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => out.extend(a.parse::<u64>().expect("FUZZ_SEEDS")..=b.parse::<u64>().expect("FUZZ_SEEDS")),
            None => out.push(part.parse().expect("FUZZ_SEEDS")),
        }
    }
    out
}

/// Seeds that once failed, each with the operation count and burst size it failed at (or the run's).
fn kept_seeds() -> Vec<(u64, Option<usize>, Option<usize>)> {
    include_str!("seeds.txt")
        .lines()
        .filter_map(|l| l.split('#').next())
        .filter_map(|l| {
            let mut words = l.split_whitespace().map(str::parse::<u64>);
            let seed = words.next()?.ok()?;
            let mut size = || words.next().and_then(Result::ok).map(|n| n as usize);
            let (ops, burst) = (size(), size());
            Some((seed, ops, burst))
        })
        .collect()
}

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

struct Run {
    seed: u64,
    root: PathBuf,
    rx: Receiver<Output>,
    model: Model,
    errors: Vec<String>,
    batches: usize,
    rescans: usize,
}

impl Run {
    /// Applies batches until one reports `sentinel`.
    fn settle(&mut self, sentinel: &Path) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(Output::Batch(b)) => {
                    self.batches += 1;
                    self.rescans += b.rescan as usize;
                    self.model.apply(&b);
                    if b.changes.iter().any(|c| c.path == sentinel) {
                        return Ok(());
                    }
                }
                Ok(Output::Error(e)) => self.errors.push(format!("{:?}: {}", e.code, e.message)),
                Err(_) => return Err(format!("the sentinel {} was not reported within 20 s", sentinel.display())),
            }
        }
    }
}

fn fuzz_one(seed: u64, ops_per_seed: usize, burst: usize) -> Result<String, String> {
    let mut rng = Rng::with_seed(seed);
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap().join("root");
    fs::create_dir(&root).unwrap();
    let outside_file = dir.path().canonicalize().unwrap().join("outside.txt");
    fs::write(&outside_file, "outside").unwrap();

    let step = Duration::from_millis([1, 2, 5, 10, 20][rng.usize(..5)]);
    let follow = rng.bool();
    let mut ops = Ops { root: &root, rng: Rng::with_seed(seed ^ 0x9e37_79b9_7f4a_7c15), links_to_dirs: !follow, outside_file, burst, step };
    let mut log: Log = Vec::new();
    // A starting tree, so the initial walk is part of what is checked.
    for _ in 0..rng.usize(0..30) {
        ops.one(&mut log);
    }
    log.push("-- watcher starts".into());

    let mut cfg = WatchConfig::new(vec![root.clone()]);
    cfg.step = step;
    cfg.debounce = step * rng.u32(2..40);
    cfg.follow_symlinks = follow;
    // Quick flushes (engine/quick.rs) after 0-5 ms, taken from the seed and not the generator, so each
    // seed's operations stay what they were.
    cfg.quick_step = Duration::from_millis(seed % 6);
    // A third of the seeds poll instead (drawn apart, so each seed's operations stay what they were).
    let mut mode_rng = Rng::with_seed(seed ^ 0x5851_f42d_4c95_7f2d);
    if mode_rng.u8(..3) == 0 {
        cfg.force_polling = true;
        cfg.poll_delay = Duration::from_millis([5, 10, 25][mode_rng.usize(..3)]);
    }
    let config = format!(
        "step {step:?}, quick step {:?}, debounce {:?}, followSymlinks {follow}, {}",
        cfg.quick_step.min(step),
        cfg.debounce,
        if cfg.force_polling { format!("polling every {:?}", cfg.poll_delay) } else { "native events".into() }
    );
    let (tx, rx) = channel();
    // Stalls: now and then the watcher's thread is held inside a flush while operations go on, so the disk
    // runs far ahead of the event queue (as on a loaded machine) and events are read after the fact.
    let stall = Arc::new((Mutex::new(false), Condvar::new()));
    let gate = stall.clone();
    let mut watcher = Watcher::start(cfg, move |out| {
        let _ = tx.send(out);
        let (lock, cv) = &*gate;
        let mut held = lock.lock().unwrap();
        while *held {
            held = cv.wait(held).unwrap();
        }
    })
    .map_err(|e| format!("seed {seed}: the watcher did not start: {}", e.message))?;
    let mut run = Run { seed, root: root.clone(), rx, model: Model::new(list(&root)), errors: Vec::new(), batches: 0, rescans: 0 };

    let mut stall_rng = Rng::with_seed(seed ^ 0x2545_f491_4f6c_dd1d);
    let mut done = 0;
    let mut quiet = 0;
    while done < ops_per_seed {
        let until = done + rng.usize(5..40);
        while done < until.min(ops_per_seed) {
            if stall_rng.u8(..25) == 0 {
                set_stall(&stall, true);
                log.push("-- the watcher's thread is held in its next flush".into());
                for _ in 0..stall_rng.usize(2..8) {
                    ops.one(&mut log);
                    done += 1;
                }
                std::thread::sleep(step * 2 + Duration::from_millis(2));
                for _ in 0..stall_rng.usize(2..8) {
                    ops.one(&mut log);
                    done += 1;
                }
                set_stall(&stall, false);
                log.push("-- released".into());
                continue;
            }
            ops.one(&mut log);
            done += 1;
        }
        quiet += 1;
        // Every directory on disk gets a probe: one that is not watched under its current path loses it.
        for (p, is_dir) in list(&root) {
            if is_dir {
                let _ = fs::write(p.join("probe"), quiet.to_string());
            }
        }
        let sentinel = root.join(format!("quiet{quiet}"));
        fs::write(&sentinel, b"q").unwrap();
        log.push(format!("-- quiet point {quiet}"));
        let settled = run.settle(&sentinel);
        let mut problems = run.model.diff(&root, &list(&root));
        problems.extend(run.model.anomalies.drain(..).map(|a| format!("impossible report: {a}")));
        problems.extend(run.errors.drain(..).map(|e| format!("error reported: {e}")));
        if let Err(e) = settled {
            problems.insert(0, e);
        }
        if !problems.is_empty() {
            watcher.close();
            return Err(report(&run, &config, &problems, &log));
        }
    }
    watcher.close();
    Ok(format!(
        "seed {seed}: {done} operations, {quiet} quiet points, {} batches ({} rescans), {} entries at the end ({config})",
        run.batches,
        run.rescans,
        run.model.entries.len()
    ))
}

fn set_stall(stall: &(Mutex<bool>, Condvar), on: bool) {
    *stall.0.lock().unwrap() = on;
    stall.1.notify_all();
}

fn report(run: &Run, config: &str, problems: &[String], log: &Log) -> String {
    let shown: Vec<String> = problems.iter().take(25).map(|p| p.replace(&*run.root.to_string_lossy(), "")).collect();
    let tail: Vec<&String> = log.iter().rev().take(40).collect::<Vec<_>>().into_iter().rev().collect();
    format!(
        "seed {} FAILED ({config}): {} problem(s)\n  {}\nlast operations:\n  {}\n(keep the seed in crates/core/tests/fuzz/seeds.txt; rerun with FUZZ_SEEDS={})",
        run.seed,
        problems.len(),
        shown.join("\n  "),
        tail.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n  "),
        run.seed
    )
}

#[test]
fn reported_changes_always_rebuild_the_disk() {
    let ops = env_num("FUZZ_OPS", 150);
    let burst = env_num("FUZZ_BURST", 200);
    let mut all: Vec<(u64, usize, usize)> =
        kept_seeds().into_iter().map(|(seed, o, b)| (seed, o.unwrap_or(ops), b.unwrap_or(burst))).collect();
    for seed in seeds() {
        if !all.iter().any(|(s, _, _)| *s == seed) {
            all.push((seed, ops, burst));
        }
    }
    let mut failures = Vec::new();
    for &(seed, ops, burst) in &all {
        match fuzz_one(seed, ops, burst) {
            Ok(line) => println!("{line}"),
            Err(report) => {
                println!("{report}");
                failures.push(seed);
            }
        }
    }
    println!("fuzz: {} seeds, {} failed {:?}", all.len(), failures.len(), failures);
    assert!(failures.is_empty(), "failing seeds: {failures:?} (reports above)");
}

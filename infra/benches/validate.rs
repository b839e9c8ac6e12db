//! `cargo bench -p infra`: time of the static validate (every rule, isolation, parity) and of
//! rendering, over the shipped environments. Prints median, min and max of N runs.

use std::hint::black_box;
use std::time::{Duration, Instant};

fn measure(name: &str, runs: usize, mut f: impl FnMut()) {
    f(); // warm-up
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    println!(
        "{name:<32} median {:>9.3?}  min {:>9.3?}  max {:>9.3?}  ({runs} runs)",
        times[runs / 2],
        times[0],
        times[runs - 1]
    );
}

fn main() {
    let runs = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(200);
    measure("validate (build + rules + checks)", runs, || {
        let report = infra::validate(infra::environments::all());
        assert!(report.ok());
        black_box(report);
    });
    let envs = infra::validate(infra::environments::all()).environments;
    measure("render (both roots + READMEs)", runs, || {
        black_box(infra::render::files(&envs));
    });
}

//! `cargo bench -p xtask --bench live [-- RUNS]`: wall time of `test-s3` and `test-sqs` for
//! the shipped staging environment on a moto server this bench starts, with the resources built
//! from the model. Median, min and max of RUNS runs (default 10) of the real binary.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use xtask::aws::Aws;

#[path = "../tests/support/fixtures.rs"]
mod fixtures;

fn main() {
    let runs: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(10);
    let root = std::env::temp_dir().join(format!("mht-bench-{}", std::process::id()));
    // A project root is a directory holding infra/.
    std::fs::create_dir_all(root.join("infra")).unwrap();
    let project = xtask::project::Project::at(root.clone());
    let (emulator, _) = xtask::local::up(&project, None).expect("start moto");
    let endpoint = emulator.endpoint();
    let env = infra::environments::staging().build().unwrap();
    let aws = Aws::with_endpoint(&env, Some(endpoint.clone())).unwrap();
    fixtures::build_buckets(&aws, &env);
    fixtures::build_queues(&aws, &env);
    for task in ["test-s3", "test-sqs"] {
        let mut times: Vec<Duration> = (0..runs + 1)
            .map(|_| {
                let start = Instant::now();
                let status = Command::new(env!("CARGO_BIN_EXE_xtask"))
                    .args(["--local", task, "staging"])
                    .env("MHT_ROOT", &root)
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .unwrap();
                assert!(status.success(), "{task} failed on the fixtures");
                start.elapsed()
            })
            .skip(1)
            .collect();
        times.sort();
        println!(
            "{task:<10} staging on moto: median {:>7.0?}  min {:>7.0?}  max {:>7.0?}  ({runs} runs)",
            times[runs / 2],
            times[0],
            times[runs - 1]
        );
    }
    xtask::local::down(&project).unwrap();
    let _ = std::fs::remove_dir_all(&root);
}

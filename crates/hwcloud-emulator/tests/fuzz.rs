//! The short OpenAPI fuzz run of `cargo test` (and so of `.ci/run`): a few thousand requests
//! drawn from the exported OpenAPI documents, signed as the SDK signs them, over every
//! operation, with valid and invalid inputs, stateful sequences and two projects at once;
//! every answer is checked (see `fuzzkit/checks.rs`). The long run is
//! `cargo run --release -p hwcloud-emulator --example openapi_fuzz` (crate README).
//!
//! `HWCLOUD_FUZZ_SEED` replays a run, `HWCLOUD_FUZZ_REQUESTS` changes its length.

mod fuzzkit;

use fuzzkit::driver::{Config, run};
use fuzzkit::spec::Spec;
use fuzzkit::summary::render;

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|s| s.trim().parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn openapi_fuzz_short_run() {
    let cfg = Config {
        requests: env_u64("HWCLOUD_FUZZ_REQUESTS").map_or(4000, |n| n as usize),
        seed: env_u64("HWCLOUD_FUZZ_SEED").unwrap_or(0x5eed_2024),
        workers: 4,
        clock_step_secs: 2.0,
        data_dir: None,
    };
    let report = run(cfg.clone()).await.expect("the fuzz run starts");
    let text = render(&report, "-");
    eprintln!("{text}");
    assert_eq!(report.failure_count, 0, "{text}");
    assert_eq!(report.requests, cfg.requests as u64);
    // Every operation of both documents was called, with valid and with invalid inputs.
    let spec = Spec::load().unwrap();
    for op in &spec.operations {
        let st = report
            .per_op
            .get(&op.id)
            .unwrap_or_else(|| panic!("{} never called", op.id));
        for class in ["valid", "invalid", "cross-project"] {
            assert!(
                st.by_class.get(class).is_some_and(|n| *n > 0),
                "{} had no {class} request\n{text}",
                op.id
            );
        }
    }
    let served: u64 = report
        .by_status
        .iter()
        .filter(|(c, _)| (200..300).contains(*c))
        .map(|(_, n)| n)
        .sum();
    assert!(
        served * 10 >= report.requests,
        "only {served} answers were 2xx\n{text}"
    );
}

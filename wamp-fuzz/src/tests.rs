//! Tests of the harness itself.

use super::*;

#[test]
fn a_short_run_finds_nothing() {
    let report = run(
        Config {
            frames: 2000,
            seed: 1,
            threads: 1,
            target: Target::All,
            frames_per_case: FRAMES_PER_CASE,
            stack: 2 << 20,
        },
        Duration::from_secs(3600),
        |_| {},
    );
    assert_eq!(report.counts.frames, 2000);
    assert!(report.counts.decode_ok > 0 && report.counts.decode_err > 0);
    assert!(report.counts.core_inputs > 0 && report.counts.core_sent > 0);
    assert!(report.failures.is_empty(), "{:#?}", report.failures);
}

#[test]
fn a_panic_becomes_its_message() {
    let caught = guard(|| -> u8 { panic!("boom {}", 42) });
    let message = caught.expect_err("a panic");
    assert!(message.starts_with("boom 42 at "), "{message}");
}

#[test]
fn a_case_replays_from_its_seed() {
    let run = |seed| {
        let mut trace = Vec::new();
        let r = run_case(seed, Target::All, 50, Some(&mut trace));
        (r.counts, trace.len())
    };
    assert_eq!(run(case_seed(7, 3)), run(case_seed(7, 3)));
}

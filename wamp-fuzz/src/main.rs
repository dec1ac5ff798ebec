//! `wamp-fuzz`: the fuzz harness's command line. See the library docs.

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use wamp_fuzz::{Config, FRAMES_PER_CASE, FailureKind, Target, quiet_panics, run, run_case};

#[derive(Debug, Clone, Copy, ValueEnum)]
enum TargetArg {
    /// The decoders of the three serializers only.
    Decoders,
    /// The router core, with frames mutated in structure only.
    Core,
    /// The decoders, then the router core.
    All,
}

/// Seeded, structure-aware fuzzing of the WAMP decoders (JSON, MessagePack,
/// CBOR) and of the router core. Exits non-zero on any failure.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Frames to generate in all.
    #[arg(long, default_value_t = 100_000)]
    frames: u64,
    /// Seed of the run (each case's seed derives from it); random if absent.
    #[arg(long)]
    seed: Option<u64>,
    /// Replays one case from its seed, printing every frame and outcome.
    #[arg(long, value_name = "SEED")]
    replay: Option<u64>,
    /// Worker threads.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// What the frames are fed to.
    #[arg(long, value_enum, default_value = "all")]
    target: TargetArg,
    /// Frames per case (per seed).
    #[arg(long, default_value_t = FRAMES_PER_CASE)]
    case_frames: usize,
    /// Stack of each worker thread in KiB (2048: a Tokio worker's).
    #[arg(long, default_value_t = 2048)]
    stack_kib: usize,
    /// Seconds between progress lines on stderr (0: none).
    #[arg(long, default_value_t = 10)]
    progress: u64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let target = match args.target {
        TargetArg::Decoders => Target::Decoders,
        TargetArg::Core => Target::Core,
        TargetArg::All => Target::All,
    };
    if let Some(seed) = args.replay {
        let mut trace = Vec::new();
        let r = run_case(seed, target, args.case_frames, Some(&mut trace));
        for line in &trace {
            println!("{line}");
        }
        println!("{:?}", r.counts);
        return match r.failure {
            Some(f) => {
                println!(
                    "FAILED at frame {} ({:?} in {}): {}",
                    f.frame, f.kind, f.stage, f.message
                );
                ExitCode::FAILURE
            }
            None => {
                println!("seed {seed}: no failure");
                ExitCode::SUCCESS
            }
        };
    }
    let seed = args.seed.unwrap_or_else(rand::random);
    quiet_panics();
    let config = Config {
        frames: args.frames,
        seed,
        threads: args.threads,
        target,
        frames_per_case: args.case_frames,
        stack: args.stack_kib << 10,
    };
    eprintln!(
        "wamp-fuzz: {} frames, seed {seed}, target {:?}, {} thread(s), {} frames per case",
        args.frames, args.target, args.threads, args.case_frames
    );
    let every = Duration::from_secs(if args.progress == 0 {
        u64::MAX / 4
    } else {
        args.progress
    });
    let start = std::time::Instant::now();
    let report = run(config, every, |done| {
        let secs = start.elapsed().as_secs_f64();
        eprintln!(
            "  {done} frames in {secs:.0} s ({:.0} frames/s)",
            done as f64 / secs
        );
    });
    let target_name = match args.target {
        TargetArg::Decoders => "decoders",
        TargetArg::Core => "core",
        TargetArg::All => "all",
    };
    let c = &report.counts;
    for f in report.failures.iter().take(50) {
        println!(
            "FAILURE seed {} frame {} {:?} in {}: {}\n  replay: cargo run -p wamp-fuzz -- --replay {} --target {} --case-frames {}",
            f.seed, f.frame, f.kind, f.stage, f.message, f.seed, target_name, args.case_frames
        );
    }
    if report.failures.len() > 50 {
        println!("… and {} more failures", report.failures.len() - 50);
    }
    println!(
        "cases {}, decoded {} ok / {} refused, mutated {}; core: {} inputs, {} refused, {} sent ({} INVOCATION, {} RESULT, {} EVENT, {} ERROR), {} not encodable for their receiver",
        c.cases,
        c.decode_ok,
        c.decode_err,
        c.mutated,
        c.core_inputs,
        c.core_refused,
        c.core_sent,
        c.invocations,
        c.results,
        c.events,
        c.errors,
        c.core_encode_errors
    );
    let seeds: Vec<String> = report
        .failures
        .iter()
        .take(20)
        .map(|f| f.seed.to_string())
        .collect();
    println!(
        "fuzz: {} frames in {:.1} s ({:.0} frames/s), {} panics, {} invariant violations, {} roundtrip failures, {} differential failures, seed {seed}{}",
        c.frames,
        report.elapsed.as_secs_f64(),
        report.rate(),
        report.panics(),
        report.count(FailureKind::Invariant),
        report.count(FailureKind::Roundtrip),
        report.count(FailureKind::Differential),
        if seeds.is_empty() {
            String::new()
        } else {
            format!(", failing seeds {}", seeds.join(" "))
        }
    );
    if report.failures.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

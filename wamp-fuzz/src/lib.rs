//! A fuzz harness for stable Rust: seeded, structure-aware mutation of WAMP
//! frames in all three serializers (JSON, MessagePack, CBOR), fed to the
//! decoders and to the sans-I/O router core.
//!
//! Every case is one seed: a [`StdRng`] seeded with it generates the case's
//! frames (and, for the router core, its sessions, clock steps and leaves),
//! so any failure replays from the seed alone (`--replay SEED`). Per frame:
//!
//! 1. a valid message of one of the 25 types is built as a value tree
//!    ([`generate`]), with plausible fields: the URIs the router knows, IDs at
//!    the edges of their range or seen in the router's output, options with
//!    their real keys, nested arguments with binary values;
//! 2. about half of the frames are mutated: the tree ([`mutate::structure`]:
//!    wrong types, missing or extra elements, deep nesting, long strings,
//!    non-string keys, tags, invalid UTF-8), then the encoded bytes
//!    ([`mutate::bytes`]: flips, truncation, splicing, length fields);
//! 3. the frame is decoded (a panic is a failure; sometimes by another
//!    serializer's decoder); an unmutated message is also encoded with the
//!    serializer's other choices (CBOR indefinite lengths, wide integers,
//!    short floats, JSON spaces) and must decode the same; a message that
//!    decodes has its payload read every way a client reads one (typed,
//!    element by element, as values), must decode back to itself once
//!    re-encoded in its serializer, and must survive transcoding to the two
//!    others (as the router transcodes for receivers);
//! 4. the router core ([`wamp::router::fuzz_entry::FuzzRealm`]) handles it
//!    from one of its sessions, checking its invariants after every input;
//!    at the end of the case every session leaves and the realm must be
//!    empty.

mod decode_checks;
pub mod fv;
pub mod generate;
pub mod mutate;

use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, Once};
use std::time::{Duration, Instant};

use bytes::Bytes;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use wamp::SerializerKind;
use wamp::router::fuzz_entry::FuzzRealm;

use decode_checks::{read_payload, roundtrip};
use fv::Style;
use generate::{CLIENT_CODES, CODES, Gen, Hints, pick};

/// What the frames are fed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The decoders of the three serializers only.
    Decoders,
    /// The router core: frames mutated in structure only (no byte-level
    /// mutation), so that more of them decode and reach it.
    Core,
    /// The decoders, then the router core.
    All,
}

/// Frames per case by default: one seed drives this many frames (and, for
/// the router core, one realm through them).
pub const FRAMES_PER_CASE: usize = 200;

/// Session slots of the realm of one case.
const SLOTS: usize = 6;

/// Counters of a run.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    /// Cases run.
    pub cases: u64,
    /// Frames decoded.
    pub frames: u64,
    /// Frames that decoded into a message.
    pub decode_ok: u64,
    /// Frames the decoder refused.
    pub decode_err: u64,
    /// Frames that were mutated.
    pub mutated: u64,
    /// Messages the router core handled.
    pub core_inputs: u64,
    /// Messages the router core refused (the shell would ABORT).
    pub core_refused: u64,
    /// Messages the router core sent.
    pub core_sent: u64,
    /// Sent messages the recipient's serializer could not encode.
    pub core_encode_errors: u64,
    /// INVOCATIONs the router core sent.
    pub invocations: u64,
    /// RESULTs the router core sent.
    pub results: u64,
    /// EVENTs the router core sent.
    pub events: u64,
    /// ERRORs the router core sent.
    pub errors: u64,
}

impl Counts {
    fn add(&mut self, o: &Counts) {
        self.cases += o.cases;
        self.frames += o.frames;
        self.decode_ok += o.decode_ok;
        self.decode_err += o.decode_err;
        self.mutated += o.mutated;
        self.core_inputs += o.core_inputs;
        self.core_refused += o.core_refused;
        self.core_sent += o.core_sent;
        self.core_encode_errors += o.core_encode_errors;
        self.invocations += o.invocations;
        self.results += o.results;
        self.events += o.events;
        self.errors += o.errors;
    }
}

/// What went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// Something panicked.
    Panic,
    /// The router core broke an invariant.
    Invariant,
    /// A decoded message did not survive re-encoding.
    Roundtrip,
    /// Two encodings of one message (definite or indefinite lengths, narrow
    /// or wide integers, ...) decoded differently.
    Differential,
}

/// One failed case.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The case's seed (`--replay SEED`).
    pub seed: u64,
    /// The frame of the case it happened at.
    pub frame: usize,
    /// What failed.
    pub kind: FailureKind,
    /// Where: `decode json`, `core`, ...
    pub stage: String,
    /// The panic message or the broken invariant.
    pub message: String,
}

/// The outcome of one case.
#[derive(Debug, Default)]
pub struct CaseResult {
    /// Its counters.
    pub counts: Counts,
    /// Its failure, which ended it.
    pub failure: Option<Failure>,
}

thread_local! {
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// Installs (once) a panic hook that, inside the harness's guard, prints
/// nothing and keeps the message and location for the report; other panics
/// go to the previous hook.
pub fn quiet_panics() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !QUIET.with(Cell::get) {
                return previous(info);
            }
            let payload = info.payload();
            let text = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(non-string panic payload)".into());
            let at = info
                .location()
                .map(|l| format!(" at {}:{}", l.file(), l.line()))
                .unwrap_or_default();
            LAST_PANIC.with(|p| *p.borrow_mut() = Some(format!("{text}{at}")));
        }));
    });
}

/// Runs `f`, turning a panic into its message.
fn guard<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    quiet_panics();
    QUIET.with(|q| q.set(true));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(false));
    result.map_err(|_| {
        LAST_PANIC
            .with(|p| p.borrow_mut().take())
            .unwrap_or_else(|| "panic (message not captured)".into())
    })
}

/// The seed of case `index` of a run seeded with `base` (SplitMix64).
pub fn case_seed(base: u64, index: u64) -> u64 {
    let mut z = base.wrapping_add(index.wrapping_add(1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn kind_of(rng: &mut StdRng) -> SerializerKind {
    *pick(rng, &SerializerKind::ALL)
}

fn hex(bytes: &[u8]) -> String {
    let shown: String = bytes.iter().take(160).map(|b| format!("{b:02x}")).collect();
    if bytes.len() > 160 {
        format!("{shown}… ({} bytes)", bytes.len())
    } else {
        shown
    }
}

/// Runs one case of `frames` frames; with `trace`, records every step.
pub fn run_case(
    seed: u64,
    target: Target,
    frames: usize,
    mut trace: Option<&mut Vec<String>>,
) -> CaseResult {
    let mut res = CaseResult::default();
    res.counts.cases = 1;
    let fail = |frame, kind, stage: &str, message: String| {
        Some(Failure {
            seed,
            frame,
            kind,
            stage: stage.to_owned(),
            message,
        })
    };
    let mut rng = StdRng::seed_from_u64(seed);
    let mut realm = None;
    if target != Target::Decoders {
        match guard(|| FuzzRealm::new(seed, SLOTS)) {
            Ok(Ok(r)) => realm = Some(r),
            Ok(Err(v)) => {
                res.failure = fail(0, FailureKind::Invariant, "core join", v.0);
                return res;
            }
            Err(p) => {
                res.failure = fail(0, FailureKind::Panic, "core join", p);
                return res;
            }
        }
    }
    let mut previous: Vec<u8> = Vec::new();
    for i in 0..frames {
        let mut slot = rng.random_range(0..SLOTS);
        // Time passes, sessions leave (they rejoin on their next message).
        if let Some(r) = realm.as_mut() {
            let step = match rng.random_range(0..100) {
                0..=3 => {
                    let by = Duration::from_millis(*pick(
                        &mut rng,
                        &[0, 1, 999, 1000, 10_000, 60_000, 3_600_000],
                    ));
                    if let Some(t) = trace.as_deref_mut() {
                        t.push(format!("#{i} advance {by:?}"));
                    }
                    Some(("core expire", guard(|| r.advance(by))))
                }
                4 => {
                    if let Some(t) = trace.as_deref_mut() {
                        t.push(format!("#{i} slot {slot} leaves"));
                    }
                    Some(("core leave", guard(|| r.leave(slot))))
                }
                _ => None,
            };
            match step {
                Some((stage, Err(p))) => {
                    res.failure = fail(i, FailureKind::Panic, stage, p);
                    return res;
                }
                Some((stage, Ok(Err(v)))) => {
                    res.failure = fail(i, FailureKind::Invariant, stage, v.0);
                    return res;
                }
                _ => {}
            }
        }
        let ids: Vec<u64> = realm
            .as_ref()
            .map(|r| r.known_ids().to_vec())
            .unwrap_or_default();
        let kind = match &realm {
            Some(r) if rng.random_bool(0.9) => r.serializer(slot),
            _ => kind_of(&mut rng),
        };
        if realm.is_some() {
            // The message comes from a session of that serializer.
            while realm.as_ref().is_some_and(|r| r.serializer(slot) != kind) {
                slot = (slot + 1) % SLOTS;
            }
        }
        let style = Style {
            indefinite: rng.random_bool(0.1),
            wide: rng.random_bool(0.05),
            short_floats: rng.random_bool(0.3),
            spaces: rng.random_bool(0.1),
        };
        // 0-9: as generated, 10-15 and 19: structure mutated, 16-19: bytes.
        let mode = match target {
            Target::Core => rng.random_range(0..16),
            _ => rng.random_range(0..20),
        };
        let mut g = Gen::new(&mut rng, Hints { ids: &ids });
        let code = if realm.is_some() && g.rng.random_bool(0.97) {
            *pick(g.rng, &CLIENT_CODES)
        } else {
            *pick(g.rng, &CODES)
        };
        let mut tree = g.message(code);
        let mut applied = Vec::new();
        if (10..16).contains(&mode) || mode == 19 {
            for _ in 0..g.rng.random_range(1..=3) {
                applied.push(mutate::structure(&mut g, &mut tree));
            }
        }
        let mut frame = tree.encode(kind, style);
        // An unmutated message also goes in the other encoding choices of its
        // serializer (indefinite lengths, wide integers, short floats,
        // spaces): it must decode to the same message, or fail in both.
        let alternative = (mode < 10).then(|| {
            let alt = Style {
                indefinite: !style.indefinite,
                wide: !style.wide,
                short_floats: !style.short_floats,
                spaces: !style.spaces,
            };
            tree.encode(kind, alt)
        });
        drop(tree);
        if mode >= 16 {
            for _ in 0..rng.random_range(1..=4) {
                applied.push(mutate::bytes(&mut rng, &mut frame, &previous));
            }
        }
        // Sometimes another serializer's decoder reads the frame.
        let decoder = if target != Target::Core && rng.random_bool(0.05) {
            kind_of(&mut rng)
        } else {
            kind
        };
        if !applied.is_empty() {
            res.counts.mutated += 1;
        }
        if let Some(t) = trace.as_deref_mut() {
            t.push(format!(
                "#{i} slot {slot} {kind} frame (code {code}, mutations {applied:?}, decoded by {decoder}): {}",
                hex(&frame)
            ));
        }
        res.counts.frames += 1;
        let bytes = Bytes::from(frame.clone());
        let decoded = match guard(|| decoder.decode(bytes)) {
            Ok(d) => d,
            Err(p) => {
                res.failure = fail(i, FailureKind::Panic, &format!("decode {decoder}"), p);
                return res;
            }
        };
        previous = frame;
        if let Some(alt) = alternative.filter(|_| decoder == kind) {
            let other = match guard(|| kind.decode(Bytes::from(alt))) {
                Ok(d) => d,
                Err(p) => {
                    res.failure = fail(i, FailureKind::Panic, &format!("decode {kind}"), p);
                    return res;
                }
            };
            let same = match (&decoded, &other) {
                (Ok(a), Ok(b)) => a == b,
                (Err(_), Err(_)) => true,
                _ => false,
            };
            if !same {
                res.failure = fail(
                    i,
                    FailureKind::Differential,
                    &format!("decode {kind}"),
                    format!(
                        "two encodings of one message decode differently: {decoded:?} vs {other:?}"
                    ),
                );
                return res;
            }
        }
        let msg = match decoded {
            Ok(m) => m,
            Err(e) => {
                res.counts.decode_err += 1;
                if let Some(t) = trace.as_deref_mut() {
                    t.push(format!("#{i}   refused: {e}"));
                }
                continue;
            }
        };
        res.counts.decode_ok += 1;
        if let Some(t) = trace.as_deref_mut() {
            t.push(format!("#{i}   decoded: {msg:?}"));
        }
        if let Err(p) = guard(|| read_payload(&msg)) {
            res.failure = fail(i, FailureKind::Panic, &format!("payload {decoder}"), p);
            return res;
        }
        match guard(|| roundtrip(decoder, &msg)) {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                res.failure = fail(
                    i,
                    FailureKind::Roundtrip,
                    &format!("roundtrip {decoder}"),
                    e,
                );
                return res;
            }
            Err(p) => {
                res.failure = fail(i, FailureKind::Panic, &format!("re-encode {decoder}"), p);
                return res;
            }
        }
        let Some(r) = realm.as_mut() else { continue };
        res.counts.core_inputs += 1;
        match guard(|| r.handle(slot, msg)) {
            Ok(Ok(step)) => {
                res.counts.core_refused += u64::from(step.refused);
                res.counts.core_sent += step.sent as u64;
                res.counts.core_encode_errors += step.encode_errors as u64;
                res.counts.invocations += step.invocations as u64;
                res.counts.results += step.results as u64;
                res.counts.events += step.events as u64;
                res.counts.errors += step.errors as u64;
                if let Some(t) = trace.as_deref_mut() {
                    t.push(format!("#{i}   core: {step:?}"));
                }
            }
            Ok(Err(v)) => {
                res.failure = fail(i, FailureKind::Invariant, "core", v.0);
                return res;
            }
            Err(p) => {
                res.failure = fail(i, FailureKind::Panic, "core", p);
                return res;
            }
        }
    }
    if let Some(r) = realm {
        match guard(|| r.finish()) {
            Ok(Ok(())) => {}
            Ok(Err(v)) => res.failure = fail(frames, FailureKind::Invariant, "core finish", v.0),
            Err(p) => res.failure = fail(frames, FailureKind::Panic, "core finish", p),
        }
    }
    res
}

/// How to run.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    /// Frames in all.
    pub frames: u64,
    /// The run's seed; case `i` runs with [`case_seed`]`(seed, i)`.
    pub seed: u64,
    /// Worker threads.
    pub threads: usize,
    /// What the frames are fed to.
    pub target: Target,
    /// Frames per case.
    pub frames_per_case: usize,
    /// Stack of each worker thread, in bytes (a router's Tokio worker has 2 MiB).
    pub stack: usize,
}

/// The outcome of a run.
#[derive(Debug, Default)]
pub struct Report {
    /// Summed counters.
    pub counts: Counts,
    /// Every failed case, by seed.
    pub failures: Vec<Failure>,
    /// Wall-clock time.
    pub elapsed: Duration,
}

impl Report {
    /// Failures that are panics.
    pub fn panics(&self) -> usize {
        self.count(FailureKind::Panic)
    }

    /// Failures of a kind.
    pub fn count(&self, kind: FailureKind) -> usize {
        self.failures.iter().filter(|f| f.kind == kind).count()
    }

    /// Frames per second.
    pub fn rate(&self) -> f64 {
        self.counts.frames as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// Runs `config.frames` frames over worker threads; `progress` is called
/// about every `every` with the frames done so far (from the calling thread).
pub fn run(config: Config, every: Duration, mut progress: impl FnMut(u64)) -> Report {
    let per_case = config.frames_per_case.max(1) as u64;
    let cases = config.frames.div_ceil(per_case);
    let next = AtomicU64::new(0);
    let done = AtomicU64::new(0);
    let total = Mutex::new(Report::default());
    let start = Instant::now();
    std::thread::scope(|s| {
        let mut workers = Vec::new();
        for _ in 0..config.threads.max(1) {
            let worker = std::thread::Builder::new()
                .name("fuzz".into())
                .stack_size(config.stack)
                .spawn_scoped(s, || {
                    let mut counts = Counts::default();
                    let mut failures = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= cases {
                            break;
                        }
                        let frames = per_case.min(config.frames - i * per_case) as usize;
                        let r = run_case(case_seed(config.seed, i), config.target, frames, None);
                        counts.add(&r.counts);
                        done.fetch_add(r.counts.frames, Ordering::Relaxed);
                        failures.extend(r.failure);
                    }
                    let mut t = total.lock().unwrap_or_else(|e| e.into_inner());
                    t.counts.add(&counts);
                    t.failures.extend(failures);
                })
                .expect("spawn a fuzz worker");
            workers.push(worker);
        }
        let mut last = Instant::now();
        while !workers.iter().all(|w| w.is_finished()) {
            std::thread::sleep(Duration::from_millis(50));
            if last.elapsed() >= every {
                last = Instant::now();
                progress(done.load(Ordering::Relaxed));
            }
        }
    });
    let mut report = total.into_inner().unwrap_or_else(|e| e.into_inner());
    report.elapsed = start.elapsed();
    report.failures.sort_by_key(|f| f.seed);
    report
}

#[cfg(test)]
mod tests;

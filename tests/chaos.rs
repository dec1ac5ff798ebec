//! Chaos tests over real processes: the standalone router and Crossbar.io
//! killed with `kill -9` under load and started again, a callee frozen with
//! SIGSTOP and replaced, and three processes of one component sharing a
//! procedure round-robin on Crossbar.io while one of them is killed.
//!
//! The components are `tests/bin/chaos_component.rs`, a user's binary
//! (annotated functions served by a `wamp::Component`) that reports every
//! call it executes on stdout. A caller in the test keeps a steady load with a
//! bounded number of calls in flight, each with a unique id, each waited for
//! at most [`CALL_BOUND`]. Every scenario runs within [`SCENARIO_TIMEOUT`] and
//! prints one figures line:
//!
//! ```text
//! chaos: <scenario>: reregistered in 1.84 s; calls ok 812, failed with error 3, lost 0, executed twice 0 (...)
//! ```
//!
//! and asserts that no call was lost (hung) or executed twice, and its time
//! bound. The scenarios run one at a time (they measure times on 2 cores).
//!
//! Needs the `wamp-router` binary (built by `cargo test --workspace`, or
//! `cargo build -p wamp-router`, or `$WAMP_ROUTER_BIN`) and Crossbar.io from
//! `scripts/interop-install.sh` (or `$WAMP_INTEROP_DIR`); fails when either
//! is missing.

use std::collections::HashMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use wamp::{ErrorKind, Payload, PublishOptions};
use wamp_tests::chaos::{
    CallRecord, ComponentProc, Figures, Load, LoadConfig, Outcome, RouterProc, executions,
    join_retrying, wait_all_registered,
};
use wamp_tests::interop::scratch;

/// The component binary.
const COMPONENT: &str = env!("CARGO_BIN_EXE_chaos-component");
const REALM: &str = "realm1";

/// Longest run of one scenario; past it the scenario fails and its processes
/// are killed.
const SCENARIO_TIMEOUT: Duration = Duration::from_secs(90);
/// A call without an answer after this long is lost (it hung).
const CALL_BOUND: Duration = Duration::from_secs(10);
/// Calls in flight at once.
const IN_FLIGHT: usize = 4;
/// Milliseconds a callee works on one call (so that calls are in flight when
/// something dies).
const WORK_MS: u64 = 20;
/// How long the load runs before and after each fault.
const STEADY: Duration = Duration::from_millis(1500);

/// Every component is back with all its registrations and subscriptions
/// within this time of its router's return (the issue's figure).
const REREGISTER_BOUND: Duration = Duration::from_secs(5);
/// How long the router stays dead.
const DOWN_TIME: Duration = Duration::from_millis(500);

/// The router's keepalive in the freeze scenario (`[keepalive]`).
const KEEPALIVE_INTERVAL_SECS: f64 = 1.0;
const KEEPALIVE_TIMEOUT_SECS: f64 = 1.0;
/// The replacement's backoff in the freeze scenario: its registration is
/// refused while the frozen callee holds the procedure, so it stays joined
/// and retries that registration every `FREEZE_RETRY_MAX_MS`
/// (`--register-retry-ms`); reconnections use the same cap.
const FREEZE_RETRY_INITIAL_MS: u64 = 250;
const FREEZE_RETRY_MAX_MS: u64 = 500;
/// Connecting, joining and registering once the procedure is free.
const JOIN_ALLOWANCE: Duration = Duration::from_millis(500);

/// The replacement serves within the router's keepalive time (a silent peer
/// is dropped at most `2 × interval + timeout` after it last sent something,
/// see `wamp::router::KeepaliveConfig`) plus one backoff step, plus the time
/// to join and register.
fn freeze_bound() -> Duration {
    Duration::from_secs_f64(2.0 * KEEPALIVE_INTERVAL_SECS + KEEPALIVE_TIMEOUT_SECS)
        + Duration::from_millis(FREEZE_RETRY_MAX_MS)
        + JOIN_ALLOWANCE
}

/// After a killed round-robin callee, calls sent this long after the kill all
/// go to the survivors.
const TAKEOVER: Duration = Duration::from_secs(1);

static SERIAL: Mutex<()> = Mutex::new(());

/// Runs one scenario alone, on its own runtime, within [`SCENARIO_TIMEOUT`];
/// a scenario that times out is dropped, which kills its processes.
fn scenario<F: Future<Output = ()>>(name: &str, body: impl FnOnce(PathBuf) -> F) {
    let _alone = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = scratch();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let started = Instant::now();
    let path = dir.path().to_owned();
    let done = rt.block_on(async move { tokio::time::timeout(SCENARIO_TIMEOUT, body(path)).await });
    rt.shutdown_timeout(Duration::from_secs(5));
    assert!(
        done.is_ok(),
        "chaos: {name}: did not finish within {SCENARIO_TIMEOUT:?}"
    );
    println!(
        "chaos: {name}: ran in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

fn load(url: &str, procedures: Vec<String>, in_flight: usize, work_ms: u64) -> Load {
    Load::start(LoadConfig {
        url: url.to_owned(),
        realm: REALM.into(),
        procedures,
        in_flight,
        work_ms,
        call_bound: CALL_BOUND,
    })
}

/// Waits until each instance answered a call sent after `since`.
async fn wait_all_serve(load: &Load, names: &[&str], since: Instant, within: Duration) {
    for name in names {
        load.wait_served_by(name, since, within)
            .await
            .unwrap_or_else(|| panic!("{name} served no call within {within:?}"));
    }
}

/// Lets the reader threads take in what the components printed last.
async fn settle_output() {
    tokio::time::sleep(Duration::from_millis(300)).await;
}

fn describe(records: &[&CallRecord]) -> String {
    records
        .iter()
        .take(10)
        .map(|r| format!("call {} ({}): {:?}", r.id, r.procedure, r.outcome))
        .collect::<Vec<_>>()
        .join("; ")
}

/// Three components on `router`, each with its own procedure and topic, under
/// load; the router is killed with `kill -9` and started again on its port.
async fn restart_under_load(name: &str, dir: &Path, mut router: RouterProc) {
    let url = router.url();
    let names = ["a", "b", "c"];
    // The library's default backoff: what a user's component does.
    let mut components: Vec<ComponentProc> = names
        .iter()
        .map(|n| {
            let prefix = format!("chaos.{n}.");
            let a = args(&["--url", &url, "--prefix", &prefix]);
            ComponentProc::spawn(COMPONENT, dir, n, &a)
        })
        .collect();
    for c in &mut components {
        c.wait_joins(1, Duration::from_secs(30)).await;
    }
    let procedures: Vec<String> = names.iter().map(|n| format!("chaos.{n}.work")).collect();
    let topics: Vec<String> = names.iter().map(|n| format!("chaos.{n}.tick")).collect();

    let load = load(&url, procedures.clone(), IN_FLIGHT, WORK_MS);
    wait_all_serve(&load, &names, Instant::now(), Duration::from_secs(20)).await;
    tokio::time::sleep(STEADY).await;

    let crash = Instant::now();
    router.kill9();
    tokio::time::sleep(DOWN_TIME).await;
    let back = router.restart().await;
    let observer = join_retrying(&url, REALM, Duration::from_secs(10)).await;
    let all_back = wait_all_registered(
        &observer,
        &procedures,
        &topics,
        REREGISTER_BOUND + Duration::from_secs(20),
    )
    .await
    .unwrap_or_else(|| {
        panic!(
            "{name}: the components did not register again within {:?} of the router's return",
            REREGISTER_BOUND + Duration::from_secs(20)
        )
    });
    let reregistered = all_back - back;
    for c in &mut components {
        c.wait_joins(2, Duration::from_secs(5)).await;
    }
    // The subscriptions work again: an event reaches every component.
    for (i, topic) in topics.iter().enumerate() {
        let marker = 1000 + i as u64;
        let options = PublishOptions {
            acknowledge: true,
            ..PublishOptions::default()
        };
        observer
            .publish_with(topic, Payload::from_args(&(marker,)).unwrap(), options)
            .await
            .unwrap_or_else(|e| panic!("{name}: publishing to {topic}: {e}"));
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    for (i, c) in components.iter_mut().enumerate() {
        let marker = 1000 + i as u64;
        while !c.events().contains(&marker) {
            assert!(
                Instant::now() < deadline,
                "{name}: component {} did not receive the event after the restart",
                c.name
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    wait_all_serve(&load, &names, all_back, Duration::from_secs(10)).await;
    tokio::time::sleep(STEADY).await;
    let records = load.finish().await;
    observer.leave().await;
    settle_output().await;

    let f = Figures::of(&records, &executions(&mut components));
    let in_flight: Vec<&CallRecord> = records.iter().filter(|r| r.in_flight_at(crash)).collect();
    println!(
        "{}",
        f.line(
            name,
            &format!(
                "reregistered in {:.2} s (router back {:.2} s after the kill); \
                 {} calls in flight at the crash",
                reregistered.as_secs_f64(),
                (back - crash).as_secs_f64(),
                in_flight.len()
            )
        )
    );
    f.assert_exact(name);
    let hung_or_odd: Vec<&CallRecord> = in_flight
        .iter()
        .copied()
        .filter(|r| {
            !matches!(
                r.outcome,
                Outcome::Ok(_) | Outcome::Failed(_, ErrorKind::Transport | ErrorKind::Closed)
            )
        })
        .collect();
    assert!(
        hung_or_odd.is_empty(),
        "{name}: calls in flight at the crash must end with a transport error: {}",
        describe(&hung_or_odd)
    );
    let failed_after: Vec<&CallRecord> = records
        .iter()
        .filter(|r| r.sent > all_back && !matches!(r.outcome, Outcome::Ok(_)))
        .collect();
    assert!(
        failed_after.is_empty(),
        "{name}: calls sent once everything was registered again failed: {}",
        describe(&failed_after)
    );
    assert!(
        reregistered <= REREGISTER_BOUND,
        "{name}: components back {reregistered:?} after the router's return (bound {REREGISTER_BOUND:?})"
    );
}

#[test]
fn standalone_router_killed_under_load() {
    scenario("standalone router kill -9", |dir| async move {
        let dir = dir.as_path();
        let config = "[[listener]]\naddress = \"127.0.0.1:1\"\n\n[[realm]]\nname = \"realm1\"\n";
        let router = RouterProc::standalone(dir, config).await;
        restart_under_load("standalone router kill -9", dir, router).await;
    });
}

#[test]
fn crossbar_killed_under_load() {
    scenario("crossbar kill -9", |dir| async move {
        let dir = dir.as_path();
        let router = RouterProc::crossbar(dir).await;
        restart_under_load("crossbar kill -9", dir, router).await;
    });
}

#[test]
fn frozen_callee_is_replaced() {
    let name = "frozen callee (SIGSTOP)";
    scenario(name, |dir| async move {
        let dir = dir.as_path();
        let config = format!(
            "[[listener]]\naddress = \"127.0.0.1:1\"\n\n[[realm]]\nname = \"realm1\"\n\n\
             [keepalive]\ninterval_secs = {KEEPALIVE_INTERVAL_SECS}\ntimeout_secs = {KEEPALIVE_TIMEOUT_SECS}\n"
        );
        let router = RouterProc::standalone(dir, &config).await;
        let url = router.url();
        let initial = FREEZE_RETRY_INITIAL_MS.to_string();
        let max = FREEZE_RETRY_MAX_MS.to_string();
        let a = args(&[
            "--url",
            &url,
            "--prefix",
            "chaos.svc.",
            "--retry-initial-ms",
            &initial,
            "--retry-max-ms",
            &max,
            "--register-retry-ms",
            &max,
        ]);
        let mut frozen = ComponentProc::spawn(COMPONENT, dir, "frozen", &a);
        frozen.wait_joins(1, Duration::from_secs(30)).await;
        let load = load(&url, vec!["chaos.svc.work".into()], IN_FLIGHT, WORK_MS);
        wait_all_serve(&load, &["frozen"], Instant::now(), Duration::from_secs(20)).await;
        tokio::time::sleep(STEADY).await;

        frozen.proc().signal(libc::SIGSTOP);
        let freeze = Instant::now();
        let replacement = ComponentProc::spawn(COMPONENT, dir, "replacement", &a);
        let bound = freeze_bound();
        let served = load
            .wait_served_by("replacement", freeze, bound + Duration::from_secs(20))
            .await
            .unwrap_or_else(|| {
                panic!(
                    "{name}: the replacement served no call within {:?}; its log:\n{}",
                    bound + Duration::from_secs(20),
                    replacement.stderr_tail()
                )
            });
        let took = served - freeze;
        tokio::time::sleep(STEADY).await;
        let records = load.finish().await;
        frozen.proc().kill_now();
        settle_output().await;

        let mut components = [frozen, replacement];
        let f = Figures::of(&records, &executions(&mut components));
        let in_flight: Vec<&CallRecord> =
            records.iter().filter(|r| r.in_flight_at(freeze)).collect();
        println!(
            "{}",
            f.line(
                name,
                &format!(
                    "replacement served {:.2} s after the freeze (bound {:.2} s); \
                     {} calls in flight at the freeze",
                    took.as_secs_f64(),
                    bound.as_secs_f64(),
                    in_flight.len()
                )
            )
        );
        f.assert_exact(name);
        let after: Vec<&CallRecord> = records
            .iter()
            .filter(|r| r.sent > served && r.outcome != Outcome::Ok("replacement".into()))
            .collect();
        assert!(
            after.is_empty(),
            "{name}: calls after the replacement took over did not all succeed there: {}",
            describe(&after)
        );
        assert!(
            took <= bound,
            "{name}: the replacement served {took:?} after the freeze (bound {bound:?})"
        );
    });
}

#[test]
fn roundrobin_on_crossbar_survives_a_killed_instance() {
    let name = "crossbar roundrobin, one of three killed";
    scenario(name, |dir| async move {
        let dir = dir.as_path();
        let router = RouterProc::crossbar(dir).await;
        let url = router.url();
        let names = ["p1", "p2", "p3"];
        let mut components: Vec<ComponentProc> = names
            .iter()
            .map(|n| ComponentProc::spawn(COMPONENT, dir, n, &args(&["--url", &url, "--pool"])))
            .collect();
        for c in &mut components {
            c.wait_joins(1, Duration::from_secs(30)).await;
        }
        // Longer work, more calls in flight: the killed one always has some.
        let load = load(&url, vec!["pool.work".into()], 6, 100);
        wait_all_serve(&load, &names, Instant::now(), Duration::from_secs(20)).await;
        tokio::time::sleep(STEADY).await;

        // Kill p2 right after it starts executing a call (each takes 100 ms),
        // so that it surely has one in flight.
        let seen = components[1].executions().len();
        let deadline = Instant::now() + Duration::from_secs(10);
        while components[1].executions().len() == seen {
            assert!(
                Instant::now() < deadline,
                "{name}: p2 executed nothing for 10 s"
            );
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let kill = Instant::now();
        components[1].proc().kill_now();
        let killed_executions: Vec<u64> = {
            settle_output().await;
            components[1].executions()
        };
        wait_all_serve(
            &load,
            &["p1", "p3"],
            kill + TAKEOVER,
            Duration::from_secs(10),
        )
        .await;
        tokio::time::sleep(STEADY).await;
        let records = load.finish().await;
        settle_output().await;

        let before = Figures::of(
            &records
                .iter()
                .filter(|r| r.ended < kill)
                .cloned()
                .collect::<Vec<_>>(),
            &HashMap::new(),
        );
        let f = Figures::of(&records, &executions(&mut components));
        // Calls the killed instance had started but not answered.
        let by_id: HashMap<u64, &CallRecord> = records.iter().map(|r| (r.id, r)).collect();
        let cut_off: Vec<&CallRecord> = killed_executions
            .iter()
            .filter_map(|id| by_id.get(id).copied())
            .filter(|r| r.outcome != Outcome::Ok("p2".into()))
            .collect();
        println!(
            "{}",
            f.line(
                name,
                &format!(
                    "before the kill results by instance {:?}; {} calls cut off on the killed instance",
                    before.by_instance,
                    cut_off.len()
                )
            )
        );
        f.assert_exact(name);
        for n in names {
            assert!(
                before.by_instance.get(n).copied().unwrap_or(0) > 0,
                "{name}: {n} served no call before the kill: {:?}",
                before.by_instance
            );
        }
        assert!(
            !cut_off.is_empty(),
            "{name}: the killed instance had no call in flight (the scenario tested nothing)"
        );
        let hung: Vec<&CallRecord> = cut_off
            .iter()
            .copied()
            .filter(|r| !matches!(r.outcome, Outcome::Failed(..)))
            .collect();
        assert!(
            hung.is_empty(),
            "{name}: calls in flight on the killed instance must end with an error: {}",
            describe(&hung)
        );
        let after: Vec<&CallRecord> = records
            .iter()
            .filter(|r| {
                r.sent > kill + TAKEOVER
                    && !matches!(&r.outcome, Outcome::Ok(i) if i == "p1" || i == "p3")
            })
            .collect();
        assert!(
            after.is_empty(),
            "{name}: calls after the kill did not all go to the survivors: {}",
            describe(&after)
        );
    });
}

//! The router's live admin page in a real headless browser (Debian's
//! `chromium`, as `docs_html.rs` drives it): served by `serve_admin` with a
//! token, it loads without script or console errors, shows a session that
//! joined and no longer shows it once it left, the documentation and schema
//! a component sent with REGISTER, and a call rate above zero while calls
//! run. Set `CHROMIUM` to use another browser binary.

use std::time::Duration;

use wamp::client::{JoinConfig, typed_procedure};
use wamp::router::{AdminConfig, RealmConfig, Router};
use wamp::transport::ClientOptions;
use wamp::{RegisterOptions, Session};

#[path = "support/chromium.rs"]
mod chromium;

/// Echoes a number back: the live page shows this line and the schema.
#[wamp::register("com.live.documented")]
async fn documented(n: i64) -> Result<i64, wamp::Error> {
    Ok(n)
}

async fn load(url: String, name: &'static str) -> (String, String) {
    // The page polls its feed every second: 3.5 s of virtual time.
    tokio::task::spawn_blocking(move || {
        chromium::load(&url, &chromium::temp_dir("wamp-admin-html", name), 3500)
    })
    .await
    .unwrap()
}

/// The value of attribute `name` on the first tag that contains `marker`.
fn attr_near(dom: &str, marker: &str, name: &str) -> Option<String> {
    let at = dom.find(marker)?;
    let start = dom[..at].rfind('<')?;
    let tag = &dom[start..at + dom[at..].find('>')?];
    let key = format!(" {name}=\"");
    let from = tag.find(&key)? + key.len();
    Some(tag[from..from + tag[from..].find('"')?].to_owned())
}

/// Script errors, console errors, a page that never rendered its feed.
fn problems(dom: &str, log: &str) -> Vec<String> {
    let mut problems = Vec::new();
    if attr_near(dom, "<body", "data-status").as_deref() != Some("ready") {
        problems.push(format!(
            "status {:?}",
            attr_near(dom, "<body", "data-status")
        ));
    }
    if let Some(e) = attr_near(dom, "<body", "data-js-error") {
        problems.push(format!("script error {e:?}"));
    }
    for line in log.lines() {
        if line.contains("CONSOLE") && (line.contains("Uncaught") || line.contains("rror")) {
            problems.push(format!("console: {line}"));
        }
    }
    problems
}

async fn join(url: &str, realm: &str) -> Session {
    let transport = wamp::transport::connect(url, &ClientOptions::default())
        .await
        .unwrap();
    Session::join(transport, JoinConfig::new(realm))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_page_shows_sessions_coming_and_going_and_rates_under_load() {
    let realm = "live1";
    let router = Router::builder().realm(RealmConfig::open(realm)).build();
    let admin = router
        .serve_admin("127.0.0.1:0", AdminConfig::default().token("pagetoken"))
        .await
        .unwrap();
    let addr = router.listen("127.0.0.1:0").await.unwrap();
    let ws = format!("ws://{addr}/ws");
    let page = format!("http://{admin}/?token=pagetoken");

    let callee = join(&ws, realm).await;
    callee
        .register(
            "com.live.echo",
            RegisterOptions::default(),
            typed_procedure(|(x,): (i64,)| async move { Ok(x) }),
        )
        .await
        .unwrap();
    // A component of the annotated functions sends their schemas.
    let component = wamp::Component::builder(realm)
        .transport(&ws)
        .collected()
        .build();
    let mut status = component.watch();
    let (component_stop, _running) = component.start();
    tokio::time::timeout(
        Duration::from_secs(10),
        status.wait_for(|s| s.is_serving_all()),
    )
    .await
    .expect("the component serves in time")
    .unwrap();
    let visitor = join(&ws, realm).await;
    let visitor_row = format!("data-session=\"{}\"", visitor.id());

    let (dom, log) = load(page.clone(), "joined").await;
    let found = problems(&dom, &log);
    assert!(found.is_empty(), "{found:#?}\n{dom}");
    assert!(
        dom.contains(&visitor_row),
        "the joined session is not shown:\n{dom}"
    );
    assert!(dom.contains("data-procedure=\"com.live.echo\""), "{dom}");
    assert!(dom.contains("href=\"docs/live1?token=pagetoken\""), "{dom}");
    assert!(
        dom.contains("Echoes a number back"),
        "the documentation is not shown:\n{dom}"
    );
    assert!(dom.contains("<summary>schema</summary>"), "{dom}");
    assert_eq!(
        attr_near(&dom, "data-realm=\"live1\"", "data-call-rate").as_deref(),
        Some("0.00")
    );

    visitor.leave().await;
    let (dom, log) = load(page.clone(), "left").await;
    assert!(problems(&dom, &log).is_empty());
    assert!(
        !dom.contains(&visitor_row),
        "the session that left is still shown:\n{dom}"
    );
    assert!(dom.contains(&format!("data-session=\"{}\"", callee.id())));

    // Under load the call rate moves.
    let stop = stop_flag();
    let mut loads = Vec::new();
    for _ in 0..4 {
        let caller = join(&ws, realm).await;
        let stop = stop.clone();
        loads.push(tokio::spawn(async move {
            let mut i = 0i64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let _: i64 = caller
                    .call("com.live.echo", &(i,))
                    .await
                    .unwrap()
                    .get()
                    .unwrap();
                i += 1;
            }
        }));
    }
    let (dom, log) = load(page.clone(), "load").await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for l in loads {
        l.await.unwrap();
    }
    assert!(
        problems(&dom, &log).is_empty(),
        "{:#?}",
        problems(&dom, &log)
    );
    let rate: f64 = attr_near(&dom, "data-realm=\"live1\"", "data-call-rate")
        .expect("a rate")
        .parse()
        .unwrap();
    assert!(rate > 0.0, "no call rate under load:\n{dom}");

    // Without the token the page cannot read the feed.
    let (dom, _) = load(format!("http://{admin}/"), "notoken").await;
    assert!(!dom.contains("data-realm=\"live1\""));
    component_stop.stop();
    router.shutdown();
}

fn stop_flag() -> std::sync::Arc<std::sync::atomic::AtomicBool> {
    std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false))
}

//! The HTML page of the example service in a real headless browser (Debian's
//! `chromium`): it loads from `file://` without network, its script runs
//! without error, it shows every procedure and topic, and its search filters.
//! A page with a script error must be caught, so the check itself is tested.
//! Set `CHROMIUM` to use another browser binary.

use std::path::{Path, PathBuf};
use std::process::Command;

#[path = "support/chromium.rs"]
mod chromium;

const BIN: &str = env!("CARGO_BIN_EXE_math_service");

fn tmp(name: &str) -> PathBuf {
    chromium::temp_dir("wamp-docs-html", name)
}

fn load(url: &str, profile: &Path) -> (String, String) {
    chromium::load(url, profile, 3000)
}

/// The value of attribute `name` on `<body ...>` of a dumped DOM.
fn body_attr(dom: &str, name: &str) -> Option<String> {
    let start = dom.find("<body")?;
    let tag = &dom[start..start + dom[start..].find('>')?];
    let key = format!(" {name}=\"");
    let at = tag.find(&key)? + key.len();
    Some(tag[at..at + tag[at..].find('"')?].to_owned())
}

/// Problems of a loaded page: script errors, console errors, missing entries.
fn problems(dom: &str, log: &str, uris: &[String]) -> Vec<String> {
    let mut problems = Vec::new();
    if body_attr(dom, "data-status").as_deref() != Some("ready") {
        problems.push(format!("status {:?}", body_attr(dom, "data-status")));
    }
    if let Some(e) = body_attr(dom, "data-js-error") {
        problems.push(format!("script error {e:?}"));
    }
    for line in log.lines() {
        if line.contains("CONSOLE") && (line.contains("Uncaught") || line.contains("rror")) {
            problems.push(format!("console: {line}"));
        }
    }
    if body_attr(dom, "data-missing").as_deref() != Some("") {
        problems.push(format!("missing {:?}", body_attr(dom, "data-missing")));
    }
    for uri in uris {
        let section = format!("data-uri=\"{uri}\"");
        let Some(at) = dom.find(&section) else {
            problems.push(format!("{uri} not shown"));
            continue;
        };
        let open = &dom[dom[..at].rfind('<').unwrap()..at];
        if open.contains("hidden") {
            problems.push(format!("{uri} hidden"));
        }
    }
    problems
}

fn page(name: &str) -> (PathBuf, String, Vec<String>, usize) {
    let out = Command::new(BIN)
        .args(["--print-schema", "html"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let html = String::from_utf8(out.stdout).unwrap();
    let json = Command::new(BIN)
        .args(["--print-schema", "json"])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let procedures: Vec<String> = doc["procedures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["uri"].as_str().unwrap().to_owned())
        .collect();
    let count = procedures.len();
    let mut uris = procedures;
    uris.extend(
        doc["topics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["uri"].as_str().unwrap().to_owned()),
    );
    (tmp(name), html, uris, count)
}

#[test]
fn html_page_loads_offline_without_errors_and_shows_every_procedure() {
    let (dir, html, uris, procedures) = page("ok");
    // Self-contained: nothing loaded from elsewhere.
    for needle in ["src=\"http", "href=\"http", "@import", "url(", "//cdn"] {
        assert!(!html.contains(needle), "the page references {needle}");
    }
    let path = dir.join("catalog.html");
    std::fs::write(&path, &html).unwrap();
    let url = format!("file://{}", path.display());

    let (dom, log) = load(&url, &dir.join("profile1"));
    let found = problems(&dom, &log, &uris);
    assert!(found.is_empty(), "{found:#?}");
    assert_eq!(
        body_attr(&dom, "data-procedures"),
        Some(procedures.to_string())
    );
    assert_eq!(
        body_attr(&dom, "data-visible-entries"),
        Some(uris.len().to_string())
    );
    // Schemas are tables, not raw JSON.
    assert!(dom.matches("<table>").count() >= procedures);
    assert!(dom.contains("<td><code>values</code></td>"));

    // Search: `?q=` fills the box and filters.
    let (dom, _) = load(&format!("{url}?q=division_by_zero"), &dir.join("profile2"));
    assert_eq!(
        body_attr(&dom, "data-visible-entries").as_deref(),
        Some("1")
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn html_check_catches_a_script_error() {
    let (dir, html, uris, _) = page("broken");
    let broken = html.replace("</body>", "<script>undefinedFunction();</script></body>");
    let path = dir.join("broken.html");
    std::fs::write(&path, broken).unwrap();
    let (dom, log) = load(&format!("file://{}", path.display()), &dir.join("profile3"));
    let found = problems(&dom, &log, &uris);
    assert!(
        found.iter().any(|p| p.contains("undefinedFunction")),
        "the error went unnoticed: {found:#?}"
    );
    // And a page that lost a procedure.
    let dropped = html.replacen("data-uri=\"com.math.add\"", "data-uri=\"x\"", 1);
    let (dom, log) = {
        let path = dir.join("dropped.html");
        std::fs::write(&path, dropped).unwrap();
        load(&format!("file://{}", path.display()), &dir.join("profile4"))
    };
    assert!(!problems(&dom, &log, &uris).is_empty());
    let _ = std::fs::remove_dir_all(dir);
}

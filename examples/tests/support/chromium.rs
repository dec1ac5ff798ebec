//! Headless Chromium for the page tests (Debian's `chromium`, or the binary
//! named by `CHROMIUM`): load a URL, give its scripts some virtual time, and
//! read the DOM and the browser's log.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The browser binary: `$CHROMIUM`, or the first one found.
fn chromium() -> String {
    std::env::var("CHROMIUM").unwrap_or_else(|_| {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            if Command::new(name).arg("--version").output().is_ok() {
                return name.to_owned();
            }
        }
        panic!("no chromium found: install it with `apt-get install -y chromium` (scripts/test.sh does)")
    })
}

/// A fresh directory under the temporary directory, named after the test
/// (`prefix`), the process and `name`.
pub(crate) fn temp_dir(prefix: &str, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("{prefix}-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Loads `url` in headless chromium with `virtual_ms` of virtual time for
/// its scripts and the browser profile in `profile`; returns the DOM after
/// that and the browser's log (console messages included).
pub(crate) fn load(url: &str, profile: &Path, virtual_ms: u32) -> (String, String) {
    let out = Command::new("timeout")
        .arg("60")
        .arg(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--virtual-time-budget={virtual_ms}"))
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(url)
        .output()
        .expect("run chromium");
    let log = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "chromium failed ({:?}):\n{log}",
        out.status
    );
    (String::from_utf8_lossy(&out.stdout).into_owned(), log)
}

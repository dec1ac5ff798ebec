//! The `wamp-codegen` command: generation into files and the drift check's
//! report and exit codes.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::{Value as Json, json};

const SNAPSHOT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../examples/snapshots/math_service.catalog.json"
);

fn snapshot() -> Json {
    serde_json::from_str(&std::fs::read_to_string(SNAPSHOT).unwrap()).unwrap()
}

fn write(dir: &Path, name: &str, doc: &Json) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_string_pretty(doc).unwrap()).unwrap();
    path
}

fn procedure<'a>(doc: &'a mut Json, uri: &str) -> &'a mut Json {
    doc["procedures"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|p| p["uri"] == uri)
        .unwrap()
}

fn check(baseline: &Path, current: &Path) -> (i32, String) {
    let out = Command::cargo_bin("wamp-codegen")
        .unwrap()
        .arg("check")
        .arg("--baseline")
        .arg(baseline)
        .arg("--current")
        .arg(current)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap() + &String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn check_exit_codes_and_report() {
    let dir = tempfile::tempdir().unwrap();
    let base = write(dir.path(), "base.json", &snapshot());

    // Unchanged: 0.
    let (code, out) = check(&base, &base);
    assert_eq!((code, out.as_str()), (0, "no changes\n"));

    // A changed parameter type: breaking, 1.
    let mut doc = snapshot();
    procedure(&mut doc, "com.math.add")["args"]["prefixItems"][1] =
        json!({"title": "b", "type": "string"});
    let changed = write(dir.path(), "changed.json", &doc);
    let (code, out) = check(&base, &changed);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("[breaking]   procedure com.math.add, parameter b: type changed from integer (int64) to string"),
        "{out}"
    );

    // A removed procedure: breaking, 1.
    let mut doc = snapshot();
    doc["procedures"]
        .as_array_mut()
        .unwrap()
        .retain(|p| p["uri"] != "com.math.stats");
    let removed = write(dir.path(), "removed.json", &doc);
    let (code, out) = check(&base, &removed);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("[breaking]   procedure com.math.stats: removed"),
        "{out}"
    );

    // An added optional parameter: compatible, 0.
    let mut doc = snapshot();
    procedure(&mut doc, "com.math.round")["kwargs"]["properties"]["precise"] =
        json!({"title": "precise", "type": ["boolean", "null"]});
    let added = write(dir.path(), "added.json", &doc);
    let (code, out) = check(&base, &added);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("[compatible] procedure com.math.round, parameter precise: added (boolean or null, keyword), optional"),
        "{out}"
    );
    assert!(
        out.contains("0 breaking changes, 1 compatible change"),
        "{out}"
    );

    // Not a catalog: 2.
    let bad = write(dir.path(), "bad.json", &json!({"openapi": "3.0"}));
    let (code, out) = check(&base, &bad);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("not a catalog document"), "{out}");
}

#[test]
fn check_reads_the_current_catalog_from_stdin() {
    let mut doc = snapshot();
    doc["topics"] = json!([]);
    let out = Command::cargo_bin("wamp-codegen")
        .unwrap()
        .args(["check", "--baseline", SNAPSHOT, "--current", "-"])
        .write_stdin(serde_json::to_string(&doc).unwrap())
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("topic com.math.announcement: removed"),
        "{text}"
    );
}

#[test]
fn generates_rust_and_typescript_files() {
    let dir = tempfile::tempdir().unwrap();
    let rs = dir.path().join("math.rs");
    let ts = dir.path().join("math.ts");
    Command::cargo_bin("wamp-codegen")
        .unwrap()
        .args(["rust", SNAPSHOT, "-o"])
        .arg(&rs)
        .assert()
        .success();
    Command::cargo_bin("wamp-codegen")
        .unwrap()
        .args(["typescript", SNAPSHOT, "-o"])
        .arg(&ts)
        .assert()
        .success();
    let rs = std::fs::read_to_string(rs).unwrap();
    assert!(rs.contains("pub mod add {"), "{rs}");
    let ts = std::fs::read_to_string(ts).unwrap();
    assert!(ts.contains("export async function add("), "{ts}");
}

#[test]
fn check_asks_a_service_for_its_current_catalog() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let mut doc = snapshot();
    doc["procedures"]
        .as_array_mut()
        .unwrap()
        .retain(|p| p["uri"] != "com.math.add");
    let current = write(dir.path(), "current.json", &doc);
    // A stand-in service: prints its catalog when asked with --print-schema json.
    let service = dir.path().join("service.sh");
    std::fs::write(
        &service,
        format!(
            "#!/bin/sh\n[ \"$1 $2\" = \"--print-schema json\" ] || exit 3\ncat '{}'\n",
            current.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&service, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = Command::cargo_bin("wamp-codegen")
        .unwrap()
        .args(["check", "--baseline", SNAPSHOT, "--service"])
        .arg(&service)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("[breaking]   procedure com.math.add: removed"),
        "{text}"
    );
}

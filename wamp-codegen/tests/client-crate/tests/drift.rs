//! The service's current catalog (from its `--print-schema json`) against the
//! checked-in one the client is generated from: a breaking change fails here
//! before it reaches the clients. Same as
//! `wamp-codegen check --baseline examples/snapshots/math_service.catalog.json --service target/debug/math_service`.

use std::process::Command;

use wamp_codegen::{Catalog, drift};

#[test]
fn the_service_has_not_drifted_from_its_checked_in_catalog() {
    let out = Command::new(env!("CARGO_BIN_EXE_codegen-math-service"))
        .args(["--print-schema", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let current = Catalog::parse(&String::from_utf8(out.stdout).unwrap()).unwrap();
    let baseline = Catalog::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../examples/snapshots/math_service.catalog.json"
    ))
    .unwrap();
    let report = drift::compare(&baseline, &current);
    assert!(!report.is_breaking(), "breaking changes:\n{report}");
    // The catalog comes from the same source: nothing changed at all.
    assert!(report.is_empty(), "{report}");
}

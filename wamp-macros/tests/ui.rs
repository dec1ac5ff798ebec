//! Compile-time behaviour of `#[wamp::register]` and `#[wamp::subscribe]`,
//! locked with trybuild: `ui/pass` must compile, each file of `ui/fail` holds
//! one mistake and its expected diagnostics in a `.stderr` snapshot.
//!
//! After changing a diagnostic, regenerate the snapshots with
//! `TRYBUILD=overwrite cargo test -p wamp-macros --test ui` and *review* the
//! `.stderr` diffs before committing them. The text of rustc's own messages
//! can change between compiler versions; the snapshots were made with the
//! toolchain the workspace is built with (stable 1.95).

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/**/*.rs");
}

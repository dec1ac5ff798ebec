#!/usr/bin/env bash
# Runs every test of the workspace: unit, integration, conformance (official WAMP
# test vectors from ../shared/wamp-testsuite or $WAMP_TESTSUITE_DIR), transport
# tests over loopback sockets, and doc tests. Needs only a Rust toolchain.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --workspace --locked -- --show-output

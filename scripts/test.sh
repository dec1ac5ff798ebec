#!/usr/bin/env bash
# Runs every test of the workspace: unit, integration, conformance (official WAMP
# test vectors from ../shared/wamp-testsuite or $WAMP_TESTSUITE_DIR), transports
# and the router over loopback sockets, the standalone router binary, and doc
# tests. Needs only a Rust toolchain. Ends with one total line.
set -euo pipefail
cd "$(dirname "$0")/.."
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
cargo test --workspace --locked -- --show-output 2>&1 | tee "$log" || status=$?
# Sum cargo's per-target summaries into one closing line.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed;?$/) p += $i; if ($(i+1) ~ /^failed;?$/) f += $i } }
     END { printf "total: %d passed, %d failed\n", p, f; if (p == 0) exit 1 }' "$log" || status=1
exit "$status"

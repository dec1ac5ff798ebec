#!/usr/bin/env bash
# Runs every test of the workspace: unit, integration, conformance (official WAMP
# test vectors from ../shared/wamp-testsuite or $WAMP_TESTSUITE_DIR), transports
# and the router over loopback sockets, the standalone router binary, interop
# with Crossbar.io / Autobahn|Python / autobahn-js / wampy (installed first by
# scripts/interop-install.sh: needs Python >= 3.11 with pip, node >= 20 with npm),
# the docs of the example service (the HTML page in headless Chromium, installed
# with apt-get if missing), and doc tests; then a short fuzz run of the decoders
# and the router core (wamp-fuzz), and a smoke run of the benchmark
# (wamp-bench --quick, correctness only). Ends with the interop check count and one
# total line.
set -euo pipefail
cd "$(dirname "$0")/.."
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
# The interop tests need Crossbar.io, Autobahn|Python, autobahn-js and wampy:
# installed into .interop/ on the first run (pinned versions, ~1 min), skipped
# when already in place. A failed install fails the test command.
if ! scripts/interop-install.sh; then
    echo "interop peers could not be installed (see above); the interop tests cannot run" >&2
    exit 1
fi
# The docs tests load the generated HTML page in headless Chromium (Debian's
# package); install it once if it is missing (CI runs as root).
if ! command -v chromium >/dev/null 2>&1 && [ -z "${CHROMIUM:-}" ]; then
    echo "installing chromium for the HTML docs test"
    sudo_cmd=""
    [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium >/dev/null
fi
cargo test --workspace --locked -- --show-output 2>&1 | tee "$log" || status=$?
# The `opentelemetry` feature (off by default): the library's tests and the
# OpenTelemetry trace test (in-memory exporter) with it.
cargo test --locked -p wamp-runtime --features opentelemetry --lib --test trace_otel \
    -- --show-output 2>&1 | tee -a "$log" || status=1
# A short fuzz run (wamp-fuzz: decoders and router core, 10^5 frames, a few
# seconds in the dev profile, whose overflow checks are on). Any panic,
# broken invariant or round-trip failure fails the script; its seeds replay
# with `cargo run -p wamp-fuzz -- --replay SEED`.
cargo run --locked -q -p wamp-fuzz -- --frames "${WAMP_FUZZ_FRAMES:-100000}" \
    --seed "${WAMP_FUZZ_SEED:-1}" --progress 0 2>&1 | tee -a "$log" || status=1
# A smoke run of the benchmark (wamp-bench --quick: every case against the
# same-run relay hub and the router, every result and event checked; in the
# dev profile its figures mean nothing, only its checks count).
cargo run --locked -q -p wamp-bench -- --quick 2>&1 | tee -a "$log" || status=1
cargo build --locked -q -p wamp-router && cargo run --locked -q -p wamp-bench -- scale --quick 2>&1 | tee -a "$log" || status=1
# Sum cargo's per-target summaries into one closing line.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed;?$/) p += $i; if ($(i+1) ~ /^failed;?$/) f += $i } }
     /^interop: [0-9]+ checks passed in / { c += $2; t++ }
     END { printf "interop: %d checks passed in %d interop tests\n", c, t
           printf "total: %d passed, %d failed\n", p, f; if (p == 0 || t == 0) exit 1 }' "$log" || status=1
exit "$status"

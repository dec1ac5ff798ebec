#!/usr/bin/env bash
# Runs every test of the workspace: unit, integration, conformance (official WAMP
# test vectors from ../shared/wamp-testsuite or $WAMP_TESTSUITE_DIR), transports
# and the router over loopback sockets, the standalone router binary, and doc
# tests, and the docs of the example service (the HTML page in headless
# Chromium, installed with apt-get if missing). Ends with one total line.
set -euo pipefail
cd "$(dirname "$0")/.."
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
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
# Sum cargo's per-target summaries into one closing line.
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed;?$/) p += $i; if ($(i+1) ~ /^failed;?$/) f += $i } }
     END { printf "total: %d passed, %d failed\n", p, f; if (p == 0) exit 1 }' "$log" || status=1
exit "$status"

#!/usr/bin/env bash
# Installs the interop peers into .interop/ (ignored by git), or does nothing when
# they are already in place:
#   .interop/venv          Crossbar.io 26.10.1 + Autobahn|Python 26.10.2 (pinned by
#                          tests/interop/requirements.lock), Python >= 3.11
#   .interop/node_modules  autobahn-js 22.11.1 + wampy 8.0.2 (tests/interop/package.json
#                          + package-lock.json), node >= 20
# Fails with a clear message when a peer cannot be installed; the interop tests
# never skip.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
dir="${WAMP_INTEROP_DIR:-$root/.interop}"
spec="$root/tests/interop"
python="${PYTHON:-python3}"

fail() { echo "interop-install: ERROR: $*" >&2; exit 1; }

# Fingerprint of what we install: when it matches the stamp and the entry points
# exist, everything is in place (checked in a few milliseconds).
fingerprint="$(cat "$spec/requirements.lock" "$spec/package.json" "$spec/package-lock.json" "$0" | sha256sum | cut -d' ' -f1)"
stamp="$dir/installed.stamp"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$fingerprint" && -x "$dir/venv/bin/crossbar" \
      && -f "$dir/node_modules/autobahn/package.json" && -f "$dir/node_modules/wampy/package.json" ]]; then
    echo "interop-install: peers already installed in $dir"
    exit 0
fi

start=$(date +%s)
mkdir -p "$dir"
rm -f "$stamp"

# --- Python: Crossbar.io + Autobahn|Python ------------------------------------
command -v "$python" >/dev/null || fail "$python not found (Python >= 3.11 is needed for Crossbar.io 26.x)"
"$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
    || fail "$("$python" --version 2>&1) is too old: Crossbar.io 26.x needs Python >= 3.11 (set PYTHON=...)"
if [[ ! -x "$dir/venv/bin/python" ]]; then
    echo "interop-install: creating venv $dir/venv"
    "$python" -m venv "$dir/venv" || fail "python -m venv failed (on Debian: apt-get install python3-venv)"
fi
pip=("$dir/venv/bin/python" -m pip --disable-pip-version-check)
echo "interop-install: pip install (Crossbar.io, Autobahn|Python; ~1.5 min on a fresh machine)"
"${pip[@]}" install -q pip==26.3 setuptools==84.2.1 wheel==0.48.0 || fail "pip could not install its build tools"
numpy="$(grep -E '^numpy==' "$spec/requirements.lock")"
bjdata="$(grep -E '^bjdata==' "$spec/requirements.lock")"
"${pip[@]}" install -q "$numpy" || fail "pip install $numpy failed"
# bjdata ships only an sdist whose isolated build compiles against numpy 1.x and
# then fails to load next to numpy 2; build it against the venv's numpy instead.
"${pip[@]}" install -q --no-build-isolation --no-deps --no-cache-dir --force-reinstall "$bjdata" || fail "building $bjdata failed"
"${pip[@]}" install -q -r "$spec/requirements.lock" || fail "pip install -r tests/interop/requirements.lock failed"
"$dir/venv/bin/python" - <<'PY' || fail "the installed Python peers do not import cleanly"
import importlib.metadata as md, bjdata
assert md.version("crossbar") == "26.10.1", md.version("crossbar")
assert md.version("autobahn") == "26.10.2", md.version("autobahn")
assert bjdata.EXTENSION_ENABLED, "bjdata C extension not loaded"
PY

# --- JavaScript: autobahn-js + wampy ------------------------------------------
command -v node >/dev/null || fail "node not found (node >= 20 is needed for autobahn-js 22.x)"
command -v npm >/dev/null || fail "npm not found"
cp "$spec/package.json" "$spec/package-lock.json" "$dir/"
echo "interop-install: npm install (autobahn-js, wampy)"
# `npm ci` rejects a lock file without other platforms' optional native packages;
# `npm install` keeps the locked versions.
(cd "$dir" && npm install --no-audit --no-fund --loglevel=error >/dev/null) || fail "npm install failed"
node -e '
const v = (p) => require(process.argv[1] + "/node_modules/" + p + "/package.json").version;
if (v("autobahn") !== "22.11.1" || v("wampy") !== "8.0.2") { console.error(v("autobahn"), v("wampy")); process.exit(1); }
' "$dir" || fail "npm installed unexpected versions"

echo "$fingerprint" > "$stamp"
echo "interop-install: peers installed in $dir in $(( $(date +%s) - start )) s"

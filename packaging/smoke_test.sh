#!/usr/bin/env bash
# Build the bundle, then check it starts: `--version`, and the self-test (icon, window, SQLite,
# torch + smp) through tests/test_packaging.py. Not part of the normal test run (marker
# `packaging`). Usage: packaging/smoke_test.sh     SKIP_BUILD=1 reuses dist/defect-studio.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    packaging/build.sh
fi
exe=dist/defect-studio/defect-studio
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# The bundle must run without a display and must not touch the user's settings or data.
export QT_QPA_PLATFORM=offscreen HOME="$scratch" XDG_CONFIG_HOME="$scratch/config" \
       XDG_DATA_HOME="$scratch/data" XDG_CACHE_HOME="$scratch/cache" DEFECT_STUDIO_OFFLINE=1
echo "--- $exe --version"
"$exe" --version
echo "--- pytest -m packaging"
DEFECT_STUDIO_BUNDLE="$PWD/dist/defect-studio" \
    "$VENV/bin/python" -m pytest -m packaging -p no:cacheprovider -q tests/test_packaging.py

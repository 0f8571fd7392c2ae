#!/usr/bin/env bash
# Build the one-folder bundle dist/defect-studio/ (Linux). Usage: packaging/build.sh [pyinstaller args]
#   VENV=path      virtual environment to use or create (default .venv)
#   SKIP_INSTALL=1 use the venv as it is (no `pip install -e .[package]`)
# Torch comes from the venv: install the CPU-only torch wheel there first for a CPU-only bundle
# (a CUDA torch works too, but adds its CUDA libraries, several GB).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
if [ ! -x "$VENV/bin/python" ]; then
    "${PYTHON:-python3}" -m venv "$VENV"
fi
if [ "${SKIP_INSTALL:-0}" != 1 ]; then
    "$VENV/bin/python" -m pip install -e ".[package]"
fi
"$VENV/bin/python" packaging/make_icons.py --check \
    || { echo "resources/defect-studio.svg changed: run packaging/make_icons.py" >&2; exit 1; }
start=$(date +%s)
"$VENV/bin/python" -m PyInstaller --noconfirm --distpath dist --workpath build/pyinstaller \
    "$@" packaging/defect_studio.spec
echo "built dist/defect-studio: $(du -sh dist/defect-studio | cut -f1)" \
     "in $(( $(date +%s) - start )) s"

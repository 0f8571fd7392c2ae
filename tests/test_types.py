"""The type checker over app/core, app/store, app/ml and app/jobs (configured in pyproject.toml,
[tool.mypy]), run here so that CI's pytest checks the types."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.timeout(600)  # a first run (no cache) takes about a minute, more on a busy machine
@pytest.mark.skipif(importlib.util.find_spec("mypy") is None,
                    reason="mypy is not installed (pip install -e '.[dev]' installs it)")
def test_mypy_passes():
    env = {**os.environ, "MYPY_CACHE_DIR": os.environ.get("MYPY_CACHE_DIR",
                                                          str(ROOT / ".mypy_cache"))}
    out = subprocess.run([sys.executable, "-m", "mypy", "--no-error-summary"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=580)
    errors = [line for line in out.stdout.splitlines() if ": error:" in line]
    assert out.returncode == 0 and errors == [], out.stdout[-4000:] + out.stderr[-2000:]

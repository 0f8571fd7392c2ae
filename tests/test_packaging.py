"""The PyInstaller bundle starts and has what the app loads lazily. Marker `packaging`: not in the
normal run (pyproject's addopts deselect it); packaging/smoke_test.sh builds and runs it.

DEFECT_STUDIO_BUNDLE=dist/defect-studio points at a built bundle; without it the first test
builds one with packaging/build.sh (minutes).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXE_NAME = "defect-studio-cli.exe" if sys.platform == "win32" else "defect-studio"

pytestmark = [pytest.mark.packaging, pytest.mark.timeout(3600)]


@pytest.fixture(scope="module")
def bundle() -> Path:
    given = os.environ.get("DEFECT_STUDIO_BUNDLE")
    if given:
        path = Path(given)
    else:
        path = ROOT / "dist" / "defect-studio"
        build = ["bash", str(ROOT / "packaging" / "build.sh")]
        if sys.platform == "win32":
            build = ["powershell", "-File", str(ROOT / "packaging" / "build.ps1")]
        subprocess.run(build, cwd=ROOT, check=True, env={**os.environ, "SKIP_INSTALL": "1"})
    assert (path / EXE_NAME).exists(), f"no bundle at {path}"
    return path


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    """Offscreen, offline, and a scratch home: the bundle never touches the user's files."""
    scratch = {
        "HOME": tmp_path, "USERPROFILE": tmp_path, "APPDATA": tmp_path / "appdata",
        "LOCALAPPDATA": tmp_path / "localappdata", "XDG_CONFIG_HOME": tmp_path / "config",
        "XDG_DATA_HOME": tmp_path / "data", "XDG_CACHE_HOME": tmp_path / "cache",
    }
    return {**os.environ, **{k: str(v) for k, v in scratch.items()},
            "QT_QPA_PLATFORM": "offscreen", "DEFECT_STUDIO_OFFLINE": "1"}


def run(bundle: Path, args: list[str], env: dict[str, str], timeout: float = 300):
    return subprocess.run([str(bundle / EXE_NAME), *args], capture_output=True, text=True,
                          env=env, timeout=timeout, cwd=env["HOME"])


def test_version_prints_the_installed_version_and_exits_0(bundle, env):
    from app.cli import version

    out = run(bundle, ["--version"], env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"defect-studio {version()}"


def test_help_lists_the_commands(bundle, env):
    out = run(bundle, ["--help"], env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "COMMAND" in out.stdout


def test_selftest_passes(bundle, env):
    """Icon and About, the main window with its workspaces, SQLite, torch + smp forward pass."""
    out = run(bundle, [], {**env, "DEFECT_STUDIO_SELFTEST": "1"})
    print(out.stdout)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "0 failed" in out.stdout


def test_bundle_ships_resources_and_leaves_out_test_data(bundle):
    internal = bundle / "_internal"
    assert (internal / "app" / "resources" / "icon.svg").is_file()
    assert not (internal / "torch" / "test").exists()
    assert not (internal / "torch" / "include").exists()
    qt_lib = " ".join(p.name for p in internal.rglob("*Qt6Qml*"))
    assert qt_lib == "", f"QML runtime collected: {qt_lib}"

"""Application settings (per user, not per project): a typed model over QSettings.

Editors read and write through this model and listen to `changed(key)`; nothing else touches
QSettings directly. One shared instance per process (`shared()`), replaceable in tests.
"""

from __future__ import annotations

import json

from PySide6.QtCore import QByteArray, QObject, QSettings, Signal

MAX_RECENT = 10
DEVICES = ("auto", "cpu", "cuda", "mps")


class AppSettings(QObject):
    """Typed getters/setters; every setter emits `changed(key)` when the value changes."""

    changed = Signal(str)

    def __init__(self, qsettings: QSettings | None = None, parent: QObject | None = None):
        super().__init__(parent)
        # QSettings() follows the application's organization/name and default format.
        self._q = qsettings if qsettings is not None else QSettings()

    # -- plumbing ---------------------------------------------------------------------------
    def _set(self, key: str, value) -> None:
        if self._q.value(key) == value:
            return
        self._q.setValue(key, value)
        self.changed.emit(key)

    def _json(self, key: str, default):
        raw = self._q.value(key)
        try:
            return json.loads(raw) if isinstance(raw, str) else default
        except ValueError:  # a hand-edited file must not stop the app from starting
            return default

    def sync(self) -> None:
        self._q.sync()

    # -- recent projects --------------------------------------------------------------------
    def recent_projects(self) -> list[str]:
        """Most recent first, at most MAX_RECENT. Stored as JSON: ini lists of one are lossy."""
        value = self._json("recent/projects", [])
        if not isinstance(value, list):
            return []
        return [p for p in value if isinstance(p, str)][:MAX_RECENT]

    def add_recent_project(self, path: str) -> None:
        paths = [path] + [p for p in self.recent_projects() if p != path]
        self._set("recent/projects", json.dumps(paths[:MAX_RECENT]))

    def remove_recent_project(self, path: str) -> None:
        self._set("recent/projects", json.dumps([p for p in self.recent_projects() if p != path]))

    def clear_recent_projects(self) -> None:
        self._set("recent/projects", "[]")

    # -- display ----------------------------------------------------------------------------
    def overlay_opacity(self) -> float:
        value = self._q.value("display/overlay_opacity", 0.5, type=float)
        return min(1.0, max(0.0, float(value)))

    def set_overlay_opacity(self, value: float) -> None:
        self._set("display/overlay_opacity", round(min(1.0, max(0.0, float(value))), 3))

    def class_color_overrides(self) -> dict[str, str]:
        """Defect class name -> '#rrggbb' chosen by this user over the project's colours."""
        value = self._json("display/class_colors", {})
        return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}

    def set_class_color_override(self, name: str, color: str | None) -> None:
        colors = self.class_color_overrides()
        if color is None:
            colors.pop(name, None)
        else:
            colors[name] = color
        self._set("display/class_colors", json.dumps(colors, sort_keys=True))

    # -- compute ----------------------------------------------------------------------------
    def default_device(self) -> str:
        value = str(self._q.value("compute/device", "auto"))
        return value if value in DEVICES else "auto"

    def set_default_device(self, device: str) -> None:
        if device not in DEVICES:
            raise ValueError(f"device must be one of {DEVICES}, not {device!r}")
        self._set("compute/device", device)

    def predict_after_training(self) -> bool:
        """After a training run, the active model predicts every image (Train workspace)."""
        return bool(self._q.value("compute/predict_after_training", True, type=bool))

    def set_predict_after_training(self, on: bool) -> None:
        self._set("compute/predict_after_training", bool(on))

    # -- folders the file dialogs start in --------------------------------------------------
    def last_folder(self, kind: str) -> str:
        return str(self._q.value(f"folders/{kind}", ""))

    def set_last_folder(self, kind: str, folder: str) -> None:
        self._set(f"folders/{kind}", folder)

    # -- window -----------------------------------------------------------------------------
    def window_geometry(self) -> QByteArray | None:
        value = self._q.value("window/geometry")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def set_window_geometry(self, data: QByteArray) -> None:
        self._set("window/geometry", data)

    def window_state(self) -> QByteArray | None:
        value = self._q.value("window/state")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def set_window_state(self, data: QByteArray) -> None:
        self._set("window/state", data)


_shared: AppSettings | None = None


def shared() -> AppSettings:
    """The process-wide settings model (created on first use, after QApplication)."""
    global _shared
    if _shared is None:
        _shared = AppSettings()
    return _shared


def set_shared(settings: AppSettings | None) -> None:
    """Replace the shared model (tests point it at a temporary QSettings)."""
    global _shared
    _shared = settings

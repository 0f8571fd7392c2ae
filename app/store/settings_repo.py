"""Project settings: a small JSON key/value table with typed defaults."""

from __future__ import annotations

import json
from typing import Any

from .audit_repo import record
from .database import Database
from .schema import ProjectSetting

DEFAULTS: dict[str, Any] = {
    "mm_per_pixel": 1.0,  # 1.0 with "calibrated": False means pixels are shown as px
    "calibrated": False,
    "active_model_id": None,
    "max_image_pixels": 60_000_000,
    "prelabel_threshold": 0.5,  # a pre-label pixel needs at least this class probability
}


class SettingsRepo:
    def __init__(self, db: Database):
        self._db = db

    def get(self, key: str, default: Any = None) -> Any:
        with self._db.session() as s:
            row = s.get(ProjectSetting, key)
            if row is None:
                return DEFAULTS.get(key, default)
            return json.loads(row.value)

    def set(self, key: str, value: Any) -> None:
        with self._db.session() as s:
            row = s.get(ProjectSetting, key)
            if row is None:
                s.add(ProjectSetting(key=key, value=json.dumps(value)))
            else:
                row.value = json.dumps(value)
            record(s, "setting.set", "setting", None, key=key, value=value)

    def all(self) -> dict[str, Any]:
        out = dict(DEFAULTS)
        with self._db.session() as s:
            for row in s.query(ProjectSetting):
                out[row.key] = json.loads(row.value)
        return out

"""Trained models (checkpoint folders beside the project), the active-model rule, and their
stored predictions.

A team project keeps each checkpoint's files in the database too (app/store/model_files.py):
`register` stores them with the model's row, and `path` unpacks them into this workstation's
team folder when they are missing there, so any client can use a model another one trained.
A project file keeps only the folder beside it (app/store/project_copy.py moves checkpoints
between the two when a project is copied).

The active model (`active_id()`, the one rule every front end asks): the model named by the
project setting ``active_model_id`` when it is useful or a person chose it (``set_active(id,
chosen=True)``); otherwise the newest useful model; otherwise none. A model whose verdict says
"not useful yet" (app.core.model_quality) never pre-labels or inspects unless chosen.
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
from sqlalchemy import delete, select

from app.core.probcodec import decode_probs, encode_probs

from .audit_repo import record
from .database import Database, author_of, utcnow
from .model_files import ModelCache, folder_files, store
from .rows import ModelRow
from .schema import Model, Prediction
from .settings_repo import SettingsRepo

ACTIVE = "active_model_id"
CHOSEN = "active_model_chosen"  # True when a person made the active model active


def _row(m: Model) -> ModelRow:
    return ModelRow(m.id, m.name, m.rel_dir, json.loads(m.config), json.loads(m.metrics),
                    m.weights_sha256, m.train_images, m.created_at, m.author)


class ModelsRepo:
    def __init__(self, db: Database, project_path: Path, settings: SettingsRepo | None = None):
        self._db = db
        self.root = project_path.parent
        self._stem = project_path.stem
        self._settings = settings or SettingsRepo(db)
        self._cache = ModelCache(db, self.root) if db.is_team else None

    @property
    def folder(self) -> Path:
        """Where this project's checkpoints live: `<project>.models/` beside the file."""
        return self.root / (self._stem + ".models")

    def free_name(self, base: str, taken: Callable[[str], bool] | None = None) -> str:
        """`base`, or `base-2`, `base-3`, ...: the first name no model has, whose checkpoint
        folder does not exist yet, and that `taken` (e.g. a training run's folder) does not
        claim."""
        names = {m.name for m in self.list()}
        name, k = base, 1
        while (name in names or (self.folder / name).exists()
               or (taken is not None and taken(name))):
            k += 1
            name = f"{base}-{k}"
        return name

    def register(self, name: str, checkpoint_dir: Path, config: dict, metrics: dict,
                 weights_sha256: str, train_images: int) -> ModelRow:
        rel = Path(checkpoint_dir).resolve().relative_to(self.root.resolve()).as_posix()
        with self._db.session() as s:
            m = Model(name=name, rel_dir=rel, config=json.dumps(config),
                      metrics=json.dumps(metrics), weights_sha256=weights_sha256,
                      train_images=train_images, created_at=utcnow(), author=author_of(s))
            s.add(m)
            s.flush()
            if self._cache is not None:  # a team project: the files go with the row
                store(s, m.id, folder_files(Path(checkpoint_dir)))
            record(s, "model.register", "model", m.id, name=name, weights_sha256=weights_sha256,
                   metrics=metrics)
            return _row(m)

    def list(self) -> list[ModelRow]:
        with self._db.session() as s:
            return [_row(m) for m in s.scalars(select(Model).order_by(Model.id))]

    def get(self, model_id: int) -> ModelRow:
        with self._db.session() as s:
            m = s.get(Model, model_id)
            if m is None:
                raise KeyError(f"no model {model_id} in this project")
            return _row(m)

    def path(self, row: ModelRow) -> Path:
        """The model's checkpoint folder on this workstation (a team project's is unpacked
        from the database into the team folder first, when missing or changed)."""
        if self._cache is not None:
            return self._cache.folder(row.id, row.rel_dir)
        return self.root / row.rel_dir

    # the active model --------------------------------------------------------------------
    def ranked(self) -> builtins.list[ModelRow]:
        """Models that may be used without naming one, in order: the active model (when it is
        useful or a person chose it), then the other useful models, newest first."""
        active, chosen = self._settings.get(ACTIVE), bool(self._settings.get(CHOSEN, False))
        out: builtins.list[ModelRow] = []
        for m in reversed(self.list()):
            usable = m.verdict.useful is not False
            if m.id == active and (usable or chosen):
                out.insert(0, m)
            elif usable:
                out.append(m)
        return out

    def active_id(self) -> int | None:
        """THE active-model rule (see the module docstring): pre-labels, inspection, grading and
        the CLI all ask this."""
        ranked = self.ranked()
        return ranked[0].id if ranked else None

    def active(self) -> ModelRow | None:
        ranked = self.ranked()
        return ranked[0] if ranked else None

    def set_active(self, model_id: int, chosen: bool) -> None:
        """Make `model_id` active; `chosen`: a person asked for it (even a model that is not
        useful yet is then used). KeyError for an unknown model, nothing changed."""
        self.get(model_id)
        self._settings.set(ACTIVE, int(model_id))
        self._settings.set(CHOSEN, bool(chosen))

    # predictions -------------------------------------------------------------------------
    def save_prediction(self, image_id: int, model_id: int, probs: np.ndarray,
                        class_values: builtins.list[int]) -> None:
        blob = encode_probs(probs)
        with self._db.session() as s:
            s.execute(delete(Prediction).where(Prediction.image_id == image_id,
                                               Prediction.model_id == model_id))
            s.add(Prediction(image_id=image_id, model_id=model_id, probs=blob,
                             class_values=json.dumps(class_values), created_at=utcnow()))

    def load_prediction(
        self, image_id: int, model_id: int
    ) -> tuple[np.ndarray, builtins.list[int]] | None:
        with self._db.session() as s:
            p = s.scalar(select(Prediction).where(Prediction.image_id == image_id,
                                                  Prediction.model_id == model_id))
            if p is None:
                return None
            return decode_probs(p.probs), json.loads(p.class_values)

    def prediction_stamp(self, image_id: int) -> tuple:
        """What an image's shown pre-labels depend on: its predictions (ids change when one is
        made, replaced or cleared) and the active model. Another client's change changes it."""
        with self._db.session() as s:
            ids = tuple(s.scalars(select(Prediction.id).where(Prediction.image_id == image_id)
                                  .order_by(Prediction.id)))
        return ids, self.active_id()

    def predicted_image_ids(self, model_id: int) -> set[int]:
        with self._db.session() as s:
            return set(s.scalars(select(Prediction.image_id)
                                 .where(Prediction.model_id == model_id)))

    def clear_prediction(self, image_id: int, model_id: int | None = None) -> None:
        q = delete(Prediction).where(Prediction.image_id == image_id)
        if model_id is not None:
            q = q.where(Prediction.model_id == model_id)
        with self._db.session() as s:
            s.execute(q)

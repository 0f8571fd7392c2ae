"""Trained models (checkpoint folders beside the project) and their stored predictions."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from sqlalchemy import delete, select

from app.core.probcodec import decode_probs, encode_probs

from .audit_repo import record
from .database import Database, utcnow
from .rows import ModelRow
from .schema import Model, Prediction
from .user import current_user


def _row(m: Model) -> ModelRow:
    return ModelRow(m.id, m.name, m.rel_dir, json.loads(m.config), json.loads(m.metrics),
                    m.weights_sha256, m.train_images, m.created_at, m.author)


class ModelsRepo:
    def __init__(self, db: Database, root: Path):
        self._db = db
        self.root = root

    @property
    def folder(self) -> Path:
        """Where this project's checkpoints live: `<project>.models/` beside the file."""
        return self.root / (self._db.path.stem + ".models")

    def register(self, name: str, checkpoint_dir: Path, config: dict, metrics: dict,
                 weights_sha256: str, train_images: int) -> ModelRow:
        rel = Path(checkpoint_dir).resolve().relative_to(self.root.resolve()).as_posix()
        with self._db.session() as s:
            m = Model(name=name, rel_dir=rel, config=json.dumps(config),
                      metrics=json.dumps(metrics), weights_sha256=weights_sha256,
                      train_images=train_images, created_at=utcnow(), author=current_user())
            s.add(m)
            s.flush()
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
        return self.root / row.rel_dir

    # predictions -------------------------------------------------------------------------
    def save_prediction(self, image_id: int, model_id: int, probs: np.ndarray,
                        class_values: list[int]) -> None:
        blob = encode_probs(probs)
        with self._db.session() as s:
            s.execute(delete(Prediction).where(Prediction.image_id == image_id,
                                               Prediction.model_id == model_id))
            s.add(Prediction(image_id=image_id, model_id=model_id, probs=blob,
                             class_values=json.dumps(class_values), created_at=utcnow()))

    def load_prediction(self, image_id: int, model_id: int) -> tuple[np.ndarray, list[int]] | None:
        with self._db.session() as s:
            p = s.scalar(select(Prediction).where(Prediction.image_id == image_id,
                                                  Prediction.model_id == model_id))
            if p is None:
                return None
            return decode_probs(p.probs), json.loads(p.class_values)

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

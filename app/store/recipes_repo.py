"""Grading recipes: every save is a new immutable version (the database refuses UPDATE).

Editing happens in a working copy (the Grade workspace's draft); only `save` writes a version,
with an optional note saying why.
"""

from __future__ import annotations

import hashlib
import json
import re

from sqlalchemy import func, select

from .audit_repo import record
from .database import Database, author_of, utcnow
from .rows import RecipeRow
from .schema import Recipe


def _row(r: Recipe) -> RecipeRow:
    return RecipeRow(r.id, r.name, r.version, json.loads(r.body), r.content_hash, r.created_at,
                     r.author, r.note or "")


def check_body(body: dict) -> None:
    """The grading model validates itself on construction; a body it refuses is not stored."""
    from app.core.grading import Recipe as GradingRecipe

    try:
        GradingRecipe.from_dict(body)
    except (ValueError, TypeError, KeyError, AttributeError) as e:
        raise ValueError(f"the recipe was not saved: {e}") from None


def content_hash(body: dict) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16]


class RecipesRepo:
    def __init__(self, db: Database):
        self._db = db

    def save(self, name: str, body: dict, note: str = "") -> RecipeRow:
        """Saves `body` as the next version of `name` with `note`; an unchanged body returns the
        latest (its note unchanged)."""
        check_body(body)
        digest = content_hash(body)
        with self._db.session() as s:
            latest = s.scalar(select(Recipe).where(Recipe.name == name)
                              .order_by(Recipe.version.desc()).limit(1))
            if latest is not None and latest.content_hash == digest:
                return _row(latest)
            version = (s.scalar(select(func.max(Recipe.version)).where(Recipe.name == name))
                       or 0) + 1
            r = Recipe(name=name, version=version, body=json.dumps(body, sort_keys=True),
                       content_hash=digest, created_at=utcnow(), author=author_of(s),
                       note=note.strip())
            s.add(r)
            s.flush()
            record(s, "recipe.version", "recipe", r.id, name=name, version=version, hash=digest,
                   **({"note": r.note} if r.note else {}))
            return _row(r)

    def get(self, ref: str) -> RecipeRow:
        """`name` (latest version) or `name@version`."""
        name, _, version = ref.partition("@")
        if version and not re.fullmatch(r"[0-9]{1,9}", version):
            raise KeyError(f"no recipe {ref!r}: a version is a whole number, e.g. {name}@3")
        q = select(Recipe).where(Recipe.name == name)
        q = q.where(Recipe.version == int(version)) if version else q.order_by(
            Recipe.version.desc()).limit(1)
        with self._db.session() as s:
            r = s.scalar(q)
            if r is None:
                names = sorted(set(s.scalars(select(Recipe.name))))
                raise KeyError(f"no recipe {ref!r}; recipes here: {', '.join(names) or 'none'}")
            return _row(r)

    def get_by_id(self, recipe_id: int) -> RecipeRow:
        with self._db.session() as s:
            r = s.get(Recipe, recipe_id)
            if r is None:
                raise KeyError(f"no recipe version with id {recipe_id}")
            return _row(r)

    def versions(self, name: str) -> list[RecipeRow]:
        with self._db.session() as s:
            return [_row(r) for r in s.scalars(
                select(Recipe).where(Recipe.name == name).order_by(Recipe.version))]

    def names(self) -> list[str]:
        with self._db.session() as s:
            return sorted(set(s.scalars(select(Recipe.name))))

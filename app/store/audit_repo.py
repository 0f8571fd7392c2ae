"""The append-only audit trail: the database refuses UPDATE, DELETE and overwrites (triggers in
migrations), and each row is a link of a hash chain (audit_chain.py)."""

from __future__ import annotations

import builtins
import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import audit_chain
from .database import Database, author_of, utcnow
from .rows import AuditRow
from .schema import AuditEntry


def record(s: Session, action: str, entity: str, entity_id: int | None = None, **detail) -> None:
    """Adds an audit row inside the caller's transaction, so it commits with the change."""
    audit_chain.append(s, [dict(at=utcnow(), author=author_of(s), action=action,
                                entity=entity, entity_id=entity_id,
                                detail=json.dumps(detail, default=str))])


class AuditRepo:
    def __init__(self, db: Database):
        self._db = db

    def record(self, action: str, entity: str, entity_id: int | None = None, **detail) -> None:
        with self._db.session() as s:
            record(s, action, entity, entity_id, **detail)

    def list(self, *, action: str | None = None, entity: str | None = None,
             author: str | None = None, limit: int | None = None) -> list[AuditRow]:
        q = select(AuditEntry).order_by(AuditEntry.id.desc())
        if action:
            q = q.where(AuditEntry.action == action)
        if entity:
            q = q.where(AuditEntry.entity == entity)
        if author:
            q = q.where(AuditEntry.author == author)
        if limit:
            q = q.limit(limit)
        with self._db.session() as s:
            return [
                AuditRow(e.id, e.at, e.author, e.action, e.entity, e.entity_id,
                         json.loads(e.detail))
                for e in s.scalars(q)
            ]

    def authors(self) -> builtins.list[str]:
        """Everyone who did something in this project, by name: the people to assign to."""
        with self._db.session() as s:
            return sorted(set(s.scalars(select(AuditEntry.author).distinct())))

"""Image leases: who has an image open for editing in the Label workspace, until when.

A client (one open Project: `client` names it, unique per process and project) holds at most
one lease: taking one releases its others. A lease lasts LEASE_SECONDS from the last renewal;
the workspace renews it by a heartbeat (`take` again), so a client that died stops holding its
image within LEASE_SECONDS. An expired lease counts as free. Deadlines are computed on the
database's clock (`db_now`), so a workstation's wrong clock neither steals nor keeps images.

Leases inform, they do not lock: two people may still open one image (the mask saves are
guarded by revisions, masks_repo.py); the image list shows the name of who else edits it.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .database import Database, author_of, db_now, stamp
from .schema import ImageLease

LEASE_SECONDS = 60.0
INSERTS = {"postgresql": pg_insert, "sqlite": sqlite_insert}


@dataclass(frozen=True)
class LeaseRow:
    image_id: int
    holder: str  # who (the database identity)
    client: str  # which open project (a process on a workstation)
    acquired_at: str
    expires_at: str


def new_client_id() -> str:
    return f"{socket.gethostname()}/{os.getpid()}/{uuid.uuid4().hex[:8]}"


class LeasesRepo:
    def __init__(self, db: Database, client: str | None = None,
                 seconds: float = LEASE_SECONDS):
        self._db = db
        self.client = client or new_client_id()
        self.seconds = seconds  # tests shorten it

    def take(self, image_id: int) -> LeaseRow:
        """Hold `image_id` (and release this client's other images) for `seconds` from now;
        called again, it is the heartbeat that renews the lease. Returns the lease now on the
        image: this client's, or another live client's (who then keeps it)."""
        with self._db.session() as s:
            now = db_now(s)
            until = stamp(now + timedelta(seconds=self.seconds))
            s.execute(delete(ImageLease).where(ImageLease.client == self.client,
                                               ImageLease.image_id != image_id))
            ins: Any = INSERTS[self._db.dialect](ImageLease).values(  # its dialect's insert
                image_id=image_id, holder=author_of(s), client=self.client,
                acquired_at=stamp(now), expires_at=until)
            # one statement: of two clients taking a free image at once, one wins
            s.execute(ins.on_conflict_do_update(
                index_elements=[ImageLease.image_id],
                set_=dict(holder=ins.excluded.holder, client=ins.excluded.client,
                          acquired_at=ins.excluded.acquired_at,
                          expires_at=ins.excluded.expires_at),
                where=(ImageLease.client == self.client) | (ImageLease.expires_at <= stamp(now))))
            return _row(s.get(ImageLease, image_id, populate_existing=True))

    def release(self) -> None:
        """Give up this client's leases (the image changed, the project closes)."""
        with self._db.session() as s:
            s.execute(delete(ImageLease).where(ImageLease.client == self.client))

    def held(self) -> list[LeaseRow]:
        """The live leases of every client, this one's included."""
        with self._db.session() as s:
            now = stamp(db_now(s))
            return [_row(r) for r in s.scalars(
                select(ImageLease).where(ImageLease.expires_at > now)
                .order_by(ImageLease.image_id))]

    def held_by_others(self) -> dict[int, str]:
        """image id -> holder, for the images other clients edit now."""
        return {r.image_id: r.holder for r in self.held() if r.client != self.client}


def _row(r: ImageLease | None) -> LeaseRow:
    assert r is not None  # just written, or kept by its live holder
    return LeaseRow(r.image_id, r.holder, r.client, r.acquired_at, r.expires_at)

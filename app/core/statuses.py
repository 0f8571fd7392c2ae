"""One spelling for each stored status word, and the one reader for words older builds wrote.

Stopped work is "canceled" everywhere: inspection runs, training runs (run.json), a model's
metrics ("status"). Builds before project format 6 wrote "cancelled" for training. Migration 6
rewrote the models table; the audit trail (append-only and hash-chained: its "model.register"
rows copy the metrics) and the run.json of a training run stopped by an older build keep the
old word, so read stored statuses through `normalize_status`.
"""

from __future__ import annotations

RUNNING = "running"
DONE = "done"
CANCELED = "canceled"
RUN_STATUSES = (RUNNING, DONE, CANCELED)  # an inspection run's (the store's CHECK holds these)
_OLD_SPELLINGS = {"cancelled": CANCELED}


def normalize_status(status):
    """A stored status in today's spelling (anything else, None included, as it is)."""
    return _OLD_SPELLINGS.get(status, status) if isinstance(status, str) else status

"""The audit trail, browsed: who did what, when, and why (read-only; the store refuses edits).

    model.py  AuditModel: table over AuditRow, newest first, text filter on the detail
    view.py   AuditView: a dialog with action / entity / author / text filters over the model
"""

from .view import AuditView

__all__ = ["AuditView"]

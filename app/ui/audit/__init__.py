"""The audit trail, browsed: who did what, when, and why (read-only; the store refuses edits).

    model.py  AuditModel: table over AuditRow as sentences, newest first, text filter
    view.py   AuditView: a dialog with action / entity / author / text filters over the model
"""

from .view import AuditView

__all__ = ["AuditView"]

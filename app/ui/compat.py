"""Work around a PySide6 build that drops references to None/True/False on Python < 3.12.

The PySide6-Essentials 6.12.0 wheel we pin returns None/True/False from C++ calls without
taking a reference, as Python 3.12+ allows (those objects are immortal there). On 3.11 every
void call (``label.setText``, ``painter.drawLine``, ``app.processEvents``...) then lowers
None's count by one, and after a few thousand calls the interpreter aborts with
"Fatal Python error: none_dealloc". Measured: -1 per call, in the app and in tests.

`guard()` detects the leak and, only then, gives those singletons a count so high that they
can never reach zero: what Python 3.12 does for them by design (PEP 683). Remove this module
once the project requires Python >= 3.12 or a fixed PySide6.
"""

from __future__ import annotations

import ctypes
import sys

_SINGLETONS = (None, True, False, NotImplemented, Ellipsis)
_HEADROOM = 1 << 40  # decrements a session can never reach


def leaks_singletons() -> bool:
    """True when a void PySide6 call drops a reference to None (this build's bug)."""
    if sys.version_info >= (3, 12):
        return False  # immortal there: nothing to protect
    from PySide6.QtCore import QObject

    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(32):
        probe.setObjectName("probe")
    return sys.getrefcount(None) <= before - 16


def guard() -> bool:
    """Make None/True/False/... effectively immortal if this PySide6 needs it; idempotent."""
    if getattr(guard, "applied", False) or not leaks_singletons():
        return False
    # CPython (non-debug) layout: ob_refcnt is the first field of every object.
    for obj in _SINGLETONS:
        ctypes.c_ssize_t.from_address(id(obj)).value += _HEADROOM
    guard.applied = True
    return True

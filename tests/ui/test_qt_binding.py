"""The Qt binding we install must keep Python's reference counts straight.

PySide6-Essentials 6.12.0 on Python 3.11 dropped one reference to None per void call and aborted
the interpreter after a few thousand calls; pyproject.toml pins below it. This catches a repeat.
"""

import sys

from PySide6.QtCore import QObject


def test_void_calls_do_not_leak_none_references():
    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(2000):
        probe.setObjectName("probe")
    assert abs(sys.getrefcount(None) - before) < 10

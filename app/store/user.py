"""Who is working: the operating-system account, the one name every stored author carries."""

from __future__ import annotations

import getpass
import os


def current_user() -> str:
    """The login name of the OS account running the app.

    Taken from the account database (pwd) on POSIX, not from LOGNAME/USER: those are whatever
    the shell exported (sudo, su, containers and launchers leave stale or empty values), and
    an audit trail must name the account that really made the change. Windows has no pwd;
    getpass asks the OS there (USERNAME)."""
    if hasattr(os, "getuid"):
        uid = os.getuid()
        try:
            import pwd

            return pwd.getpwuid(uid).pw_name
        except (ImportError, KeyError):  # a uid with no account entry (some containers)
            return f"uid-{uid}"
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name at all: still record something
        return "unknown"

"""This workstation's folder for a team project: its model cache and training runs.

A team project lives in its database; what a client keeps locally is a cache it can always
rebuild (model checkpoints unpacked from model_files) and the runs it trains. The folder is
`~/.local/share/defect-studio/team/<host>_<port>_<database>/` (DEFECT_STUDIO_TEAM_DIR moves the
parent), and the project's stand-in path is `<that folder>/<database>.dsproj` - a name, never a
file: models go beside it in `<database>.models/`, as for a project file.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from .location import TeamUrl


def team_root() -> Path:
    env = os.environ.get("DEFECT_STUDIO_TEAM_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "defect-studio" / "team"


def team_folder(url: TeamUrl) -> Path:
    """The stand-in project path of `url` on this workstation (its folder is created)."""
    u = url.url
    host = u.host or str(u.query.get("host", "local"))
    key = re.sub(r"[^A-Za-z0-9._-]+", "-", f"{host}_{u.port or 5432}_{u.database}").strip("-")
    folder = team_root() / key
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{u.database}.dsproj"

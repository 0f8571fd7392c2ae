"""A throw-away PostgreSQL cluster for tests and benchmarks: initdb + pg_ctl on a free local
port, fsync off, trust authentication on loopback, removed at the end.

PostgreSQL refuses to run as root; CI runs as root, so the server runs as the `postgres`
account the distribution's package made (or a `dstest` account this creates). Binaries are found
on PATH, then in /usr/lib/postgresql/*/bin. `.ci/run` installs the package when it is missing;
elsewhere a missing server skips the PostgreSQL half of the store tests with the reason, unless
DEFECT_STUDIO_REQUIRE_PG=1 (CI) makes it an error.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

SUPERUSER = "ds_admin"


def bin_dir() -> Path | None:
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(os.path.realpath(found)).parent
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(candidate, "initdb").exists():
            return Path(candidate)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_account() -> str | None:
    """The account to run the server as when we are root; None when we are not root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "dstest"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    subprocess.run(["useradd", "--system", "--no-create-home", "dstest"], check=True)
    return "dstest"


class PgCluster:
    def __init__(self, durable: bool = False) -> None:
        """durable: fsync and synchronous commit on, as a real server (the load benchmark);
        off by default, for fast tests."""
        found = bin_dir()
        if found is None:
            raise RuntimeError("PostgreSQL is not installed (no initdb/pg_ctl): "
                               "apt-get install postgresql")
        self.bin = found
        self.account = _server_account()
        self.dir = Path(tempfile.mkdtemp(prefix="ds-pg-"))
        self.data = self.dir / "data"
        self.port = _free_port()
        self._names = itertools.count(1)
        if self.account:
            entry = pwd.getpwnam(self.account)
            os.chown(self.dir, entry.pw_uid, entry.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust",
                  "-E", "UTF8", "--locale=C", "--no-sync")
        opts = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 "
                "-c max_connections=200")
        if not durable:
            opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", opts, "-l", str(self.dir / "log"),
                  "-w", "-t", "60", "start")

    def _run(self, tool: str, *args: str) -> None:
        cmd = [str(self.bin / tool), *args]
        if self.account:
            cmd = ["runuser", "-u", self.account, "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=self.dir)
        if done.returncode != 0:
            log = self.dir / "log"
            raise RuntimeError(f"{tool} failed: {done.stderr or done.stdout}"
                               + (log.read_text()[-2000:] if log.exists() else ""))

    def url(self, database: str = "postgres", user: str = SUPERUSER) -> str:
        return f"postgresql+psycopg://{user}@127.0.0.1:{self.port}/{database}"

    def admin(self, sql: str, database: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user=SUPERUSER,
                             dbname=database, autocommit=True) as conn:
            conn.execute(sql)

    def new_database(self, prefix: str = "t", template: str | None = None) -> str:
        """A fresh empty database (or a copy of `template`); returns its name."""
        name = f"{prefix}_{os.getpid()}_{next(self._names)}"
        self.admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return name

    def require_password(self, user: str) -> None:
        """From now on `user` logs in over TCP with a password (SCRAM) instead of trust."""
        hba = self.data / "pg_hba.conf"
        line = f"host all {user} 127.0.0.1/32 scram-sha-256\n"
        text = hba.read_text()
        if line not in text:
            hba.write_text(line + text)  # first match wins: before the trust lines
            self._run("pg_ctl", "-D", str(self.data), "reload")
            time.sleep(0.2)  # the postmaster rereads the file on SIGHUP

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        except RuntimeError:
            pass
        for _ in range(20):
            try:
                shutil.rmtree(self.dir)
                return
            except OSError:
                time.sleep(0.1)


def require_pg() -> bool:
    return os.environ.get("DEFECT_STUDIO_REQUIRE_PG") == "1"

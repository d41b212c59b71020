"""A throwaway PostgreSQL cluster for tests: a real server in a temporary folder, on a free 127.0.0.1 port.

`TEST_DATABASE_URL` (a server the tests may create databases on) is used instead when set. Without
either, PostgreSQL tests skip with the reason -- unless POLICY_ASSISTANT_REQUIRE_POSTGRES=1 (CI), where
a missing server is a failure.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest


def _bindir() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[-3]))
    return Path(versions[-1]).parent if versions else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A PostgreSQL server owned by the tests; `database()` makes a fresh empty database on it."""

    def __init__(self, admin_url: str, stop: list[str] | None = None, folder: str | None = None) -> None:
        self.admin_url, self._stop, self._folder = admin_url, stop, folder

    @classmethod
    def start(cls) -> Cluster:
        bindir = _bindir()
        if bindir is None:
            raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql), and TEST_DATABASE_URL "
                               "is not set")
        folder = tempfile.mkdtemp(prefix="pa-postgres-")
        run_as: list[str] = []
        if os.geteuid() == 0:  # initdb refuses root: run the server as an unprivileged user owning the folder
            user = next((name for name in ("postgres", "nobody") if _user_exists(name)), None)
            if user is None:
                raise RuntimeError("running as root and no unprivileged user (postgres/nobody) to run PostgreSQL")
            entry = pwd.getpwnam(user)
            os.chown(folder, entry.pw_uid, entry.pw_gid)
            os.chmod(folder, 0o700)
            run_as = ["runuser", "-u", user, "--"]
        data, port = os.path.join(folder, "data"), _free_port()
        subprocess.run([*run_as, str(bindir / "initdb"), "-D", data, "-U", "test", "-A", "trust", "--no-sync",
                        "-E", "UTF8", "--locale=C"], check=True, capture_output=True, timeout=120)
        options = (f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
                   "-c full_page_writes=off -c max_connections=200 -c shared_buffers=32MB")
        subprocess.run([*run_as, str(bindir / "pg_ctl"), "-D", data, "-o", options, "-l",
                        os.path.join(folder, "log"), "-w", "-t", "60", "start"],
                       check=True, capture_output=True, timeout=90)
        stop = [*run_as, str(bindir / "pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop"]
        return cls(f"postgresql://test@127.0.0.1:{port}/postgres", stop, folder)

    def database(self) -> str:
        """A new, empty database on the cluster; its URL."""
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        return self.admin_url.rsplit("/", 1)[0] + "/" + name

    def stop(self) -> None:
        if self._stop:
            subprocess.run(self._stop, capture_output=True, timeout=60)
        if self._folder:
            shutil.rmtree(self._folder, ignore_errors=True)


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def cluster_or_skip() -> Cluster:
    """The tests' PostgreSQL: TEST_DATABASE_URL's server, else a throwaway cluster, else skip (or fail in CI)."""
    given = os.environ.get("TEST_DATABASE_URL", "").strip()
    if given:
        return Cluster(given)
    try:
        return Cluster.start()
    except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
        detail = getattr(exc, "stderr", None) or b""
        reason = f"no PostgreSQL for these tests: {exc} {detail.decode(errors='replace').strip()[:300]}".strip()
        if os.environ.get("POLICY_ASSISTANT_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)

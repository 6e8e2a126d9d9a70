"""A real PostgreSQL server for the tests marked ``postgres``, started once per session.

The server binaries are found on PATH, then under ``/usr/lib/postgresql/*/bin`` (Debian's
``postgresql`` package). Without them the tests are skipped, except under CI (``CI`` set), where
they fail: CI must not silently skip them. The cluster lives in a temporary folder owned by an
unprivileged user (``postgres`` when the tests run as root), uses password authentication
(scram-sha-256) with a random password, listens on 127.0.0.1 at a free port, and is stopped and
removed at the end of the session, or when it fails to start.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class PgServer:
    host: str
    port: int
    user: str
    password: str

    def url(self, database: str = "postgres") -> str:
        """The URL without the password (libpq takes it from PGPASSWORD)."""
        return f"postgresql://{self.user}@{self.host}:{self.port}/{database}"


def _binaries() -> Path | None:
    found = shutil.which("initdb")
    folders = [Path(found).resolve().parent] if found else []

    def version(folder: Path) -> tuple[int, ...]:  # "15" after "9.6"
        return tuple(int(p) for p in folder.parent.name.split(".") if p.isdigit())

    folders += sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=version, reverse=True)
    for folder in folders:
        if all((folder / name).exists() for name in ("initdb", "pg_ctl", "postgres")):
            return folder
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def pg_server() -> PgServer:
    folder = _binaries()
    if folder is None:
        message = "PostgreSQL server binaries (initdb, pg_ctl) are not installed"
        if os.environ.get("CI"):
            pytest.fail(f"{message}; CI installs Debian's postgresql package.")
        pytest.skip(message)
    run_as: list[str] = []
    root = Path(tempfile.mkdtemp(prefix="cxpg-"))  # short: a socket path holds 107 bytes
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.fail("running as root needs the unprivileged user postgres to run the server")
        shutil.chown(root, "postgres")
        run_as = ["runuser", "-u", "postgres", "--"]
    password = secrets.token_urlsafe(12)
    pwfile = root / "pwfile"
    pwfile.write_text(password + "\n")
    pwfile.chmod(0o600)
    if run_as:
        shutil.chown(pwfile, "postgres")
    data = root / "data"
    port = _free_port()
    started = False
    try:
        subprocess.run(
            [
                *run_as,
                str(folder / "initdb"),
                "-D",
                str(data),
                "-U",
                "cxlab",
                "-A",
                "scram-sha-256",
                f"--pwfile={pwfile}",
                "-E",
                "UTF8",
                "--no-sync",
                "--no-instructions",
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        pwfile.unlink()
        options = (
            f"-k {root} -p {port} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        log = str(root / "server.log")
        started = True
        subprocess.run(
            [
                *run_as,
                str(folder / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                options,
                "-l",
                log,
                "-w",
                "start",
            ],
            check=True,
            capture_output=True,
            timeout=90,
        )
        yield PgServer("127.0.0.1", port, "cxlab", password)
    finally:
        if started:
            subprocess.run(
                [*run_as, str(folder / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                capture_output=True,
                timeout=60,
            )
        shutil.rmtree(root, ignore_errors=True)

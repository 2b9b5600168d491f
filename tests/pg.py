"""A throwaway PostgreSQL server for the test suite, started from the machine's PostgreSQL binaries.

`KPIBOT_TEST_POSTGRES_URL` (an admin URL such as postgresql://postgres@127.0.0.1:5432/postgres) skips
the start and uses that server instead. In CI (CI=true) a missing PostgreSQL is an error, not a skip.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text


def _bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def postgres_server() -> Iterator[str | None]:
    """Yield an admin URL for a running PostgreSQL server, or None when none can be had."""
    url = os.environ.get("KPIBOT_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    if not initdb or not pg_ctl:
        yield None
        return
    data = tempfile.mkdtemp(prefix="kpibot-pg-")
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(data, user="postgres")
        os.chmod(data, 0o700)
        as_user = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    subprocess.run(
        [*as_user, initdb, "-D", data, "-A", "trust", "-U", "postgres", "--no-sync"],
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
    subprocess.run(
        [*as_user, pg_ctl, "-D", data, "-o", options, "-l", f"{data}/log", "-w", "start"],
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_user, pg_ctl, "-D", data, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(data, ignore_errors=True)


def create_database(admin_url: str) -> str:
    """Create a fresh, empty database on the server and return its URL."""
    name = "t_" + uuid.uuid4().hex[:12]
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return admin_url.rsplit("/", 1)[0] + "/" + name

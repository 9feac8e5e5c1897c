"""A throwaway PostgreSQL server for the tests: Debian's ``postgresql`` package, started once per
test session with ``initdb`` + ``pg_ctl`` in a temporary folder, listening only on a unix socket
there. Each test gets a fresh database copied from a template that already has every migration.

initdb refuses to run as root, so as root (CI, this machine) the server runs as the ``postgres``
user (or ``nobody``) through ``runuser``; as a normal user it runs as that user. Without the
binaries the PostgreSQL tests skip on a developer's machine and fail under ``CI=true``, so CI
never passes without PostgreSQL (``.ci/system-packages`` installs it).
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest

from storage.postgres.store import PostgresStore

__all__ = ["PgCluster", "fresh_postgres_store", "pg_cluster", "pg_url", "require_postgres"]

TEMPLATE = "ndn_migrated"
SUPERUSER = "ndn"
PORT = 5432


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=_major, reverse=True)
    if found:
        return Path(found[0]).parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).resolve().parent if on_path else None


def _major(path: str) -> int:
    part = Path(path).parent.parent.name
    return int(part) if part.isdigit() else 0


def require_postgres() -> Path:
    found = _bin_dir()
    if found is not None and (found / "initdb").exists():
        return found
    message = "PostgreSQL (initdb, pg_ctl) not found: run `bash .ci/system-packages`"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def _server_user() -> str | None:
    """None when we can run the server ourselves; else the unprivileged account to run it as."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    raise RuntimeError("running as root and neither 'postgres' nor 'nobody' exists for initdb")


class PgCluster:
    """One running server; ``new_database()`` hands out a fresh migrated database."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.user = _server_user()
        self.root = Path(tempfile.mkdtemp(prefix="ndn-pg-"))
        self.data = self.root / "data"
        self.socket_dir = self.root
        self._numbers = itertools.count(1)
        self._template_ready = False

    def url(self, database: str) -> str:
        return f"postgresql://{SUPERUSER}@/{database}?host={self.socket_dir}&port={PORT}"

    def _run(self, *args: str) -> None:
        command = [str(self.bin_dir / args[0]), *args[1:]]
        if self.user is not None:
            command = ["runuser", "-u", self.user, "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        if self.user is not None:
            entry = pwd.getpwnam(self.user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self._run(
            "initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8",
            "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip
        options = (
            f"-c listen_addresses='' -c unix_socket_directories={self.socket_dir} -p {PORT}"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            " -c max_connections=300 -c shared_buffers=64MB"
        )
        self._run(
            "pg_ctl", "start", "-w", "-t", "60", "-D", str(self.data),
            "-l", str(self.root / "server.log"), "-o", options,
        )  # fmt: skip

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "stop", "-m", "immediate", "-D", str(self.data))
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    async def _admin(self) -> asyncpg.Connection:
        return await asyncpg.connect(self.url("postgres"))

    async def _make_template(self) -> None:
        admin = await self._admin()
        try:
            await admin.execute(f"CREATE DATABASE {TEMPLATE}")
        finally:
            await admin.close()
        store = await PostgresStore.open(self.url(TEMPLATE), min_size=1, max_size=1)
        await store.close()
        self._template_ready = True

    async def empty_database(self) -> str:
        """A database with no tables at all, for the migration tests."""
        name = f"e_{next(self._numbers)}"
        admin = await self._admin()
        try:
            await admin.execute(f"CREATE DATABASE {name}")
        finally:
            await admin.close()
        return self.url(name)

    async def new_database(self) -> str:
        if not self._template_ready:
            await self._make_template()
        name = f"t_{next(self._numbers)}"
        admin = await self._admin()
        try:
            await admin.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE} STRATEGY FILE_COPY")
        finally:
            await admin.close()
        return self.url(name)

    async def drop_database(self, url: str) -> None:
        name = url.split("@/", 1)[1].split("?", 1)[0]
        admin = await self._admin()
        try:
            await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        finally:
            await admin.close()


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    cluster = PgCluster(require_postgres())
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


@asynccontextmanager
async def fresh_postgres_store(request: pytest.FixtureRequest) -> AsyncIterator[PostgresStore]:
    """A PostgresStore on a fresh database, for fixtures parametrised over both stores (an async
    fixture cannot ask for the async ``pg_url`` through ``request``)."""
    cluster: PgCluster = request.getfixturevalue("pg_cluster")
    url = await cluster.new_database()
    store = await PostgresStore.open(url)
    try:
        yield store
    finally:
        await store.close()
        await cluster.drop_database(url)


@pytest.fixture
async def pg_url(pg_cluster: PgCluster) -> AsyncIterator[str]:
    """A fresh database with every migration applied, dropped after the test."""
    url = await pg_cluster.new_database()
    yield url
    await pg_cluster.drop_database(url)

"""Real Redis and PostgreSQL servers for the tests, on free 127.0.0.1 ports, in temp dirs.

Not mocks: the Debian ``redis-server`` and PostgreSQL binaries (``.ci/run`` installs them).
When they cannot be found the fixtures fail, naming what to install: a test that needs a real
server never passes without one.

* ``redis_server`` (session): one ``redis-server`` without persistence
  (``--save '' --appendonly no``).
* ``own_redis`` (function): a server of the test's own, which it may stop and restart.
* ``postgres_server`` (session): one PostgreSQL cluster (``initdb`` + ``pg_ctl``), trust
  authentication on 127.0.0.1 only; ``postgres_url`` gives each test a fresh database.

PostgreSQL refuses to run as root: as root, the cluster belongs to ``nobody`` and its commands
run through ``runuser``.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

START_SECONDS = 30.0
_databases = itertools.count(1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_port(port: int, process: subprocess.Popen | None, log: Path, what: str) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}:\n{log.read_text()}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not listen on 127.0.0.1:{port} within {START_SECONDS}s")


# -- Redis ------------------------------------------------------------------------------------


def redis_binary() -> str:
    path = shutil.which("redis-server")
    if path is None:
        pytest.fail(
            "redis-server is not installed: the tests run a real one. Install it with "
            "`apt-get install -y redis-server` (what .ci/run does).",
            pytrace=False,
        )
    return path


class RedisServer:
    """A ``redis-server`` process on a free 127.0.0.1 port; ``stop`` and ``start`` keep it."""

    def __init__(self, directory: Path) -> None:
        self.binary = redis_binary()
        self.directory = directory
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.log = directory / "redis.log"

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        args = [
            self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--dir", str(self.directory),
            "--daemonize", "no", "--logfile", str(self.log),
        ]  # fmt: skip
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        _wait_port(self.port, self.process, self.log, "redis-server")

    def stop(self) -> None:
        """Kill the server (SIGKILL: like a crash, no goodbye to the clients)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.process = None

    def flush(self) -> None:
        import redis

        redis.Redis.from_url(self.url).flushall()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    with tempfile.TemporaryDirectory(prefix="openai-deals-redis-") as directory:
        server = RedisServer(Path(directory))
        server.start()
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


# -- PostgreSQL -------------------------------------------------------------------------------


def postgres_bin_dir() -> Path:
    """Where ``initdb`` and ``pg_ctl`` are: on PATH, else Debian's newest
    ``/usr/lib/postgresql/<version>/bin``."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if not versions:
        pytest.fail(
            "PostgreSQL is not installed: no initdb on PATH nor in /usr/lib/postgresql/*/bin. "
            "The tests run a real server: `apt-get install -y postgresql` (what .ci/run does).",
            pytrace=False,
        )
    return Path(versions[-1]).parent


class PostgresServer:
    """A throw-away PostgreSQL cluster on a free 127.0.0.1 port (trust authentication)."""

    USER = "postgres"

    def __init__(self, directory: Path) -> None:
        self.bin = postgres_bin_dir()
        self.directory = directory
        self.data = directory / "data"
        self.log = directory / "postgres.log"
        self.port = free_port()
        # initdb and postgres refuse root: run them as nobody, who then owns the directory.
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(directory, "nobody")
            self.as_user = ["runuser", "-u", "nobody", "--"]

    def _run(self, *args: str) -> None:
        result = subprocess.run(
            [*self.as_user, *args], capture_output=True, text=True, timeout=120, cwd=self.directory
        )
        if result.returncode != 0:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(
                f"{args[0]} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}\n{log}"
            )

    def start(self) -> None:
        self._run(
            str(self.bin / "initdb"), "-D", str(self.data), "-U", self.USER, "-A", "trust",
            "--no-sync", "-E", "UTF8", "--locale", "C",
        )  # fmt: skip
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.directory} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options,
            "-l", str(self.log), "-w", "-t", str(int(START_SECONDS)), "start",
        )  # fmt: skip
        _wait_port(self.port, None, self.log, "postgres")

    def stop(self) -> None:
        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.USER}@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """A new empty database; its SQLAlchemy URL."""
        import sqlalchemy

        name = f"test_{os.getpid()}_{next(_databases)}"
        engine = sqlalchemy.create_engine(self.url(), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
        finally:
            engine.dispose()
        return self.url(name)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    # In /tmp (not pytest's root-only 0700 tree) so that nobody can reach it.
    directory = Path(tempfile.mkdtemp(prefix="openai-deals-pg-"))
    server = PostgresServer(directory)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> str:
    """A fresh, empty PostgreSQL database for one test."""
    return postgres_server.create_database()

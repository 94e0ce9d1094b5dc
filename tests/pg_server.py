"""A throwaway PostgreSQL server: a temporary folder, 127.0.0.1, a free port, fsync off.

Used by the test suite (tests/conftest.py), the benchmarks and `make postgres`
(`python -m tests.pg_server`: starts one, prints its DATABASE_URL, stops it at Ctrl-C).
`initdb` refuses to run as root, so as root the server runs as the `postgres` system user.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

INSTALL_HINT = "install it with: apt-get install -y postgresql"


class PostgresUnavailable(Exception):
    """No PostgreSQL server could be started here; the message says why, in one line."""


def _binary(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    if candidates:
        return candidates[0]
    raise PostgresUnavailable(f"PostgreSQL's {name} is not installed")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PostgresServer:
    """`durable`: fsync on, as in production (the tests' and `make postgres`'s is off)."""

    def __init__(self, durable: bool = False) -> None:
        self.durable = durable
        self.folder: Path | None = None
        self.port = 0
        self._as_user: list[str] = []

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
        self.folder = Path(tempfile.mkdtemp(prefix="quiz-postgres-"))
        if os.geteuid() == 0:
            try:
                shutil.chown(self.folder, "postgres", "postgres")
            except (LookupError, OSError) as error:
                raise PostgresUnavailable(
                    f"running as root needs the postgres system user ({error})"
                ) from error
            self._as_user = ["runuser", "-u", "postgres", "--"]
        data = self.folder / "data"
        self._run([initdb, "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8"])
        for _ in range(3):  # a port taken between the probe and the start: try another
            self.port = _free_port()
            fsync = "" if self.durable else " -F"
            options = f"-h 127.0.0.1 -p {self.port} -k {self.folder}{fsync} -c max_connections=200"
            try:
                log = str(self.folder / "server.log")
                self._run([pg_ctl, "-D", str(data), "-o", options, "-w", "-l", log, "start"])
                return
            except PostgresUnavailable:
                continue
        log = (self.folder / "server.log").read_text(errors="replace").strip().splitlines()
        raise PostgresUnavailable(f"the server did not start: {log[-1] if log else 'no log'}")

    def stop(self) -> None:
        if self.folder is None:
            return
        data = self.folder / "data"
        if (data / "postmaster.pid").exists():
            subprocess.run(
                [*self._as_user, _binary("pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                capture_output=True,
                timeout=60,
                check=False,
            )
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder = None

    def _run(self, command: list[str]) -> None:
        try:
            result = subprocess.run(
                [*self._as_user, *command], capture_output=True, text=True, timeout=120
            )
        except OSError as error:
            raise PostgresUnavailable(f"{command[0]}: {error}") from error
        if result.returncode != 0:
            lines = (result.stderr or result.stdout).strip().splitlines()
            raise PostgresUnavailable(
                f"{Path(command[0]).name} failed: {lines[-1] if lines else result.returncode}"
            )


def main() -> int:
    server = PostgresServer()
    try:
        server.start()
    except PostgresUnavailable as error:
        print(f"error: {error}; {INSTALL_HINT}", file=sys.stderr)
        return 2
    print(f"DATABASE_URL={server.url()}", flush=True)
    print("A throwaway server (fsync off): Ctrl-C stops it and deletes its data.", flush=True)
    try:
        signal.sigwait({signal.SIGINT, signal.SIGTERM})
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    sys.exit(main())

"""PostgreSQL and Redis servers of a test's own, on free ports and temporary directories, that the
test stops and starts at will (the shared servers on 5432 and 6379 are never touched).

PostgreSQL comes from the pgserver wheel the project already depends on (the same binaries as the
embedded database), so no system installation is needed; as root it runs as the `pgserver` system
user that pgserver creates. Redis is the `redis-server` on PATH (CI installs it), without persistence.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

from .servers import free_port


def _pgserver():  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver
        from pgserver.utils import ensure_user_exists

    return pgserver, ensure_user_exists


def _wait_port(port: int, up: bool, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            probe.settimeout(0.2)
            is_up = probe.connect_ex(("127.0.0.1", port)) == 0
        if is_up == up:
            return
        time.sleep(0.05)
    raise TimeoutError(f"port {port} still {'down' if up else 'up'} after {timeout}s")


class PrivatePostgres:
    """A throwaway cluster: trust auth, user postgres, TCP on 127.0.0.1:<port>."""

    def __init__(self) -> None:
        pgserver, ensure_user_exists = _pgserver()
        self._pg_ctl = pgserver.pg_ctl
        self.user = None
        if os.geteuid() == 0:  # initdb refuses root
            self.user = "pgserver"
            ensure_user_exists(self.user)
        self.root = Path(tempfile.mkdtemp(prefix="omnichannel-pg-"))
        self.data = self.root / "data"
        self.data.mkdir()
        if self.user is not None:
            import pwd

            entry = pwd.getpwnam(self.user)
            os.chmod(self.root, 0o755)
            for path in (self.root, self.data):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        pgserver.initdb(
            ["--auth=trust", "--auth-local=trust", "--encoding=utf8", "-U", "postgres"],
            pgdata=self.data,
            user=self.user,
        )
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/postgres"
        self.start()

    def start(self) -> None:
        self._pg_ctl(
            [
                "-w",
                "-o",
                f"-h 127.0.0.1 -p {self.port} -k {self.root} -c fsync=off -c max_connections=100",
                "-l",
                str(self.root / "log"),
                "start",
            ],
            pgdata=self.data,
            user=self.user,
            timeout=60,
        )
        _wait_port(self.port, up=True, timeout=30)

    def stop(self, mode: str = "fast") -> None:
        self._pg_ctl(["-w", "-m", mode, "stop"], pgdata=self.data, user=self.user, timeout=60)
        _wait_port(self.port, up=False, timeout=30)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


class PrivateRedis:
    """redis-server on 127.0.0.1:<port>, no persistence; stop() and start() keep the port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_port(self.port, up=True, timeout=20)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(20)
            self.process = None
        _wait_port(self.port, up=False, timeout=20)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.stop()

"""Starting real `omnichannel serve` processes for end-to-end tests."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from tests.conftest import JWT_SECRET

OMNICHANNEL = str(Path(sys.executable).parent / "omnichannel")


def server_env(database_url: str, redis_url: str, namespace: str, **extra: str) -> dict[str, str]:
    """What an `omnichannel serve` process of a test needs: the session's database and Redis, the test
    signing secret (the `token` fixture's tokens are valid there), a broker namespace, quiet logs."""
    return {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "OMNICHANNEL_JWT_SECRET": JWT_SECRET,
        "OMNICHANNEL_BROKER_NAMESPACE": namespace,
        "OMNICHANNEL_LOG_LEVEL": "WARNING",
        **extra,
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(base: str, process: subprocess.Popen[bytes], timeout: float = 60.0, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = log.read_text()[-3000:] if log else ""
            raise RuntimeError(f"server exited with {process.returncode}:\n{output}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        time.sleep(0.2)
    raise TimeoutError(f"{base} not ready after {timeout}s")


@contextlib.contextmanager
def serve(
    env: dict[str, str], *args: str, cwd: str | None = None, timeout: float = 60.0, log: Path | None = None
) -> Iterator[str]:
    """Run `omnichannel serve` on a free port; yields its base URL; stops it afterwards.
    `log`: keep the server's output there (else a temporary file, deleted)."""
    with serve_process(env, *args, cwd=cwd, timeout=timeout, log=log) as (base, _):
        yield base


@contextlib.contextmanager
def serve_process(
    env: dict[str, str], *args: str, cwd: str | None = None, timeout: float = 60.0, log: Path | None = None
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """serve(), yielding the base URL and the process (to signal it)."""
    port = free_port()
    full_env = {**os.environ, **env}
    for name in ("DATABASE_URL", "REDIS_URL"):
        if name in env and env[name] is None:
            full_env.pop(name, None)
    keep = log is not None
    log = log or Path(tempfile.mkstemp(prefix="omnichannel-serve-", suffix=".log")[1])
    with log.open("wb") as output:
        process = subprocess.Popen(
            [OMNICHANNEL, "serve", "--port", str(port), *args],
            env={k: v for k, v in full_env.items() if v is not None},
            cwd=cwd,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, process, timeout, log)
        yield base, process
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        if not keep:
            log.unlink(missing_ok=True)

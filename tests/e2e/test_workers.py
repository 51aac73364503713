"""`serve --workers N`: every worker listens on a socket of its own, also after a worker dies."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from .servers import serve

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads listening sockets from /proc"),
]


def _listeners(port: int) -> dict[str, int]:
    """Listening TCP sockets on this port: socket inode -> the pid holding it."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":  # 0A: LISTEN
                inodes.add(fields[9])
    owners: dict[str, int] = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    owners[target[8:-1]] = int(pid)
        except OSError:
            continue
    return owners


def _wait_for(check, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise TimeoutError


def test_each_worker_listens_on_its_own_socket_and_a_replacement_gets_one(server_env):
    with serve(server_env, "--workers", "2") as base:
        port = urlsplit(base).port
        assert port is not None
        owners = _wait_for(lambda: (found := _listeners(port)) and len(set(found.values())) == 2 and found)
        assert len(owners) == 2  # two sockets, one per worker, none left in the supervisor

        victim = next(iter(owners.values()))
        os.kill(victim, signal.SIGKILL)
        replaced = _wait_for(
            lambda: (found := _listeners(port)) and victim not in found.values() and len(found) == 2 and found
        )
        assert len(set(replaced.values())) == 2
        for _ in range(10):
            assert httpx.get(f"{base}/healthz", timeout=5).status_code == 200

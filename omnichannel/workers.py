"""Several uvicorn worker processes, each listening on a socket of its own (SO_REUSEPORT).

uvicorn's `--workers` shares one listening socket: whichever worker wakes first accepts a whole burst
of new connections, and keep-alive clients then stay where they landed (measured: 27 of 32 benchmark
connections on one of two workers, which then ran at full load while the other idled). With one
SO_REUSEPORT socket per worker the kernel spreads connections over the workers evenly.

Supervision - health checks, restarting dead workers, signals - stays uvicorn's `Multiprocess`;
only where each new worker listens changes.
"""

from __future__ import annotations

import contextlib
import socket
from typing import Any

import uvicorn
from uvicorn.supervisors.multiprocess import Multiprocess


def reuse_port_supported() -> bool:
    return hasattr(socket, "SO_REUSEPORT")


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to host:port that other workers may bind too (the kernel balances between them)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


class ReusePortMultiprocess(Multiprocess):
    """uvicorn's supervisor; every worker it starts (at start-up, on restart, on SIGTTIN) gets a new socket.

    The parent closes its copy once the worker runs, so a dead worker's socket leaves the group with it.
    """

    def __init__(self, config: uvicorn.Config) -> None:
        self._opened: list[socket.socket] = []
        super().__init__(config, sockets=[])

    @property
    def sockets(self) -> list[socket.socket]:
        sock = listening_socket(self.config.host, self.config.port)
        self._opened.append(sock)
        return [sock]

    @sockets.setter
    def sockets(self, value: list[socket.socket]) -> None:
        del value  # uvicorn's __init__ stores the shared socket here; each worker gets its own instead

    def _close_parent_copies(self) -> None:
        while self._opened:
            self._opened.pop().close()

    def init_processes(self) -> None:
        try:
            super().init_processes()
        finally:
            self._close_parent_copies()

    def keep_subprocess_alive(self) -> None:
        try:
            super().keep_subprocess_alive()
        finally:
            self._close_parent_copies()

    def restart_all(self) -> None:
        try:
            super().restart_all()
        finally:
            self._close_parent_copies()

    def handle_ttin(self) -> None:
        try:
            super().handle_ttin()
        finally:
            self._close_parent_copies()


def run(app: str, *, workers: int, **options: Any) -> None:
    """uvicorn.run, with one SO_REUSEPORT socket per worker when there are several."""
    if workers <= 1 or not reuse_port_supported():
        uvicorn.run(app, workers=workers, **options)
        return
    config = uvicorn.Config(app, workers=workers, **options)
    with contextlib.suppress(KeyboardInterrupt):
        ReusePortMultiprocess(config).run()

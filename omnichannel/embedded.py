"""The embedded PostgreSQL used when DATABASE_URL is unset: a real server from the pgserver wheel.

Its data lives under OMNICHANNEL_HOME/pgdata. Every `omnichannel` process that uses it registers
itself (pgserver keeps the pids in pgdata/.handle_pids.json) and the last one to exit stops it, so
`serve --demo` leaves nothing running after Ctrl-C or SIGTERM, while a second process started with
the same OMNICHANNEL_HOME (another `serve`, `token`, `seed`) shares the running server and keeps it
up until it exits too. The data stays; the next command starts the server again. Processes that
were killed outright (SIGKILL) cannot unregister: dead pids are dropped whenever a process registers
or leaves, so they never keep the server up.
"""

from __future__ import annotations

import atexit
import logging
import os
import warnings
from pathlib import Path
from typing import Any

log = logging.getLogger("omnichannel.embedded")

DATABASE = "omnichannel"


def _pgserver() -> Any:  # pgserver publishes no types
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR on servers
        import pgserver

    return pgserver


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def forget_dead_users(data_dir: Path) -> None:
    """Drop the pids of processes that died without unregistering (under pgserver's lock)."""
    from pgserver.postgres_server import PostgresServer
    from pgserver.utils import DiskList

    with PostgresServer._lock:
        users = DiskList(data_dir / ".handle_pids.json")
        pids = users.get()
        living = [pid for pid in pids if _alive(pid)]
        if living != pids:
            users.put(living)


def embedded_database_url(home: Path, database: str = DATABASE) -> str:
    """Start (or join) the embedded server under home and return a URL for `database` on it; this
    process keeps it running until it exits."""
    pgserver = _pgserver()
    data_dir = (home / "pgdata").expanduser().resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    forget_dead_users(data_dir)
    server = pgserver.get_server(data_dir, cleanup_mode="stop")
    # atexit runs the last registered first: this runs before pgserver's own clean-up, which stops
    # the server only when this process is the last one left in the list
    atexit.register(forget_dead_users, data_dir)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
        log.info("created database %s in the embedded PostgreSQL at %s", database, data_dir)
    return f"postgres://postgres@/{database}?host={data_dir}"


def stop_embedded_database(home: Path) -> None:
    """Stop the embedded server of this home, if one runs (its data stays)."""
    data_dir = home / "pgdata"
    if not (data_dir / "postmaster.pid").exists():
        return
    pgserver = _pgserver()
    # as root, pgserver runs postgres as the system user 'pgserver'; pg_ctl must run as that user too
    user = "pgserver" if hasattr(os, "geteuid") and os.geteuid() == 0 else None
    pgserver.pg_ctl(["-w", "stop", "-m", "fast"], pgdata=data_dir, user=user)

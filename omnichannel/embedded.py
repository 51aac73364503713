"""The embedded PostgreSQL used when DATABASE_URL is unset: a real server from the pgserver wheel.

Its data lives under OMNICHANNEL_HOME/pgdata and it keeps running after the process that started
it exits, so the next command (or the next `serve`) reuses it and its data.
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

log = logging.getLogger("omnichannel.embedded")

DATABASE = "omnichannel"


def embedded_database_url(home: Path, database: str = DATABASE) -> str:
    """Start (or reuse) the embedded server under home and return a URL for `database` on it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR on servers
        import pgserver

    data_dir = home / "pgdata"
    data_dir.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(data_dir, cleanup_mode=None)
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
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver

    # as root, pgserver runs postgres as the system user 'pgserver'; pg_ctl must run as that user too
    user = "pgserver" if hasattr(os, "geteuid") and os.geteuid() == 0 else None
    pgserver.pg_ctl(["-w", "stop", "-m", "fast"], pgdata=data_dir, user=user)  # type: ignore[attr-defined]  # pgserver exports it untyped

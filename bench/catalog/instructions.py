"""Instructions per request, app against floor: the one figure the noise of a shared machine cannot move.

    python -m bench.catalog.instructions --db omni_bench_xxxx [--requests 20]

Runs the catalogue-page request in-process (ASGI called directly, real SQL, no HTTP) first on the
app, then on the bare endpoint (`bare.py`), each under valgrind's callgrind with instrumentation
switched on only around the measured requests (after start-up and a warm-up), and prints the
instructions the Python process executed per request, and their ratio. CPU time per request moves
by a third with whatever else runs on the machine; instruction counts repeat to a fraction of a
percent. They do not count PostgreSQL's work, the kernel's or cache misses: compare
`python -m bench.catalog` for requests/s. Needs `valgrind` (and `callgrind_control`) on PATH.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .__main__ import pick_stores, store_gid
from .profile import call, database_url, graphql_request


def _wait_for(path: Path, process: subprocess.Popen[bytes], timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if process.poll() is not None:
            raise RuntimeError(f"the measured process ended early ({process.returncode})")
        if time.monotonic() > deadline:
            raise TimeoutError(f"no {path.name} after {timeout:.0f} s")
        time.sleep(0.2)


def measure(target: str, db: str, requests: int) -> int:
    """Instructions per request of `target` ('graphql' or 'bare'), under callgrind."""
    with tempfile.TemporaryDirectory(prefix="omni-callgrind-") as tmp:
        flag, out = Path(tmp) / "flag", Path(tmp) / "callgrind.out"
        command = [
            "valgrind",
            "--tool=callgrind",
            "--instr-atstart=no",
            f"--callgrind-out-file={out}",
            sys.executable,
            "-m",
            "bench.catalog.instructions",
            "--child",
            target,
            "--db",
            db,
            "--requests",
            str(requests),
            "--flag",
            str(flag),
        ]
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            _wait_for(flag.with_suffix(".ready"), process)
            subprocess.run(["callgrind_control", "-i", "on", str(process.pid)], check=True, capture_output=True)
            flag.with_suffix(".go").touch()
            _wait_for(flag.with_suffix(".done"), process)
            subprocess.run(["callgrind_control", "-i", "off", str(process.pid)], check=True, capture_output=True)
            flag.with_suffix(".end").touch()
            _, err = process.communicate(timeout=120)
            if process.returncode != 0:
                raise RuntimeError(err.decode(errors="replace")[-2000:])
        finally:
            if process.poll() is None:
                process.kill()
        return _total_instructions(out) // requests


def _total_instructions(out: Path) -> int:
    for line in out.read_text().splitlines():
        if line.startswith("totals:"):
            return int(line.split()[1])
    raise RuntimeError(f"no totals in {out}")


async def child(target: str, db: str, requests: int, flag: Path) -> None:
    url = database_url(db)
    app: Any
    if target == "graphql":
        path = "/graphql"
        app, body = await graphql_request(url)
    else:
        os.environ["DATABASE_URL"] = url  # read by the floor's lifespan
        from .bare import app

        store_ids, _ = await pick_stores(url, 50)
        path = "/products"
        body = json.dumps({"first": 50, "channel": "APP", "storeIds": [store_gid(pk) for pk in store_ids]}).encode()
    async with app.router.lifespan_context(app):
        for _ in range(10):
            answer = await call(app, path, body)
        if b'"errors"' in answer or not answer.startswith(b'{"data"'):
            raise RuntimeError(answer[:500].decode(errors="replace"))
        flag.with_suffix(".ready").touch()
        await _until_exists(flag.with_suffix(".go"))
        for _ in range(requests):
            await call(app, path, body)
        flag.with_suffix(".done").touch()
        await _until_exists(flag.with_suffix(".end"))


async def _until_exists(path: Path) -> None:
    """The parent's signal (a file: it runs outside valgrind and cannot reach our event loop)."""
    while not path.exists():  # noqa: ASYNC110, ASYNC240 - a stat every 50 ms, nothing else runs
        await asyncio.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True, help="a seeded database (python -m bench.catalog --keep-db)")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--child", choices=["graphql", "bare"], help=argparse.SUPPRESS)
    parser.add_argument("--flag", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        asyncio.run(child(args.child, args.db, args.requests, args.flag))
        return
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        sys.exit("valgrind is not installed (apt-get install -y valgrind)")
    graphql = measure("graphql", args.db, args.requests)
    bare = measure("bare", args.db, args.requests)
    print(f"instructions per request, in-process, {args.requests} requests each (callgrind):")
    print(f"  graphql {graphql / 1e6:8.2f} M")
    print(f"  bare    {bare / 1e6:8.2f} M")
    print(f"  bare/graphql {bare / graphql:.3f}")


if __name__ == "__main__":
    main()

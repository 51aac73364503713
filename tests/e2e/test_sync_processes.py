"""The ERP's bulk sync across real processes: copies of one batch on two servers, and the command."""

from __future__ import annotations

import asyncio
import csv
import os
import subprocess
from pathlib import Path

import httpx
import pytest

from omnichannel.persistence import db
from tests.api.catalogue_support import retire_new_products
from tests.api.sync_support import LOCATIONS, SYNC_STOCK, product_rows, tag

from .servers import OMNICHANNEL, serve, server_env

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("retire_new_products")]
__all__ = ["retire_new_products"]


def _write(path: Path, rows: list[dict]) -> Path:
    with path.open("w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _sync(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [OMNICHANNEL, "sync", *args], env={**os.environ, **env}, cwd=cwd, capture_output=True, text=True, timeout=180
    )


async def test_the_command_sends_batches_and_a_rerun_replays_them(
    database_url, redis_url, broker_namespace, token, tmp_path
):
    env = server_env(database_url, redis_url, broker_namespace)
    service = await token("SERVICE")
    prefix = f"CL{tag()}"
    products = _write(tmp_path / "products.csv", product_rows(prefix, 4, 2))
    stock_rows = [
        {"storeCode": code, "sku": f"{prefix}-P{p:04d}-V0", "onHand": 5} for code in LOCATIONS[:3] for p in range(4)
    ]
    stock_rows.append({"storeCode": "S77", "sku": f"{prefix}-P0000-V0", "onHand": 1})
    stock = _write(tmp_path / "stock.csv", stock_rows)
    with serve(env) as base:
        url = f"{base}/graphql"
        made = _sync(
            "products", str(products), "--url", url, "--token", service, "--batch-size", "3", env=env, cwd=tmp_path
        )
        assert made.returncode == 0, made.stderr
        assert "3 batch(es), 0 replayed: 8 applied, 0 unchanged, 0 rejected" in made.stderr
        counted = _sync(
            "stock", str(stock), "--url", url, "--token", service, "--batch-size", "5", env=env, cwd=tmp_path
        )
        assert counted.returncode == 1  # one row refused
        assert "12 applied, 0 unchanged, 1 rejected" in counted.stderr
        assert f"line {len(stock_rows) + 1}: UNKNOWN_STORE" in counted.stderr
        again = _sync("stock", str(stock), "--url", url, "--token", service, "--batch-size", "5", env=env, cwd=tmp_path)
        assert "3 batch(es), 3 replayed: 12 applied" in again.stderr
        no_token = _sync("stock", str(stock), "--url", url, env={**env, "OMNICHANNEL_TOKEN": ""}, cwd=tmp_path)
        assert no_token.returncode == 2 and "SERVICE token" in no_token.stderr
    moved = await db.fetch(
        "SELECT count(*) AS n FROM stock_movement m JOIN variant v ON v.id = m.variant_id WHERE v.sku LIKE $1",
        [f"{prefix}-%"],
    )
    assert moved[0]["n"] == 12
    # straight to the database (no --url): a changed file is new batches; the unchanged rows say so
    stock_rows[0]["onHand"] = 9
    direct = _sync("stock", str(_write(tmp_path / "stock2.csv", stock_rows)), env=env, cwd=tmp_path)
    assert direct.returncode == 1 and "1 applied, 11 unchanged, 1 rejected" in direct.stderr, direct.stderr


async def test_two_copies_of_a_batch_on_two_processes_apply_it_once(database_url, redis_url, broker_namespace, token):
    env = server_env(database_url, redis_url, broker_namespace)
    service = await token("SERVICE")
    prefix = f"TP{tag()}"
    headers = {"authorization": f"Bearer {service}"}
    with serve(env) as first, serve(env) as second:
        async with httpx.AsyncClient(timeout=60) as http:
            master = product_rows(prefix, 40, 1)
            body = {
                "query": "mutation($i: SyncProductsInput!) { syncProducts(input: $i) { result { applied } } }",
                "variables": {"i": {"batchId": f"{prefix}-products", "rows": master}},
            }
            assert (await http.post(f"{first}/graphql", json=body, headers=headers)).json()["data"]["syncProducts"][
                "result"
            ]["applied"] == 40
            rows = [{"storeCode": c, "sku": r["sku"], "onHand": 2} for c in LOCATIONS for r in master]
            payload = {"query": SYNC_STOCK, "variables": {"input": {"batchId": f"{prefix}-count", "rows": rows}}}
            answers = await asyncio.gather(
                *(
                    http.post(f"{base}/graphql", json=payload, headers=headers)
                    for base in (first, second, first, second)
                )
            )
    results = [a.json()["data"]["syncStock"]["result"] for a in answers]
    assert sorted(r["replayed"] for r in results) == [False, True, True, True]
    assert {r["applied"] for r in results} == {len(rows)}
    moved = await db.fetch("SELECT count(*) AS n FROM stock_movement WHERE reference = $1", [f"{prefix}-count"])
    assert moved[0]["n"] == len(rows)

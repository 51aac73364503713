"""`omnichannel seed --demo` (its sales history) and `seed --orders N` write rollups that equal the raw
rows, and `omnichannel report sales` prints them as a table, CSV or a PNG chart."""

from __future__ import annotations

import csv
import io
import os
import secrets
import subprocess
from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest_asyncio

from omnichannel.domain.catalog import SalesChannel
from omnichannel.domain.credit import CreditLine, credit_split
from omnichannel.domain.reports import wait_bucket
from omnichannel.persistence import db
from tests.conftest import JWT_SECRET, _server_url

from .servers import OMNICHANNEL

ORDERS = 3000


def run(*args: str, url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url, "OMNICHANNEL_JWT_SECRET": JWT_SECRET, "OMNICHANNEL_HOME": str(cwd)}
    return subprocess.run([OMNICHANNEL, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest_asyncio.fixture
async def seeded(tmp_path):
    url = db.with_database(_server_url(), f"omni_seed_{secrets.token_hex(4)}")
    await db.create_database(url, exist_ok=False)
    try:
        assert run("seed", "--demo", url=url, cwd=tmp_path).returncode == 0
        done = run("seed", "--orders", str(ORDERS), url=url, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert f"paid_orders={ORDERS}" in done.stderr
        yield url
    finally:
        await db.drop_database(url)


async def test_seeded_orders_have_rollups_equal_to_their_raw_rows(seeded, tmp_path):
    conn = await db._raw_connect(seeded)
    try:
        raw = await conn.fetch(
            "SELECT (o.paid_at AT TIME ZONE 'Asia/Shanghai')::date AS day, o.channel, o.mode, f.location_id, "
            "count(DISTINCT o.id) AS orders, sum(l.quantity) AS units FROM customer_order o "
            "JOIN fulfillment f ON f.order_id = o.id JOIN fulfillment_line l ON l.fulfillment_id = f.id "
            "WHERE o.paid_at IS NOT NULL AND o.status NOT IN ('CANCELLED', 'EXPIRED') "
            "GROUP BY 1, 2, 3, 4"
        )
        money = await conn.fetch(
            "SELECT (o.paid_at AT TIME ZONE 'Asia/Shanghai')::date AS day, o.channel, o.mode, f.location_id, "
            "sum(p.amount) AS revenue, sum(o.discount_total) AS discount, sum(o.points_redeemed) AS points "
            "FROM customer_order o JOIN fulfillment f ON f.order_id = o.id JOIN payment p ON p.order_id = o.id "
            "WHERE o.status NOT IN ('CANCELLED', 'EXPIRED') "
            "GROUP BY 1, 2, 3, 4"
        )
        rollup = await conn.fetch(
            "SELECT day, channel, mode, location_id, orders, orders_once, units, revenue, discount, points_redeemed "
            "FROM report_sales"
        )
        want = {(r["day"], r["channel"], r["mode"], r["location_id"]): [r["orders"], r["units"]] for r in raw}
        for r in money:
            want[(r["day"], r["channel"], r["mode"], r["location_id"])] += [r["revenue"], r["discount"], r["points"]]
        got = {
            (r["day"], r["channel"], r["mode"], r["location_id"]): [
                r["orders"], r["units"], r["revenue"], r["discount"], r["points_redeemed"]
            ]
            for r in rollup
        }  # fmt: skip
        assert got == want
        history = await conn.fetchval(
            "SELECT count(*) FROM customer_order WHERE placed_by = 'seed:history' AND status = 'COMPLETED'"
        )
        assert history > 0  # the demo's sales history is in the rollups too
        assert sum(r["orders_once"] for r in rollup) == ORDERS + history
        assert await conn.fetchval("SELECT count(*) FROM report_order") == ORDERS + history
        days = {r["day"] for r in rollup}
        assert max(days) - min(days) >= timedelta(days=170)  # spread over 180 days
        channels = defaultdict(int)
        for r in rollup:
            channels[r["channel"]] += r["orders"]
        assert channels["MINI_PROGRAM"] > channels["APP"] > channels["CLERK_PAD"] > 0  # skewed

        # credit: the domain's split over the raw fulfilment lines
        kinds = {r["id"]: r["kind"] == "STORE" for r in await conn.fetch("SELECT id, kind FROM location")}
        lines = defaultdict(list)
        for r in await conn.fetch(
            "SELECT f.order_id, f.location_id, l.variant_id, l.quantity, l.unit_price FROM fulfillment f "
            "JOIN fulfillment_line l ON l.fulfillment_id = f.id ORDER BY l.id"
        ):
            value = r["unit_price"] * r["quantity"]
            lines[r["order_id"]].append(CreditLine(r["location_id"], kinds[r["location_id"]], r["variant_id"], value))
        credit: dict[int, Decimal] = defaultdict(Decimal)
        for o in await conn.fetch(
            "SELECT id, channel, placed_at_location_id, total FROM customer_order "
            "WHERE paid_at IS NOT NULL AND status NOT IN ('CANCELLED', 'EXPIRED')"
        ):
            for c in credit_split(
                channel=SalesChannel(o["channel"]),
                selling_store_id=o["placed_at_location_id"],
                lines=lines[o["id"]],
                paid=o["total"],
                store_share=Decimal("0.3"),
            ):
                credit[c.location_id or 0] += c.amount
        got_credit = {
            r["party"]: r["amount"]
            for r in await conn.fetch("SELECT party, sum(amount) AS amount FROM report_credit GROUP BY party")
        }
        assert got_credit == dict(credit)

        # closed orders and the collect-wait histogram from the raw completion times
        closed = await conn.fetch(
            "SELECT (coalesce(cancelled_at, updated_at) AT TIME ZONE 'Asia/Shanghai')::date AS day, "
            "pickup_location_id AS loc, count(*) FILTER (WHERE status = 'CANCELLED') AS c, "
            "count(*) FILTER (WHERE status = 'EXPIRED') AS e FROM customer_order "
            "WHERE status IN ('CANCELLED', 'EXPIRED') GROUP BY 1, 2"
        )
        days_closed = await conn.fetch(
            "SELECT day, location_id AS loc, cancelled AS c, expired AS e FROM report_store_day"
        )
        assert {tuple(r) for r in closed} == {tuple(r) for r in days_closed}
        collected = defaultdict(int)
        for r in await conn.fetch(
            "SELECT p.day, p.location_id, p.ready_at, o.completed_at FROM report_pickup p "
            "JOIN fulfillment f ON f.id = p.fulfillment_id JOIN customer_order o ON o.id = f.order_id "
            "WHERE o.status = 'COMPLETED'"
        ):
            minutes = (r["completed_at"] - r["ready_at"]).total_seconds() / 60
            collected[(r["day"], r["location_id"], wait_bucket(minutes))] += 1
        histogram = await conn.fetch("SELECT day, location_id, bucket, count FROM report_wait WHERE kind = 'COLLECT'")
        assert {(r["day"], r["location_id"], r["bucket"]): r["count"] for r in histogram} == dict(collected)
        last = max(days)
    finally:
        await conn.close()

    start, end = (last - timedelta(days=6)).isoformat(), (last + timedelta(days=1)).isoformat()
    printed = run("report", "sales", "--from", start, "--to", end, "--group-by", "DAY,CHANNEL", "--format", "csv",
                  url=seeded, cwd=tmp_path)  # fmt: skip
    assert printed.returncode == 0, printed.stderr
    rows = list(csv.DictReader(io.StringIO(printed.stdout)))
    assert rows and list(rows[0]) == ["day", "channel", "orders", "units", "revenue", "discount", "points", "refunded"]
    assert [(r["day"], r["channel"]) for r in rows] == sorted((r["day"], r["channel"]) for r in rows)
    week = {(r["day"], r["channel"]): int(r["orders"]) for r in rows}
    in_rollup = defaultdict(int)
    for key, figures in got.items():
        if start <= key[0].isoformat() < end:
            in_rollup[(key[0].isoformat(), key[1])] += figures[0]
    assert week == dict(in_rollup)
    table = run("report", "sales", "--from", start, "--to", end, "--group-by", "STORE", url=seeded, cwd=tmp_path)
    assert table.returncode == 0 and table.stdout.splitlines()[0].split()[:2] == ["store", "orders"]
    picture = tmp_path / "week.png"
    drawn = run("report", "sales", "--from", start, "--to", end, "--group-by", "DAY,CHANNEL", "--format", "png",
                "--output", str(picture), url=seeded, cwd=tmp_path)  # fmt: skip
    assert drawn.returncode == 0 and picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    bad = run("report", "sales", "--from", end, "--to", start, url=seeded, cwd=tmp_path)
    assert bad.returncode == 2 and "INVALID_INPUT" in bad.stderr

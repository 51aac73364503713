"""Routing storage: the rules row, and the candidate stock query reading only nearby locations' rows.

Every test works inside a transaction that is rolled back: the shared demo data never changes.
"""

from __future__ import annotations

import json
from typing import Any

import asyncpg
import pytest

from omnichannel.domain.geo import GeoPoint, bounding_box
from omnichannel.domain.routing import RoutingRules
from omnichannel.persistence import db
from omnichannel.persistence.repositories import routing as repo
from omnichannel.persistence.uow import TortoiseUnitOfWork

PEOPLES_SQUARE = GeoPoint(31.2328, 121.4737)
VARIANTS = [1, 2, 3, 4, 5]


class Rollback(Exception):
    pass


async def in_rolled_back_transaction(work) -> Any:  # type: ignore[no-untyped-def]
    """Run work(uow) and roll everything back; returns what work returned."""
    box: list[Any] = []

    async def then_roll_back(uow: TortoiseUnitOfWork) -> None:
        box.append(await work(uow))
        raise Rollback

    try:
        await TortoiseUnitOfWork().atomic(then_roll_back)
    except Rollback:
        return box[0]


async def test_defaults_when_never_set_then_what_was_saved(app):
    async def work(uow: TortoiseUnitOfWork) -> tuple[RoutingRules, RoutingRules, RoutingRules, str]:
        await db.execute("DELETE FROM routing_rules", conn=uow.conn)
        before = await repo.rules(conn=uow.conn)
        locked = await uow.routing.lock_rules()
        await uow.routing.save_rules(RoutingRules(max_locations=5, transfer_enabled=True), "HQ_ADMIN:7")
        after = await repo.rules(conn=uow.conn)
        actor = (await db.fetch("SELECT updated_by FROM routing_rules", conn=uow.conn))[0]["updated_by"]
        return before, locked, after, actor

    before, locked, after, actor = await in_rolled_back_transaction(work)
    assert before == locked == RoutingRules()
    assert after == RoutingRules(max_locations=5, transfer_enabled=True) and actor == "HQ_ADMIN:7"


@pytest.mark.parametrize(
    "assignment", ["max_locations = 0", "search_radius_km = 'NaN'", "store_preference_km = -1", "id = 2"]
)
async def test_the_table_refuses_what_the_domain_refuses(app, assignment):
    async def work(uow: TortoiseUnitOfWork) -> None:
        await uow.routing.lock_rules()
        await db.execute(f"UPDATE routing_rules SET {assignment}", conn=uow.conn)

    with pytest.raises(asyncpg.CheckViolationError):
        await in_rolled_back_transaction(work)


async def _seed_far_away_and_closed(conn: Any) -> None:
    """1,000 locations in Beijing and one closed store downtown, all deep in the order's variants."""
    await db.execute(
        "INSERT INTO location (code, name, kind, lat, lng, modes) "
        "SELECT 'BJ' || n, 'Beijing ' || n, 'STORE', 39.9 + n * 0.001, 116.4, 'EXPRESS,PICKUP' "
        "FROM generate_series(1, 1000) AS n",
        conn=conn,
    )
    await db.execute(
        "INSERT INTO location (code, name, kind, lat, lng, modes, active) "
        "VALUES ('CLOSED1', 'Closed', 'STORE', $1, $2, 'EXPRESS,PICKUP', false)",
        [PEOPLES_SQUARE.lat, PEOPLES_SQUARE.lng],
        conn=conn,
    )
    await db.execute(
        "INSERT INTO stock_level (variant_id, location_id, on_hand) "
        "SELECT v, l.id, 500 FROM location l, unnest($1::int[]) AS v WHERE l.code LIKE 'BJ%' OR l.code = 'CLOSED1'",
        [VARIANTS],
        conn=conn,
    )


def _stock_scans(node: dict[str, Any]) -> list[dict[str, Any]]:
    found = [node] if node.get("Relation Name") == "stock_level" else []
    for child in node.get("Plans", []):
        found += _stock_scans(child)
    return found


def _index_conditions(node: dict[str, Any]) -> str:
    text = node.get("Index Cond", "") + node.get("Recheck Cond", "")
    return text + "".join(_index_conditions(child) for child in node.get("Plans", []))


@pytest.mark.parametrize("radius_km", [1.0, 50.0])  # People's Square (S04) alone; every demo location
async def test_the_stock_query_reads_rows_only_of_candidate_locations(app, radius_km):
    box = bounding_box(PEOPLES_SQUARE, radius_km)

    async def work(uow: TortoiseUnitOfWork) -> dict[str, Any]:
        await _seed_far_away_and_closed(uow.conn)
        await db.execute("ANALYZE location; ANALYZE stock_level", conn=uow.conn)
        network = await repo.candidate_stock(VARIANTS, box, conn=uow.conn)
        params = [VARIANTS, box.min_lat, box.max_lat, box.min_lng, box.max_lng]
        explained = await db.fetch(
            "EXPLAIN (ANALYZE, FORMAT JSON) " + repo.CANDIDATE_STOCK_SQL, [*params, False], conn=uow.conn
        )
        candidate_rows = await db.fetch(
            "SELECT count(*) AS n FROM stock_level s JOIN location l ON l.id = s.location_id "
            "WHERE l.active AND l.lat BETWEEN $1 AND $2 AND l.lng BETWEEN $3 AND $4",
            params[1:],
            conn=uow.conn,
        )
        far_rows = await db.fetch(
            "SELECT count(*) AS n FROM stock_level s JOIN location l ON l.id = s.location_id "
            "WHERE l.code LIKE 'BJ%' OR l.code = 'CLOSED1'",
            conn=uow.conn,
        )
        expected = await db.fetch(
            "SELECT l.code, s.variant_id, s.on_hand - s.reserved - s.safety_stock AS a "
            "FROM stock_level s JOIN location l ON l.id = s.location_id WHERE l.active "
            "AND l.lat BETWEEN $2 AND $3 AND l.lng BETWEEN $4 AND $5 "
            "AND s.variant_id = ANY($1::int[]) AND s.on_hand - s.reserved - s.safety_stock > 0",
            params,
            conn=uow.conn,
        )
        return {
            "network": {e.location.code: dict(e.available) for e in network},
            "plan": json.loads(explained[0][0])[0]["Plan"],
            "candidate_rows": candidate_rows[0]["n"],
            "far_rows": far_rows[0]["n"],
            "expected": {(r["code"], r["variant_id"]): r["a"] for r in expected},
        }

    found = await in_rolled_back_transaction(work)
    # what comes back: the positive availability inside the box, nothing from Beijing or the closed store
    expected: dict[str, dict[int, int]] = {}
    for (code, variant), amount in found["expected"].items():
        expected.setdefault(code, {})[variant] = amount
    assert found["network"] == expected
    # what is read: stock rows found through the candidate location's id, never more rows than those
    # locations hold, while reading the same variants network-wide would take 5,005 more rows
    scans = _stock_scans(found["plan"])
    assert scans, found["plan"]
    read = 0.0
    for scan in scans:
        assert "location_id" in _index_conditions(scan), scan
        read += (scan["Actual Rows"] + scan.get("Rows Removed by Filter", 0)) * scan["Actual Loops"]
    assert found["far_rows"] == 5005
    assert read <= found["candidate_rows"] < found["far_rows"]


async def test_only_positive_availability_is_returned_net_of_reservations_and_safety_stock(app):
    async def work(uow: TortoiseUnitOfWork) -> dict[int, int]:
        await db.execute(
            "INSERT INTO location (code, name, kind, lat, lng, modes) VALUES ('NEAR1', 'Near', 'STORE', 45.0, 90.0, "
            "'EXPRESS')",
            conn=uow.conn,
        )
        await db.execute(
            "INSERT INTO stock_level (variant_id, location_id, on_hand, reserved, safety_stock) "
            "SELECT v, (SELECT id FROM location WHERE code = 'NEAR1'), o, r, s "
            "FROM (VALUES (1, 10, 3, 2), (2, 5, 3, 2), (3, 4, 4, 0), (4, 9, 0, 0)) AS t(v, o, r, s)",
            conn=uow.conn,
        )
        network = await repo.candidate_stock([1, 2, 3, 4, 5], bounding_box(GeoPoint(45.0, 90.0), 5), conn=uow.conn)
        assert [e.location.code for e in network] == ["NEAR1"]
        return dict(network[0].available)

    assert await in_rolled_back_transaction(work) == {1: 5, 4: 9}

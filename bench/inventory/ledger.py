"""python -m bench.inventory ledger [--seconds 2] [--rounds 10] [--concurrency 16] [--json FILE]

The stock ledger's cost on placeOrder throughput, as a before/after ratio measured in the same run:
placeOrder (PICKUP, one unit, MINI_PROGRAM, distinct (store, variant) pairs, the one-statement path)
through the app in-process, with the ledger as shipped and with the ledger's INSERT taken out of
the statement (a measuring device patched in by this benchmark only: the API has no switch that
skips the ledger). Rounds alternate the two so the shared machine's drift hits both alike. A
`{ me { memberNumber } }` baseline in the same run relates both to the plain request path.
Fresh database (bench.orders.setup: demo data, a million units per stocked pickup pair), dropped afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import platform
import statistics
import time
from typing import Any

import httpx

from bench.orders import setup
from omnichannel.app import create_app
from omnichannel.config import load_settings
from omnichannel.persistence.repositories import order_creation
from omnichannel.schema.relay import encode_id

PLACE = """mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } userErrors { code } } }"""
ME = "{ me { memberNumber } }"
LEDGER_CTE_START = ", m AS (\n  INSERT INTO stock_movement"


def without_ledger(statement: str) -> str:
    """The one-statement placement with its stock_movement CTE cut out (everything else identical)."""
    start = statement.index(LEDGER_CTE_START)
    end = statement.index("\n), ", start + 1) + len("\n)")
    stripped = statement[:start] + ", m AS (SELECT $29::text AS actor)" + statement[end:]  # $29 stays typed
    assert "stock_movement" not in stripped and "INSERT INTO customer_order" in stripped
    return stripped


async def _drive(client: httpx.AsyncClient, seconds: float, concurrency: int, make: Any) -> tuple[int, int]:
    ok = failed = 0
    deadline = time.monotonic() + seconds

    async def worker() -> None:
        nonlocal ok, failed
        while time.monotonic() < deadline:
            body, token, check = make()
            response = await client.post("/graphql", json=body, headers={"Authorization": f"Bearer {token}"})
            if response.status_code == 200 and check(response.json()):
                ok += 1
            else:
                failed += 1
                if failed == 1:
                    print("first failure:", response.status_code, response.text[:500])

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return ok, failed


async def measure(fixture: setup.Fixture, seconds: float, rounds: int, concurrency: int) -> dict[str, Any]:
    env = setup.env_for(fixture.database_url, fixture.redis_url, OMNICHANNEL_EXPIRY_SWEEP_INTERVAL="0")
    settings = load_settings(env)
    app = create_app(settings, settings.database_url)
    pairs = itertools.cycle(fixture.pairs)
    members = itertools.cycle(fixture.member_tokens)

    def order() -> tuple[dict[str, Any], str, Any]:
        store, variant = next(pairs)
        request = {
            "channel": "MINI_PROGRAM",
            "fulfillmentMode": "PICKUP",
            "pickupStoreId": encode_id("Store", store),
            "lines": [{"variantId": encode_id("Variant", variant), "quantity": 1}],
        }
        placed = lambda r: r.get("data") and r["data"]["placeOrder"]["order"] is not None  # noqa: E731
        return {"query": PLACE, "variables": {"input": request}}, next(members), placed

    def me() -> tuple[dict[str, Any], str, Any]:
        return {"query": ME}, next(members), lambda r: bool(r.get("data") and r["data"]["me"])

    shipped = order_creation.RESERVING_ONE
    figures: dict[str, list[float]] = {"baseline": [], "with_ledger": [], "without_ledger": []}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench", timeout=60) as client:
            await _drive(client, 1.0, concurrency, order)  # warm-up: caches, pools
            for _ in range(rounds):
                for case in ("with_ledger", "without_ledger", "baseline"):
                    order_creation.RESERVING_ONE = without_ledger(shipped) if case == "without_ledger" else shipped
                    ok, failed = await _drive(client, seconds, concurrency, me if case == "baseline" else order)
                    assert failed == 0, f"{case}: {failed} requests failed"
                    figures[case].append(ok / seconds)
            order_creation.RESERVING_ONE = shipped
    best = {k: max(v) for k, v in figures.items()}
    per_round = [w / wo for w, wo in zip(figures["with_ledger"], figures["without_ledger"], strict=True)]
    return {
        "rounds": figures,
        "best": best,
        "ratio_per_round": per_round,
        "ledger_cost_ratio": statistics.median(per_round),
        "ledger_cost_ratio_of_best": best["with_ledger"] / best["without_ledger"],
        "orders_per_baseline_with_ledger": best["with_ledger"] / best["baseline"],
        "orders_per_baseline_without_ledger": best["without_ledger"] / best["baseline"],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.inventory ledger", description=__doc__)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--server-url", default=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    with setup.database(args.server_url, os.environ.get("REDIS_URL")) as fixture:
        result = asyncio.run(measure(fixture, args.seconds, args.rounds, args.concurrency))
    result["machine"] = {"python": platform.python_version(), "load": os.getloadavg()}
    for case, per_round in result["rounds"].items():
        print(f"{case:>15}: " + "  ".join(f"{x:7.1f}/s" for x in per_round))
    ratios = " ".join(f"{r:.2f}" for r in result["ratio_per_round"])
    print(f"placeOrder with the ledger / without it: median {result['ledger_cost_ratio']:.2f} (rounds: {ratios}; "
          f"best against best {result['ledger_cost_ratio_of_best']:.2f})")  # fmt: skip
    print(f"orders/baseline: {result['orders_per_baseline_with_ledger']:.2f} with the ledger, "
          f"{result['orders_per_baseline_without_ledger']:.2f} without")  # fmt: skip
    print(f"load average {result['machine']['load']}")
    if args.json:
        with open(args.json, "w") as out:
            json.dump(result, out, indent=2)


if __name__ == "__main__":
    main()

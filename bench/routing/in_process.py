"""(a) Plan time in-process: a 5-line order over a synthetic network of 2,000 locations.

The baseline, measured in the same run and interleaved with the plans (so both see the same
machine), is the least any planner must do: one pass over the network reading each location's
availability of the order's 5 variants. The ratio plan / baseline is the portable figure; the
milliseconds depend on the machine.

The synthetic network (about 500,000 stock entries) is frozen out of the garbage collector's view
(gc.freeze) after it is built: otherwise every full collection the benchmark itself triggers
re-scans it and charges milliseconds to whichever plan happens to be running.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Sequence

from omnichannel.domain.geo import GeoPoint
from omnichannel.domain.locations import FulfillmentMode
from omnichannel.domain.routing import LocationStock, RouteLine, RoutingRules, plan

from .network import build_network, orders
from .stats import line, summary


def baseline_pass(network: Sequence[LocationStock], lines: Sequence[RouteLine]) -> int:
    total = 0
    variant_ids = [entry.variant_id for entry in lines]
    for entry in network:
        get = entry.available.get
        for variant_id in variant_ids:
            total += get(variant_id, 0)
    return total


def run(count: int, *, locations: int = 2000) -> dict[str, dict[str, float]]:
    results: dict[str, dict[str, float]] = {}
    rules = RoutingRules()
    cases = [
        ("metro", FulfillmentMode.EXPRESS),
        ("split", FulfillmentMode.EXPRESS),
        ("metro", FulfillmentMode.SAME_CITY),
        ("metro", FulfillmentMode.PICKUP),
    ]
    networks: dict[str, list[LocationStock]] = {}
    for profile, mode in cases:
        if profile not in networks:
            networks.clear()
            gc.unfreeze()
            networks[profile] = build_network(profile, locations=locations)
            gc.collect()
            gc.freeze()
        network = networks[profile]
        stores = [e.location for e in network if e.location.kind.value == "STORE"]
        work = orders(count)
        for lines, destination in work[:50]:  # warm-up
            _plan(lines, mode, network, rules, destination, stores[0])
        plan_times, base_times, parcels = [], [], {}
        for index, (lines, destination) in enumerate(work):
            pickup = stores[index % len(stores)]
            start = time.perf_counter()
            baseline_pass(network, lines)
            middle = time.perf_counter()
            result = _plan(lines, mode, network, rules, destination, pickup)
            end = time.perf_counter()
            base_times.append(middle - start)
            plan_times.append(end - middle)
            key = len(result.shipments) if result.feasible else 0
            parcels[key] = parcels.get(key, 0) + 1
        label = f"{mode.value} over {locations:,} locations ({profile})"
        plan_figures, base_figures = summary(plan_times), summary(base_times)
        results[label] = {
            **plan_figures,
            "baseline_p50_ms": base_figures["p50_ms"],
            "baseline_p99_ms": base_figures["p99_ms"],
            "ratio_p50": plan_figures["p50_ms"] / base_figures["p50_ms"],
            "ratio_p99": plan_figures["p99_ms"] / base_figures["p99_ms"],
        }
        print(line(label, plan_figures))
        print(line("  baseline: one pass reading 5 variants", base_figures))
        shape = ", ".join(f"{k} parcel(s): {v}" if k else f"infeasible: {v}" for k, v in sorted(parcels.items()))
        print(
            f"    ratio plan/baseline p50 {results[label]['ratio_p50']:.2f}  p99 {results[label]['ratio_p99']:.2f}"
            f"   ({count} orders; {shape})"
        )
    gc.unfreeze()
    return results


def _plan(lines, mode, network, rules, destination: GeoPoint, pickup):  # type: ignore[no-untyped-def]
    return plan(
        lines,
        mode,
        network=network,
        rules=rules,
        destination=destination,
        pickup_location=pickup if mode is FulfillmentMode.PICKUP else None,
    )

"""Choosing the fewest locations that together hold the order, then the cheapest such set.

Exact (a branch-and-bound set cover with split quantities, search.py), made fast by pruning:
1. one location with everything is found in a single pass (the common case);
2. a location is dropped when `max_locations` better-ranked locations each hold at least as much
   of every line (a set using it could use one of them instead, no worse);
3. sizes below a lower bound are never searched, and a greedy cover bounds the sizes from above;
4. the search branches only on the holders of the line with the fewest holders, bounds the
   remaining capacity of every line and the cost, and never visits the same set twice.

A budget of steps (candidates weighed, shared by every size) keeps pathological inputs bounded,
e.g. 20 lines spread thinly over hundreds of locations: when it runs out, the best set found so
far, else the greedy cover, is used: still a valid plan, possibly with a parcel more than the
optimum or a longer total distance. Orders of 5 lines over 2,000 locations stay far below it
(bench/routing).
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import ge

from .candidates import Candidate, Demand
from .search import Budget, Search

STEP_BUDGET = 30_000  # candidates weighed by the searches of one plan
COMPARISON_BUDGET = 20_000  # holdings compared while dropping dominated candidates


def best_cover(demand: Demand, candidates: Sequence[Candidate], max_locations: int) -> tuple[Candidate, ...] | None:
    """The best set of at most max_locations candidates holding the whole order, in rank order.

    Candidates come best first. Best means: fewest locations, then lowest total cost (preferred
    stores, then distance), then location codes. None when no such set exists.
    """
    if not candidates or max_locations < 1 or not covers_all(demand, candidates):
        return None
    for candidate in candidates:
        if candidate.full:
            return (candidate,)
    pruned = _without_dominated(candidates, max_locations)
    greedy = _greedy(demand, pruned, max_locations)
    largest = len(greedy) if greedy is not None else max_locations
    budget = Budget(STEP_BUDGET)
    for size in range(max(2, _lower_bound(demand, pruned)), largest + 1):
        found = Search(demand, pruned, size, budget).run()
        if found is not None:
            return found
        if budget.spent:
            break
    return greedy


def covers_all(demand: Demand, candidates: Sequence[Candidate]) -> bool:
    return all(missing == 0 for missing in shortfall(demand, candidates))


def shortfall(demand: Demand, candidates: Sequence[Candidate]) -> list[int]:
    """Per line, how many units all these candidates together still lack."""
    totals = [sum(column) for column in zip(*(c.useful for c in candidates), strict=True)] or [0] * demand.size
    return [max(0, q - t) for q, t in zip(demand.quantities, totals, strict=True)]


def _lower_bound(demand: Demand, candidates: Sequence[Candidate]) -> int:
    """No cover is smaller: the locations one line needs alone, or all lines over the widest holding."""
    needed = 1
    for j, quantity in enumerate(demand.quantities):
        held = 0
        for count, amount in enumerate(sorted((c.useful[j] for c in candidates), reverse=True), start=1):
            held += amount
            if held >= quantity:
                needed = max(needed, count)
                break
    widest = max(sum(1 for amount in c.useful if amount) for c in candidates)
    return max(needed, -(-demand.size // widest))


def _greedy(demand: Demand, candidates: Sequence[Candidate], limit: int) -> tuple[Candidate, ...] | None:
    """A quick cover: repeatedly the candidate supplying the most still-missing units (ties: rank)."""
    deficit = list(demand.quantities)
    chosen: list[int] = []
    while any(deficit) and len(chosen) < limit:
        best, best_units = -1, 0
        for i, candidate in enumerate(candidates):
            units = sum(map(min, candidate.useful, deficit))
            if units > best_units and i not in chosen:
                best, best_units = i, units
        if best < 0:
            return None
        chosen.append(best)
        deficit = [max(0, d - u) for d, u in zip(deficit, candidates[best].useful, strict=True)]
    return tuple(candidates[i] for i in sorted(chosen)) if not any(deficit) else None


def _without_dominated(candidates: Sequence[Candidate], keep: int) -> list[Candidate]:
    """Drop every candidate that `keep` better-ranked kept candidates each match or beat on every line.

    Whether a holding is dominated depends only on its vector and on what was kept so far (which only
    grows), so each distinct vector is compared at most until it is found dominated; a bitmask of the
    lines held rules most comparisons out at once. Dropping is only ever a saving: past
    COMPARISON_BUDGET comparisons the rest are kept unexamined, which changes no plan.
    """
    kept: list[Candidate] = []
    kept_vectors: dict[tuple[int, ...], list[int]] = {}  # vector -> [lines-held mask, times kept]
    dominated: set[tuple[int, ...]] = set()
    comparisons = 0
    for position, candidate in enumerate(candidates):
        vector = candidate.useful
        if vector in dominated:
            continue
        if comparisons > COMPARISON_BUDGET:
            kept.extend(c for c in candidates[position:] if c.useful not in dominated)
            break
        mask = _mask(vector)
        count = 0
        for other, (other_mask, times) in kept_vectors.items():
            if mask & ~other_mask:
                continue  # holds a line the other lacks
            comparisons += 1
            if all(map(ge, other, vector)):
                count += times
                if count >= keep:
                    break
        if count >= keep:
            dominated.add(vector)
            continue
        kept.append(candidate)
        if vector in kept_vectors:
            kept_vectors[vector][1] += 1
        else:
            kept_vectors[vector] = [mask, 1]
    return kept


def _mask(vector: tuple[int, ...]) -> int:
    bits = 0
    for j, amount in enumerate(vector):
        if amount:
            bits |= 1 << j
    return bits


def allocate(demand: Demand, chosen: Sequence[Candidate]) -> list[tuple[Candidate, list[int]]]:
    """Who sends how much of each line: a line comes whole from the best-ranked location holding it
    all; otherwise it is split in as few pieces as possible, taken from the best-ranked (nearest)
    locations first - largest holdings first only when that needs fewer pieces. Locations left with
    nothing are dropped."""
    amounts = [[0] * demand.size for _ in chosen]
    for j, quantity in enumerate(demand.quantities):
        whole = next((k for k, c in enumerate(chosen) if c.useful[j] >= quantity), None)
        if whole is not None:
            amounts[whole][j] = quantity
            continue
        by_rank = _pieces(quantity, [(k, c.useful[j]) for k, c in enumerate(chosen)])
        by_size = _pieces(
            quantity, sorted(((k, c.useful[j]) for k, c in enumerate(chosen)), key=lambda p: (-p[1], p[0]))
        )
        for k, take in by_rank if len(by_rank) <= len(by_size) else by_size:
            amounts[k][j] = take
    return [(c, a) for c, a in zip(chosen, amounts, strict=True) if any(a)]


def _pieces(quantity: int, holdings: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """(location index, units) taken in this order until the quantity is met."""
    pieces = []
    left = quantity
    for k, held in holdings:
        take = min(left, held)
        if take:
            pieces.append((k, take))
            left -= take
        if left == 0:
            break
    return pieces

"""Choosing the fewest locations that together hold the order, then the cheapest such set.

Exact for every case (a branch-and-bound set cover with split quantities), made fast by pruning:
1. one location with everything is found in a single pass (the common case);
2. a location is dropped when `max_locations` better-ranked locations each hold at least as much
   of every line (a set using it could use one of them instead, no worse);
3. the search branches only on the holders of the line with the fewest holders, bounds the
   remaining capacity of every line and the cost, and never visits the same set twice.

A node budget keeps pathological inputs bounded: when it runs out at some size the best set
found so far is used, or the search moves on to one more location. Random networks of 2,000
locations never came near it (see bench/routing).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from operator import ge

from .candidates import Candidate, Demand

NODE_BUDGET = 50_000
EPSILON = 1e-9


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
    for size in range(2, max_locations + 1):
        found = _Search(demand, pruned, size).run()
        if found is not None:
            return found
    return None


def covers_all(demand: Demand, candidates: Sequence[Candidate]) -> bool:
    return all(missing == 0 for missing in shortfall(demand, candidates))


def shortfall(demand: Demand, candidates: Sequence[Candidate]) -> list[int]:
    """Per line, how many units all these candidates together still lack."""
    totals = [sum(column) for column in zip(*(c.useful for c in candidates), strict=True)] or [0] * demand.size
    return [max(0, q - t) for q, t in zip(demand.quantities, totals, strict=True)]


def _without_dominated(candidates: Sequence[Candidate], keep: int) -> list[Candidate]:
    """Drop every candidate that `keep` better-ranked kept candidates each match or beat on every line.

    Whether a holding is dominated depends only on its vector and on what was kept so far (which only
    grows), so each distinct vector is compared at most until it is found dominated.
    """
    kept: list[Candidate] = []
    kept_vectors: dict[tuple[int, ...], int] = {}
    dominated: set[tuple[int, ...]] = set()
    for candidate in candidates:
        vector = candidate.useful
        if vector in dominated:
            continue
        count = 0
        for other, times in kept_vectors.items():
            if all(map(ge, other, vector)):
                count += times
                if count >= keep:
                    break
        if count >= keep:
            dominated.add(vector)
            continue
        kept.append(candidate)
        kept_vectors[vector] = kept_vectors.get(vector, 0) + 1
    return kept


class _OutOfBudget(Exception):
    pass


class _Search:
    """Depth-first search for the best cover with exactly `size` locations (smaller ones failed)."""

    def __init__(self, demand: Demand, candidates: Sequence[Candidate], size: int) -> None:
        self.candidates = candidates
        self.size = size
        dims = demand.size
        self.holders = [[i for i, c in enumerate(candidates) if c.useful[j] > 0] for j in range(dims)]
        # the most `s` locations can hold of line j, for s = 0..size (a bound that ignores who is taken)
        self.capacity: list[list[int]] = []
        for j in range(dims):
            amounts = sorted((c.useful[j] for c in candidates), reverse=True)[:size]
            sums = [0]
            for amount in amounts:
                sums.append(sums[-1] + amount)
            sums += [sums[-1]] * (size + 1 - len(sums))
            self.capacity.append(sums)
        self.cheapest = candidates[0].cost if candidates else 0.0
        self.best: tuple[float, tuple[str, ...]] | None = None
        self.best_set: tuple[int, ...] = ()
        self.nodes = 0
        self.taken: list[int] = []
        self.excluded: set[int] = set()
        self.deficit = list(demand.quantities)

    def run(self) -> tuple[Candidate, ...] | None:
        with suppress(_OutOfBudget):  # keep the best set found so far, if any
            self._visit(self.size, 0.0, self.deficit)
        if self.best is None:
            return None
        return tuple(self.candidates[i] for i in sorted(self.best_set))

    def _visit(self, slots: int, cost: float, deficit: list[int]) -> None:
        self.nodes += 1
        if self.nodes > NODE_BUDGET:
            raise _OutOfBudget
        branch = min((j for j, missing in enumerate(deficit) if missing > 0), key=lambda j: (len(self.holders[j]), j))
        local_excluded: list[int] = []
        for i in self.holders[branch]:
            if i in self.excluded:
                continue
            candidate = self.candidates[i]
            lower = cost + candidate.cost + (slots - 1) * self.cheapest
            if self.best is not None and lower > self.best[0] + EPSILON:
                break  # holders come cheapest first: every later one costs more
            after = [max(0, d - u) for d, u in zip(deficit, candidate.useful, strict=True)]
            self.taken.append(i)
            if not any(after):
                self._consider(cost + candidate.cost)
            elif slots > 1 and self._may_cover(after, slots - 1):
                self.excluded.add(i)
                self._visit(slots - 1, cost + candidate.cost, after)
                self.excluded.discard(i)
            self.taken.pop()
            self.excluded.add(i)  # sets with i were all explored in this branch
            local_excluded.append(i)
        for i in local_excluded:
            self.excluded.discard(i)

    def _may_cover(self, deficit: list[int], slots: int) -> bool:
        return all(missing <= self.capacity[j][slots] for j, missing in enumerate(deficit))

    def _consider(self, cost: float) -> None:
        chosen = tuple(sorted(self.taken))
        exact = sum(sorted(self.candidates[i].cost for i in chosen))
        key = (exact, tuple(sorted(self.candidates[i].location.code for i in chosen)))
        if (
            self.best is None
            or key[0] < self.best[0] - EPSILON
            or (abs(key[0] - self.best[0]) <= EPSILON and key[1] < self.best[1])
        ):
            self.best = key
            self.best_set = chosen


def allocate(demand: Demand, chosen: Sequence[Candidate]) -> list[tuple[Candidate, list[int]]]:
    """Who sends how much of each line: a line comes whole from the best-ranked location holding it
    all; otherwise it is split, largest holdings first, so it travels in as few pieces as possible.
    Locations left with nothing are dropped."""
    amounts = [[0] * demand.size for _ in chosen]
    for j, quantity in enumerate(demand.quantities):
        whole = next((k for k, c in enumerate(chosen) if c.useful[j] >= quantity), None)
        if whole is not None:
            amounts[whole][j] = quantity
            continue
        left = quantity
        for k in sorted(range(len(chosen)), key=lambda k: (-chosen[k].useful[j], k)):
            take = min(left, chosen[k].useful[j])
            amounts[k][j] = take
            left -= take
            if left == 0:
                break
    return [(c, a) for c, a in zip(chosen, amounts, strict=True) if any(a)]

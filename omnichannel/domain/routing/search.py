"""Branch and bound: the cheapest set of exactly `size` candidates holding the whole order."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from operator import ge

from .candidates import Candidate, Demand

EPSILON = 1e-9


class Budget:
    """Steps (candidates weighed) the searches of one plan may still take, shared by every size tried."""

    def __init__(self, steps: int) -> None:
        self.left = steps

    @property
    def spent(self) -> bool:
        return self.left <= 0


class _OutOfBudget(Exception):
    pass


class Search:
    """Depth-first search for the best cover with exactly `size` locations (smaller ones failed)."""

    def __init__(self, demand: Demand, candidates: Sequence[Candidate], size: int, budget: Budget) -> None:
        self.budget = budget
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
        # the most lines one location holds any of: `slots` locations touch at most slots x widest lines
        self.widest = max((sum(1 for amount in c.useful if amount) for c in candidates), default=1)
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
        branch = min((j for j, missing in enumerate(deficit) if missing > 0), key=lambda j: (len(self.holders[j]), j))
        local_excluded: list[int] = []
        budget = self.budget
        for i in self.holders[branch]:
            if i in self.excluded:
                continue
            budget.left -= 1  # every candidate weighed counts, so the budget bounds the work itself
            if budget.left < 0:
                raise _OutOfBudget
            candidate = self.candidates[i]
            lower = cost + candidate.cost + (slots - 1) * self.cheapest
            if self.best is not None and lower > self.best[0] + EPSILON:
                break  # holders come cheapest first: every later one costs more
            useful = candidate.useful
            self.taken.append(i)
            if all(map(ge, useful, deficit)):
                self._consider()
            elif slots > 1:
                after = [d - u if d > u else 0 for d, u in zip(deficit, useful, strict=True)]
                if self._may_cover(after, slots - 1):
                    self.excluded.add(i)
                    self._visit(slots - 1, cost + candidate.cost, after)
                    self.excluded.discard(i)
            self.taken.pop()
            self.excluded.add(i)  # sets with i were all explored in this branch
            local_excluded.append(i)
        for i in local_excluded:
            self.excluded.discard(i)

    def _may_cover(self, deficit: list[int], slots: int) -> bool:
        if sum(1 for missing in deficit if missing) > slots * self.widest:
            return False
        return all(missing <= self.capacity[j][slots] for j, missing in enumerate(deficit))

    def _consider(self) -> None:
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

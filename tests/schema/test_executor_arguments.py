"""A resolver that changes its arguments in place changes nothing for the next call or request.

The fast executor converts arguments once (per operation, or once for every request of a document
without variables) instead of once per call; what it hands to each call must still be the caller's own.
"""

from __future__ import annotations

from typing import Any

import pytest
import strawberry
from strawberry.extensions import ParserCache

from omnichannel.schema.arguments import Converted, fresh, immutable
from omnichannel.schema.execution import FastExecutor


@strawberry.type
class Item:
    n: int

    @strawberry.field
    def tags(self, names: list[str]) -> list[str]:
        names.append(f"seen by {self.n}")  # a careless resolver
        return names

    @strawberry.field
    def grid(self, rows: list[list[int]]) -> list[list[int]]:
        rows[0].append(self.n)
        rows.append([self.n])
        return rows

    @strawberry.field
    def label(self, name: str) -> str:
        return f"{name} {self.n}"


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return [Item(n=1), Item(n=2), Item(n=3)]


FAST = strawberry.Schema(query=Query, execution_context_class=FastExecutor, extensions=[lambda: ParserCache(16)])
PLAIN = strawberry.Schema(query=Query)

EXPECTED_TAGS = [{"tags": ["a", f"seen by {n}"]} for n in (1, 2, 3)]


@pytest.mark.parametrize(
    ("query", "variables"),
    [
        ('{ items { tags(names: ["a"]) } }', None),  # constant arguments: shared by every request
        ("query($names: [String!]!) { items { tags(names: $names) } }", {"names": ["a"]}),  # per operation
    ],
)
async def test_a_resolver_mutating_its_list_argument_affects_no_other_call_or_request(query, variables):
    for _ in range(3):
        fast = await FAST.execute(query, variable_values=variables)
        plain = await PLAIN.execute(query, variable_values=variables)
        assert fast.errors is None
        assert fast.data == plain.data == {"items": EXPECTED_TAGS}
    assert variables is None or variables == {"names": ["a"]}  # nor the request's own variables


async def test_nested_lists_are_copied_all_the_way_down():
    query = "{ items { grid(rows: [[0]]) } }"
    for _ in range(2):
        fast = await FAST.execute(query)
        assert fast.errors is None
        assert fast.data == (await PLAIN.execute(query)).data
        assert fast.data["items"][2] == {"grid": [[0, 3], [3]]}


def test_immutable_values_are_shared_and_the_rest_copied():
    shared = Converted({"name": "x", "first": 3, "ids": ("a", "b")})
    assert shared.copies == ()
    assert shared.for_call() is shared.values  # nothing to copy: no cost on the hot path
    lists = Converted({"name": "x", "ids": ["a"], "nested": [["b"]], "json": {"k": [1]}})
    assert [name for name, _ in lists.copies] == ["ids", "nested", "json"]
    assert dict(lists.copies)["ids"] is list.copy  # a flat list of IDs: copied without a Python call
    call: dict[str, Any] = lists.for_call()
    assert call == lists.values
    assert call["ids"] is not lists.values["ids"] and call["nested"][0] is not lists.values["nested"][0]
    assert call["json"]["k"] is not lists.values["json"]["k"]
    assert immutable(("a", 1, None)) and not immutable(("a", ["b"]))
    odd = {1, 2}
    assert fresh(odd) == odd and fresh(odd) is not odd

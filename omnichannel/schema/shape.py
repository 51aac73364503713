"""The shape of a document, measured once per fragment: depth, aliases, fields after expansion, and
the same-named selections graphql-core will compare pairwise.

A fragment can be spread many times, and fragments spread fragments: walking every spread again (as
strawberry's depth and alias validators and our former cost rule did) takes time exponential in the
number of fragments - 31 fragments that each spread the next twice froze a server process for good.
Here each fragment is measured once and its figures are reused wherever it is spread, so measuring a
document takes time linear in its size, whatever it expands to.

The counts come first and are cheap (`measure`; a fragment that spreads itself is refused right
away). Only an acyclic document within the caps after expansion is then expanded for real
(`overlap_pairs`, bounded by those same caps) to count the selections that
share a response name at one merged place: graphql-core's OverlappingFieldsCanBeMerged rule compares
them pairwise (about 8 microseconds a pair here), so 500 `id`s in one place, or 50 fragments of the
same fields spread side by side, cost it 50 ms or more.

Cost depends on the request's variables and lives in cost.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

MAX_FRAGMENT_NESTING = 50  # fragments spreading fragments spreading ... (a chain this long is no real query)


class TooDeep(Exception):
    """Selections or fragment spreads nest deeper than anything we measure."""


class FragmentCycle(Exception):
    """A fragment spreads itself (directly or through others): invalid GraphQL, refused before any
    expansion (an expansion that cuts cycles would not be bounded by the counts)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


@dataclass(frozen=True, slots=True)
class Counts:
    fields: int = 0  # field selections after every fragment is expanded (meta-fields included)
    aliases: int = 0  # aliased field selections after expansion
    depth: int = 0  # levels of fields: `{ a }` is 1, `{ a { b } }` is 2
    selections: int = 0  # fields, fragment spreads and inline fragments after expansion


_NONE = Counts()


def fragments_of(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


class _Measure:
    def __init__(self, fragments: Mapping[str, FragmentDefinitionNode], max_depth: int) -> None:
        self.fragments = fragments
        self.max_depth = max_depth
        self.memo: dict[str, Counts] = {}
        self.active: list[str] = []

    def selection_set(self, node: SelectionSetNode | None, level: int) -> Counts:
        if node is None:
            return _NONE
        if level > self.max_depth:
            raise TooDeep
        fields = aliases = depth = selections = 0
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                # __Type.ofType chains are as long as the schema's wrappers (a handful), never recursive:
                # they do not count, so the introspection query BI tools send (9 of them) is not too deep
                step = 0 if selection.name.value == "ofType" else 1
                sub = self.selection_set(selection.selection_set, level + step)
                fields += 1 + sub.fields
                aliases += sub.aliases + (selection.alias is not None)
                depth = max(depth, step + sub.depth)
                selections += 1 + sub.selections
                continue
            if isinstance(selection, InlineFragmentNode):
                sub = self.selection_set(selection.selection_set, level)
            elif isinstance(selection, FragmentSpreadNode):
                sub = self.fragment(selection.name.value, level)
            else:  # pragma: no cover - graphql-core has no other selection kind
                continue
            fields += sub.fields
            aliases += sub.aliases
            depth = max(depth, sub.depth)
            selections += 1 + sub.selections
        return Counts(fields, aliases, depth, selections)

    def fragment(self, name: str, level: int) -> Counts:
        found = self.memo.get(name)
        if found is not None:
            # a fragment's figures do not depend on where it is spread; only the depth check does
            if level + found.depth > self.max_depth + 1:
                raise TooDeep
            return found
        definition = self.fragments.get(name)
        if definition is None:
            return _NONE  # reported by graphql-core's own rules
        if name in self.active:
            raise FragmentCycle(name)
        if len(self.active) >= MAX_FRAGMENT_NESTING:
            raise TooDeep
        self.active.append(name)
        try:
            # measured from level 0 so the memo holds for every place it is spread
            counts = self.selection_set(definition.selection_set, 0)
        finally:
            self.active.pop()
        self.memo[name] = counts
        if level + counts.depth > self.max_depth + 1:
            raise TooDeep
        return counts


def measure(document: DocumentNode, max_depth: int) -> dict[OperationDefinitionNode | FragmentDefinitionNode, Counts]:
    """Counts of each operation and each fragment definition after fragment expansion (fragments
    nobody spreads are validated all the same). Raises TooDeep past max_depth field levels (or past
    MAX_FRAGMENT_NESTING fragments within fragments), FragmentCycle for a fragment that spreads itself."""
    fragments = fragments_of(document)
    walker = _Measure(fragments, max_depth)
    found: dict[OperationDefinitionNode | FragmentDefinitionNode, Counts] = {
        d: walker.selection_set(d.selection_set, 0)
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode)
    }
    for name, definition in fragments.items():
        found[definition] = walker.fragment(name, 0)
    return found


def overlap_pairs(document: DocumentNode) -> int:
    """How many pairs of selections share a response name at one merged place (sub-selections of
    fields with the same response name merge, as execution merges them): the comparisons graphql-core's
    OverlappingFieldsCanBeMerged rule makes. Expands every fragment: call it only for documents known
    to be acyclic with few selections once expanded (`measure`)."""
    fragments = fragments_of(document)
    places: list[dict[str, list[Any]]] = []

    def collect(node: SelectionSetNode | None, into: dict[str, list[Any]], active: tuple[str, ...]) -> None:
        if node is None:
            return
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                name = selection.alias.value if selection.alias else selection.name.value
                entry = into.get(name)
                if entry is None:
                    entry = into[name] = [0, {}]
                    places.append(entry[1])
                entry[0] += 1
                collect(selection.selection_set, entry[1], active)
            elif isinstance(selection, InlineFragmentNode):
                collect(selection.selection_set, into, active)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                definition = fragments.get(name)
                if definition is not None and name not in active:
                    collect(definition.selection_set, into, (*active, name))

    for definition in document.definitions:  # operations, and fragments (compared even when unused)
        if isinstance(definition, OperationDefinitionNode | FragmentDefinitionNode):
            root: dict[str, list[Any]] = {}
            places.append(root)
            active = (definition.name.value,) if isinstance(definition, FragmentDefinitionNode) else ()
            collect(definition.selection_set, root, active)
    return sum(count * (count - 1) // 2 for place in places for count, _ in place.values())

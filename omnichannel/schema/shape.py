"""The shape of a document, measured once per fragment: depth, aliases, fields after expansion,
repeated response names, and cost.

A fragment can be spread many times, and fragments spread fragments: walking every spread again (as
strawberry's depth and alias validators and our former cost rule did) takes time exponential in the
number of fragments - 31 fragments that each spread the next twice froze a server process for good.
Here each fragment is measured once and its figures are reused wherever it is spread, so measuring a
document takes time linear in its size, whatever it expands to.

The counts come first and are cheap (`measure`). Only a document within MAX_FIELDS after expansion
is then expanded for real (`overlap_pairs`, bounded by that same cap) to count the selections that
share a response name at one merged place: graphql-core's OverlappingFieldsCanBeMerged rule compares
them pairwise (about 8 microseconds a pair here), so 500 `id`s in one place, or 50 fragments of the
same fields spread side by side, cost it 50 ms or more.

Cost (`cost`) depends on the request's variables (`products(first: $n)`), so it is computed per
request from the coerced values, with the same per-fragment memo; `CostModel.constant` tells when a
document's cost does not depend on them and can be computed once.
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
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_named_type,
)
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef

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
                sub = self.selection_set(selection.selection_set, level + 1)
                fields += 1 + sub.fields
                aliases += sub.aliases + (selection.alias is not None)
                depth = max(depth, 1 + sub.depth)
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


# ---- cost ----------------------------------------------------------------------------------------


def _is_list(type_: object) -> bool:
    while isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)


def _is_connection(type_: object) -> bool:
    named = get_named_type(type_)  # type: ignore[arg-type]
    return named is not None and named.name.endswith("Connection")


_META_FIELDS = {"__schema": SchemaMetaFieldDef, "__type": TypeMetaFieldDef}


class CostModel:
    """Estimated cost of one operation: every field costs 1 times how many of it the query can return.

    A list field multiplies what it selects by its `first` argument (the request's value when it is a
    variable; else the argument's default; at most a page, `max_page`), else by the length of a list
    argument (`storeIds: [...]`), else by `default_list_size`. A connection multiplies by its `first`
    and its `edges` list does not multiply again. Meta-fields (`__typename`) cost 1 like any other field.
    """

    def __init__(self, schema: GraphQLSchema, document: DocumentNode, default_list_size: int, max_page: int) -> None:
        self.schema = schema
        self.fragments = fragments_of(document)
        self.default_list_size = default_list_size
        self.max_page = max_page  # a `first` above it is refused by the field itself (a clearer error)
        self.operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        # whether any multiplier comes from a variable (else the cost is the same for every request)
        self.constant = True
        self._fixed: dict[int, int] = {}
        self._sizing: set[str] = set()  # the variables the cost depends on
        for operation in self.operations:
            walk = _CostWalk(self, operation, {})
            self._fixed[id(operation)] = walk.total()
            self.constant = self.constant and not walk.used_variables
            self._sizing |= walk.sizing
        self._recent: dict[tuple[Any, ...], int] = {}  # costs of recent variable values (a page size repeats)

    def cost(self, operation_name: str | None, variables: Mapping[str, Any] | None) -> int:
        """The cost of the operation a request runs (the most expensive when the name matches none)."""
        chosen = [o for o in self.operations if operation_name is None or (o.name and o.name.value == operation_name)]
        chosen = chosen or self.operations
        if self.constant or not variables:
            return max((self._fixed[id(o)] for o in chosen), default=0)
        key = (operation_name, *(_size_of(variables.get(name, _ABSENT)) for name in sorted(self._sizing)))
        found = self._recent.get(key)
        if found is None:
            found = max((_CostWalk(self, o, variables).total() for o in chosen), default=0)
            if len(self._recent) >= RECENT_COSTS:
                self._recent.clear()
            self._recent[key] = found
        return found


RECENT_COSTS = 64
_ABSENT = object()


def _size_of(value: Any) -> Any:
    """What of a variable's value the cost depends on: an Int as it is, a list by its length."""
    if value is _ABSENT:
        return ("absent",)
    if isinstance(value, list):
        return ("list", len(value))
    return value if isinstance(value, int | None) else ("other", type(value).__name__)


class _CostWalk:
    def __init__(self, model: CostModel, operation: OperationDefinitionNode, variables: Mapping[str, Any]) -> None:
        self.model = model
        self.operation = operation
        self.variables = variables
        self.defaults = {
            d.variable.name.value: d.default_value
            for d in operation.variable_definitions or ()
            if d.default_value is not None
        }
        self.memo: dict[str, int] = {}
        self.active: set[str] = set()
        self.used_variables = False
        self.sizing: set[str] = set()  # variables read for a list size

    def total(self) -> int:
        schema = self.model.schema
        root = {
            OperationType.QUERY: schema.query_type,
            OperationType.MUTATION: schema.mutation_type,
            OperationType.SUBSCRIPTION: schema.subscription_type,
        }[self.operation.operation]
        return self.selection_set(self.operation.selection_set, root)

    def selection_set(self, node: SelectionSetNode | None, parent: GraphQLNamedType | None) -> int:
        if node is None:
            return 0
        fields = parent.fields if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType) else {}
        total = 0
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                name = selection.name.value
                field = fields.get(name) or _META_FIELDS.get(name)
                total += 1
                if field is None or selection.selection_set is None:
                    continue
                many = _is_connection(field.type) or (_is_list(field.type) and not _is_connection(parent))
                size = self.list_size(selection, field) if many else 1
                total += size * self.selection_set(selection.selection_set, get_named_type(field.type))
            elif isinstance(selection, InlineFragmentNode):
                target = parent
                if selection.type_condition is not None:
                    target = self.model.schema.get_type(selection.type_condition.name.value) or parent
                total += self.selection_set(selection.selection_set, target)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value, parent)
        return total

    def fragment(self, name: str, parent: GraphQLNamedType | None) -> int:
        found = self.memo.get(name)
        if found is not None:
            return found
        definition = self.model.fragments.get(name)
        if definition is None or name in self.active:
            return 0
        self.active.add(name)
        target = self.model.schema.get_type(definition.type_condition.name.value) or parent
        try:
            cost = self.selection_set(definition.selection_set, target)
        finally:
            self.active.discard(name)
        self.memo[name] = cost
        return cost

    def list_size(self, selection: FieldNode, field: Any) -> int:
        arguments = {a.name.value: a.value for a in selection.arguments or ()}
        for name in ("first", "last"):
            if name in arguments:
                value = self.value(arguments[name])
                if isinstance(value, int) and not isinstance(value, bool):
                    return max(1, min(value, self.model.max_page))
        for node in arguments.values():
            value = self.value(node)
            if isinstance(value, list):
                return max(1, len(value))
        declared = field.args.get("first") if getattr(field, "args", None) else None
        if declared is not None and isinstance(declared.default_value, int):
            return max(1, declared.default_value)
        return self.model.default_list_size

    def value(self, node: ValueNode) -> Any:
        if isinstance(node, VariableNode):
            self.used_variables = True
            name = node.name.value
            self.sizing.add(name)
            if name in self.variables:
                return self.variables[name]
            default = self.defaults.get(name)
            return self.value(default) if default is not None else None
        if isinstance(node, IntValueNode):
            return int(node.value)
        if isinstance(node, ListValueNode):
            return list(node.values)
        return None

"""The estimated cost of an operation, from the request's variables.

`products(first: $n)` costs what `$n` asks for (on main it was costed as 10 whatever the value, and
five aliases of a 100-product page returned 1.34 MB). The walk memoises each fragment's cost (cost
is linear in the multiplier, so a fragment costs the same per unit wherever it is spread), so it
takes time linear in the document; `CostModel.constant` tells when a document's cost does not
depend on its variables and can be computed once, and costs for recent variable values are kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLType,
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

from .shape import fragments_of


def _is_list(type_: object) -> bool:
    while isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)


def _is_connection(type_: GraphQLType) -> bool:
    named = get_named_type(type_)
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
                many = _is_connection(field.type) or (
                    _is_list(field.type) and parent is not None and not _is_connection(parent)
                )
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

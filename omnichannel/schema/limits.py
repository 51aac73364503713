"""Query limits: depth, aliases, tokens, cost, and who may introspect.

Validation rules are built once per process: rule classes created per request would defeat the
validation cache (every lookup would miss).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLType,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValidationRule,
    get_named_type,
)
from strawberry.extensions import SchemaExtension, max_aliases, query_depth_limiter

MAX_DEPTH = 12
MAX_ALIASES = 30
MAX_TOKENS = 4000
MAX_COST = 50_000
DEFAULT_LIST_SIZE = 10


def _unwrap_list(type_: object) -> bool:
    while isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)


class QueryCostRule(ValidationRule):
    """Estimated cost: every field costs 1 times how many of it the query can return.

    A list field multiplies its children by its `first` argument, else by the length of a list
    literal argument (storeIds: [...]), else by DEFAULT_LIST_SIZE. A connection multiplies by its
    `first`, and its `edges` list does not multiply again.
    """

    def enter_operation_definition(self, node: OperationDefinitionNode, *_args: object) -> None:
        schema = self.context.schema
        root = {
            OperationType.QUERY: schema.query_type,
            OperationType.MUTATION: schema.mutation_type,
            OperationType.SUBSCRIPTION: schema.subscription_type,
        }[node.operation]
        if root is None:
            return
        fragments = {
            d.name.value: d for d in self.context.document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        cost = self._cost(node.selection_set, root, fragments, 1, set())
        if cost > MAX_COST:
            self.report_error(
                GraphQLError(
                    f"Query is too expensive: estimated cost {cost} exceeds the limit of {MAX_COST}. "
                    "Ask for fewer items per page or fewer nested lists.",
                    node,
                    extensions={"code": "QUERY_TOO_EXPENSIVE"},
                )
            )

    def _cost(
        self,
        selection_set: SelectionSetNode | None,
        parent: object,
        fragments: dict[str, FragmentDefinitionNode],
        multiplier: int,
        seen: set[str],
    ) -> int:
        if selection_set is None or not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                field = parent.fields.get(selection.name.value)
                if field is None:
                    continue
                total += multiplier
                # a connection multiplies by its `first`; its edges list is that same count
                many = _is_connection(field.type) or (_unwrap_list(field.type) and not _is_connection(parent))
                child_multiplier = multiplier * _list_size(selection) if many else multiplier
                total += self._cost(
                    selection.selection_set, get_named_type(field.type), fragments, child_multiplier, seen
                )
            elif isinstance(selection, InlineFragmentNode):
                target: object = parent
                if selection.type_condition is not None:
                    target = self.context.schema.get_type(selection.type_condition.name.value) or parent
                total += self._cost(selection.selection_set, target, fragments, multiplier, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = fragments.get(name)
                if fragment is None or name in seen:
                    continue
                target = self.context.schema.get_type(fragment.type_condition.name.value) or parent
                total += self._cost(fragment.selection_set, target, fragments, multiplier, seen | {name})
            if total > MAX_COST * 10:  # already far over; stop walking
                return total
        return total


def _is_connection(type_: GraphQLType) -> bool:
    named = get_named_type(type_)
    return named is not None and named.name.endswith("Connection")


def _list_size(field: FieldNode) -> int:
    for argument in field.arguments or ():
        if argument.name.value in ("first", "last") and isinstance(argument.value, IntValueNode):
            return max(1, int(argument.value.value))
    for argument in field.arguments or ():
        if isinstance(argument.value, ListValueNode):
            return max(1, len(argument.value.values))
    return DEFAULT_LIST_SIZE


VALIDATION_RULES: list[type[ASTValidationRule]] = [
    query_depth_limiter.create_validator(MAX_DEPTH, None, None),
    max_aliases.create_validator(MAX_ALIASES),
    QueryCostRule,
]


def _walk(selection_set: SelectionSetNode | None) -> Iterator[FieldNode]:
    if selection_set is None:
        return
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            yield selection
            yield from _walk(selection.selection_set)
        elif isinstance(selection, InlineFragmentNode):
            yield from _walk(selection.selection_set)


class _ByText:
    """A parsed query keyed by its text alone: hashing the text is cheap, hashing the AST is not
    (graphql-core hashes every node; about 10 microseconds for the catalogue page)."""

    __slots__ = ("document", "query")

    def __init__(self, query: str, document: DocumentNode) -> None:
        self.query = query
        self.document = document

    def __hash__(self) -> int:
        return hash(self.query)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _ByText) and other.query == self.query


@functools.lru_cache(maxsize=512)
def _introspects(parsed: _ByText) -> bool:
    for definition in parsed.document.definitions:
        selection_set = getattr(definition, "selection_set", None)
        if any(f.name.value in ("__schema", "__type") for f in _walk(selection_set)):
            return True
    return False


class IntrospectionGate(SchemaExtension):
    """Introspection only for HQ_ADMIN and ANALYST, or for anyone in demo mode."""

    def __init__(self, *, demo: bool) -> None:
        self.demo = demo

    def on_validate(self) -> Iterator[None]:
        # before yielding: strawberry checks pre_execution_errors inside the validation step
        if not self.demo:
            self._check()
        yield

    def _check(self) -> None:
        ctx = self.execution_context
        document = ctx.graphql_document
        if document is None or ctx.query is None or not _introspects(_ByText(ctx.query, document)):
            return
        principal = getattr(ctx.context, "principal", None)
        if principal is not None and principal.may_introspect:
            return
        error = GraphQLError(
            "Introspection is not allowed for this caller; it is open to HQ_ADMIN and ANALYST tokens.",
            extensions={"code": "FORBIDDEN"},
        )
        ctx.pre_execution_errors = [*(ctx.pre_execution_errors or []), error]

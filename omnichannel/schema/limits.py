"""Query limits: depth, aliases, fields, repeats, cost, input sizes, and who may introspect.

`LimitedValidation` takes the place of strawberry's ValidationCache. For each query text (cached,
LRU): the document's shape is measured first in time linear in its size (`shape.py`: every fragment
once, however often it is spread), and only a document within the limits goes through graphql-core's
validation rules, whose cost then stays bounded. Per request: the cost with the request's variables
(`products(first: $n)` is costed with the value of `$n`) and the checks of the variables themselves
(`input_checks.py`). Every refusal is a top-level error with an `extensions.code`; the README's
"Limits" table lists them all.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    FieldNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    SelectionSetNode,
)
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from ..resolvers.catalog import MAX_PAGE
from .cost import CostModel
from .input_checks import check_variables, literal_rule, variable_usages
from .shape import FragmentCycle, TooDeep, fragments_of, measure, overlap_pairs

MAX_DEPTH = 12  # field levels below the root field (root fields are level 0)
MAX_ALIASES = 30  # aliased fields, after fragment expansion
MAX_FIELDS = 1000  # field selections after fragment expansion (meta-fields included)
MAX_SELECTIONS = 2000  # fields, fragment spreads and inline fragments after expansion
MAX_OVERLAP_PAIRS = 3000  # pairs of same-named selections at one place (graphql-core compares each pair)
MAX_TOKENS = 4000  # tokens of the document (enforced by the parser)
MAX_QUERY_CHARS = 65_536  # characters of the query text (transports refuse longer ones before parsing)
MAX_COST = 50_000  # see shape.CostModel
DEFAULT_LIST_SIZE = 10  # what a list without `first` (or a list argument) is assumed to hold
MAX_INPUT_LIST = 100  # items of any list argument or input field, unless named below
INPUT_LIST_CAPS: dict[str, int] = {
    # bulk sync from the ERP (SERVICE, HQ_ADMIN): one request carries a whole batch
    "SyncStockInput.rows": 10_000,
    "SyncProductsInput.rows": 10_000,
}
VALIDATION_CACHE_SIZE = 512


def list_cap(key: str) -> int:
    """How many items a list given for this argument (`Type.field.argument`) or input field
    (`InputType.field`) may hold."""
    return INPUT_LIST_CAPS.get(key, MAX_INPUT_LIST)


def limit_error(message: str, code: str, node: Any = None) -> GraphQLError:
    return GraphQLError(message, node, extensions={"code": code})


@dataclass(slots=True)
class _Checked:
    """What one query text is known to be: its errors, or its cost model (and variable usages)."""

    errors: list[GraphQLError]
    document: DocumentNode | None = None
    cost: CostModel | None = None
    usages: dict[int, dict[str, str]] = field(default_factory=dict)


def _shape_errors(document: DocumentNode) -> list[GraphQLError]:
    try:
        counts = measure(document, MAX_DEPTH)
    except TooDeep:
        return [limit_error(f"The query exceeds maximum operation depth of {MAX_DEPTH}.", "QUERY_TOO_DEEP")]
    except FragmentCycle as cycle:
        return [limit_error(f"Cannot spread fragment '{cycle.name}' within itself.", "GRAPHQL_VALIDATION_FAILED")]
    errors = []
    for operation, found in counts.items():
        if found.fields > MAX_FIELDS or found.selections > MAX_SELECTIONS:
            errors.append(
                limit_error(
                    f"The query selects {found.fields} fields ({found.selections} selections) once its "
                    f"fragments are expanded; at most {MAX_FIELDS} fields and {MAX_SELECTIONS} selections "
                    "are allowed.",
                    "QUERY_TOO_LARGE",
                    operation,
                )
            )
        elif found.aliases > MAX_ALIASES:
            errors.append(
                limit_error(
                    f"The query uses {found.aliases} aliases; at most {MAX_ALIASES} aliases are allowed.",
                    "TOO_MANY_ALIASES",
                    operation,
                )
            )
    if errors:
        return errors
    pairs = overlap_pairs(document)
    if pairs > MAX_OVERLAP_PAIRS:
        return [
            limit_error(
                f"The query selects the same fields over and over at the same places ({pairs} pairs to compare; "
                f"at most {MAX_OVERLAP_PAIRS}). Select each field once per object.",
                "QUERY_TOO_LARGE",
            )
        ]
    return []


def _too_expensive(cost: int) -> GraphQLError:
    return limit_error(
        f"Query is too expensive: estimated cost {cost} exceeds the limit of {MAX_COST}. "
        "Ask for fewer items per page or fewer nested lists.",
        "QUERY_TOO_EXPENSIVE",
    )


class DocumentChecks:
    """The per-schema cache of checked documents, by query text (hashing the text is cheap; hashing
    graphql-core's AST is not)."""

    def __init__(self, maxsize: int = VALIDATION_CACHE_SIZE) -> None:
        self.maxsize = maxsize
        self._entries: OrderedDict[str, _Checked] = OrderedDict()
        self._lock = threading.Lock()
        self.literals = literal_rule(list_cap)

    def checked(
        self,
        schema: GraphQLSchema,
        query: str | None,
        document: DocumentNode,
        rules: tuple[type[ASTValidationRule], ...],
    ) -> _Checked:
        if query is not None:
            with self._lock:
                found = self._entries.get(query)
                if found is not None:
                    self._entries.move_to_end(query)
                    return found
        result = self._check(schema, document, rules)
        if query is not None:
            with self._lock:
                self._entries[query] = result
                if len(self._entries) > self.maxsize:
                    self._entries.popitem(last=False)
        return result

    def _check(
        self, schema: GraphQLSchema, document: DocumentNode, rules: tuple[type[ASTValidationRule], ...]
    ) -> _Checked:
        errors = _shape_errors(document)
        if errors:
            return _Checked(errors)
        errors = validate_document(schema, document, (*rules, self.literals))
        if errors:
            return _Checked(errors)
        cost = CostModel(schema, document, DEFAULT_LIST_SIZE, MAX_PAGE)
        if cost.constant:
            worst = cost.cost(None, None)
            if worst > MAX_COST:
                return _Checked([_too_expensive(worst)])
        return _Checked([], document, cost)

    def request_errors(
        self, checked: _Checked, schema: GraphQLSchema, operation_name: str | None, variables: dict[str, Any] | None
    ) -> list[GraphQLError]:
        """The checks that depend on the request: cost with its variables, the variables' values."""
        if checked.errors or checked.cost is None or checked.document is None:
            return checked.errors
        if not checked.cost.constant:  # constant costs were checked with the document
            cost = checked.cost.cost(operation_name, variables)
            if cost > MAX_COST:
                return [_too_expensive(cost)]
        if not variables:
            return []
        errors: list[GraphQLError] = []
        for operation in checked.cost.operations:
            if operation_name is not None and (operation.name is None or operation.name.value != operation_name):
                continue
            usages = checked.usages.get(id(operation))
            if usages is None:
                usages = checked.usages[id(operation)] = variable_usages(
                    operation, schema, fragments_of(checked.document)
                )
            errors.extend(check_variables(schema, operation, usages, variables, list_cap))
        return errors


class LimitedValidation(SchemaExtension):
    """Validation with the limits above (in place of strawberry's ValidationCache)."""

    def __init__(self, checks: DocumentChecks) -> None:
        self.checks = checks

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        assert ctx.graphql_document is not None
        schema = ctx.schema._schema
        checked = self.checks.checked(schema, ctx.query, ctx.graphql_document, ctx.validation_rules)
        ctx.pre_execution_errors = self.checks.request_errors(checked, schema, ctx.operation_name, ctx.variables)
        yield


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

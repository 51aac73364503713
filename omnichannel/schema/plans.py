"""Plans shared by every request of one document on one schema.

strawberry's parser cache hands every request of the same query text the same document, so the
field nodes a selection is made of are the same objects each time. The plan of a selection set
(`compiled.Selection`) depends only on those nodes and the schema - unless directives such as
@skip/@include/@defer change what is selected from one request to the next - so it is made once per
(schema, document) and kept here, with the document's operation so the node ids it is keyed by stay
valid. The parser cache is shared by every schema of the process (strawberry keys it by its size
alone): plans are kept per schema, or a second schema would run the first one's resolvers
(`tests/schema/test_plan_isolation.py`). A schema that is dropped takes its plans with it.
Arguments converted for resolvers are shared too when the operation has no variables; otherwise
each operation converts its own (`FastExecutor._arguments`); either way a resolver gets values it may
mutate without affecting another call (`arguments.py`).

The other process-wide cache of the executor, `compiled._COMPILED`, holds code that depends on
the kinds of a selection's fields alone (no names, types or resolvers): it cannot change an answer.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from graphql.execution.collect_fields import GroupedFieldSet

SHARED_MAX = 256  # operations whose plans are kept per schema (least recently used dropped)


class SharedPlans:
    """The selections planned for one operation of a cached document, by the field nodes they hold."""

    __slots__ = ("constant_arguments", "operation", "selections")

    def __init__(self, operation: OperationDefinitionNode) -> None:
        self.operation = operation  # keeps the nodes alive: their ids are the keys
        self.constant_arguments = not operation.variable_definitions
        self.selections: dict[tuple[Any, ...], Any] = {}


# schema -> id(operation) -> its plans
_SHARED: weakref.WeakKeyDictionary[GraphQLSchema, OrderedDict[int, SharedPlans]] = weakref.WeakKeyDictionary()


def shared_plans(
    schema: GraphQLSchema, operation: OperationDefinitionNode, fragments: Iterable[Any]
) -> SharedPlans | None:
    """The plans of this operation on this schema, or None when directives may change its selections
    per request.

    `fragments`: the document's fragment definitions (or graphql-core's FragmentDetails of them)."""
    by_operation = _SHARED.get(schema)
    if by_operation is None:
        by_operation = _SHARED[schema] = OrderedDict()
    found = by_operation.get(id(operation))
    if found is not None and found.operation is operation:
        by_operation.move_to_end(id(operation))
        return found
    definitions = [getattr(f, "definition", f) for f in fragments]
    if _has_directives(operation.selection_set) or any(_has_directives(d.selection_set) for d in definitions):
        return None
    plans = by_operation[id(operation)] = SharedPlans(operation)
    if len(by_operation) > SHARED_MAX:
        by_operation.popitem(last=False)
    return plans


def selection_key(parent_type: GraphQLObjectType, grouped: GroupedFieldSet) -> tuple[Any, ...] | None:
    """What identifies a grouped field set within its operation (None: not shareable)."""
    parts: list[Any] = [parent_type.name]
    for name, group in grouped.items():
        parts.append(name)
        for details in group:
            if details.defer_usage is not None or details.fragment_variable_values is not None:
                return None
            parts.append(id(details.node))
    return tuple(parts)


def _has_directives(selection_set: SelectionSetNode | None) -> bool:
    if selection_set is None:
        return False
    for selection in selection_set.selections:
        if selection.directives:
            return True
        if isinstance(selection, FieldNode | InlineFragmentNode) and _has_directives(selection.selection_set):
            return True
        if not isinstance(selection, FieldNode | InlineFragmentNode | FragmentSpreadNode):
            return True  # a kind of selection this module does not know: do not share
    return False

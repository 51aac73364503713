"""Plans shared by every request of one document.

strawberry's parser cache hands every request of the same query text the same document, so the
field nodes a selection is made of are the same objects each time. The plan of a selection set
(`compiled.Selection`) depends only on those nodes and the schema - unless directives such as
@skip/@include/@defer change what is selected from one request to the next - so it is made once per
document and kept here, with the document's operation so the node ids it is keyed by stay valid.
Arguments converted for resolvers are shared too when the operation has no variables; otherwise
each operation converts its own (`FastExecutor._arguments`).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from graphql.execution.collect_fields import GroupedFieldSet

SHARED_MAX = 256  # operations whose plans are kept (least recently used dropped)


class SharedPlans:
    """The selections planned for one operation of a cached document, by the field nodes they hold."""

    __slots__ = ("constant_arguments", "operation", "selections")

    def __init__(self, operation: OperationDefinitionNode) -> None:
        self.operation = operation  # keeps the nodes alive: their ids are the keys
        self.constant_arguments = not operation.variable_definitions
        self.selections: dict[tuple[Any, ...], Any] = {}


_SHARED: OrderedDict[int, SharedPlans] = OrderedDict()


def shared_plans(operation: OperationDefinitionNode, fragments: Iterable[Any]) -> SharedPlans | None:
    """The plans of this operation, or None when directives may change its selections per request.

    `fragments`: the document's fragment definitions (or graphql-core's FragmentDetails of them)."""
    found = _SHARED.get(id(operation))
    if found is not None and found.operation is operation:
        _SHARED.move_to_end(id(operation))
        return found
    definitions = [getattr(f, "definition", f) for f in fragments]
    if _has_directives(operation.selection_set) or any(_has_directives(d.selection_set) for d in definitions):
        return None
    plans = _SHARED[id(operation)] = SharedPlans(operation)
    if len(_SHARED) > SHARED_MAX:
        _SHARED.popitem(last=False)
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

"""Plans of selection sets, and the small Python functions compiled from them.

A plan (one `FieldPlan` per field of a selection set on one object type) records how each field
runs: a plain attribute read (`LEAF`, `OBJECT`, `VALUE`), a direct resolver call (`CALL`) or
graphql-core's own path (`SLOW`). `compile_selection` turns the kinds of a selection's fields into
a function that executes it on one object; `compile_items` one that executes it on a whole list
(selections of plain attributes only). The code depends on the kinds only - names and attributes
come from the plan at run time - so a few functions serve every query; they are kept in a bounded
LRU per process. The executor that uses them is `execution.FastExecutor`.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from graphql import FieldNode, GraphQLField, GraphQLNonNull, GraphQLObjectType, GraphQLOutputType
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import Path, Undefined
from strawberry.execution.is_awaitable import optimized_is_awaitable
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField
from strawberry.types.fields.resolver import StrawberryResolver

from .arguments import Copy

BACKREF = GraphQLCoreConverter.DEFINITION_BACKREF
new_tuple = tuple.__new__
MAX_INT, MIN_INT = 2**31 - 1, -(2**31)
READY = frozenset({dict, list, str, int, float, bool, type(None)})  # results that are never awaitable


def read(source: Any, attr: str) -> Any:
    """The attribute, or Undefined when reading it fails (graphql-core then reports it at the field)."""
    try:
        return getattr(source, attr)
    except Exception:
        return Undefined


# how a planned field is executed
SLOW, LEAF, OBJECT, VALUE, CALL = "slow", "leaf", "object", "value", "call"
FAST_TYPES: dict[str, type] = {"String": str, "ID": str, "Int": int, "Boolean": bool}
# scalars whose output is str() of one Python type (when the schema's scalar serializes with str)
STR_TYPES: dict[str, type] = {"Decimal": Decimal}


def _fast_leaf(field: FieldPlan, name: str) -> tuple[str, str]:
    """(check, value): the test that a leaf's value needs no coercion, and the output expression."""
    fast_type = field.fast_type
    assert fast_type is not None
    check = f"type(v) is {fast_type.__name__}"
    if fast_type is int:
        check += " and MIN_INT <= v <= MAX_INT"
    return check, ("str(v)" if fast_type in STR_TYPES.values() else "v")


class FieldPlan:
    """One field of a selection set, with everything its execution needs looked up in advance."""

    __slots__ = (
        "attr",
        "bare_call",
        "copies",
        "fast_type",
        "field_def",
        "fields",
        "func",
        "info_name",
        "item",
        "kind",
        "kwargs",
        "name",
        "nodes",
        "nullable",
        "object",
        "parent_name",
        "parent_type",
        "resolver",
        "return_type",
        "scalar",
        "self_arg",
        "source_names",
        "strawberry_field",
    )
    # filled by `FastExecutor._plan_field` for fields it can run itself (kind other than SLOW)
    field_def: GraphQLField
    return_type: GraphQLOutputType
    strawberry_field: StrawberryField
    nodes: list[FieldNode]
    nullable: bool
    scalar: Callable[[Any], Any]  # the leaf type's coerce_output_value
    resolver: StrawberryResolver[Any]
    func: Callable[..., Any]  # the resolver's own function
    self_arg: bool
    info_name: str | None
    source_names: tuple[str, ...]
    bare_call: bool

    def __init__(self, parent_type: GraphQLObjectType, name: str, fields: FieldDetailsList) -> None:
        self.parent_type = parent_type
        self.parent_name = parent_type.name
        # a resolver's arguments when the same for every request of the plan (else None), and those of
        # them each call gets a copy of (see `arguments.py`)
        self.kwargs: dict[str, Any] | None = None
        self.copies: Copy = ()
        self.name = name
        self.fields = fields
        self.kind = SLOW
        self.attr = ""
        self.fast_type: type | None = None
        self.object: ObjectTarget | None = None  # the field's object type (non-null or not)
        self.item: ObjectTarget | None = None  # the item type of a list of objects


class ObjectTarget:
    """An object type a value completes to, and how to recognise values of it without is_type_of."""

    __slots__ = ("cls", "item_type", "nullable", "planned", "selection", "type", "unchecked")

    def __init__(self, type_: GraphQLObjectType, nullable: bool) -> None:
        self.type = type_
        self.nullable = nullable
        definition = (type_.extensions or {}).get(BACKREF)
        self.cls: type | None = getattr(definition, "origin", None)  # values of this class need no check
        self.unchecked = type_.is_type_of is None  # any non-awaitable value will do
        self.selection: Selection | None = None  # filled on first use
        self.planned = False
        self.item_type: GraphQLOutputType = type_ if nullable else GraphQLNonNull(type_)


class Selection:
    """A selection set on one object type, planned and compiled."""

    __slots__ = ("attrs", "fields", "names", "pure", "run", "run_items", "sub_ids", "type")

    def __init__(self, type_: GraphQLObjectType, fields: tuple[FieldPlan, ...], run: Callable[..., Any]) -> None:
        self.type = type_
        self.fields = fields
        self.names = tuple(f.name for f in fields)
        self.attrs = tuple(f.attr for f in fields)
        self.run = run
        # only plain attributes all the way down: the same object always gives the same result
        self.pure = False
        self.sub_ids: tuple[int, ...] = ()  # id() of each object field's sub-selection (pure only)
        self.run_items: Callable[..., Any] | None = None  # a whole list of objects at once (pure only)


_COMPILED: OrderedDict[tuple[Any, ...], Callable[..., Any]] = OrderedDict()
_COMPILED_ITEMS: OrderedDict[tuple[Any, ...], Callable[..., Any]] = OrderedDict()
COMPILED_MAX = 1024  # distinct selection shapes kept compiled, per kind of function (least recently used dropped)
# what the generated code refers to
_SCOPE = {
    "UNDEFINED": Undefined,
    "READY": READY,
    "is_awaitable": optimized_is_awaitable,
    "MIN_INT": MIN_INT,
    "MAX_INT": MAX_INT,
    "new_tuple": new_tuple,
    "Path": Path,
    "str": str,
    "int": int,
    "bool": bool,
    "Decimal": Decimal,
}


def _compiled(
    cache: OrderedDict[tuple[Any, ...], Callable[..., Any]],
    fields: tuple[FieldPlan, ...],
    source: Callable[[tuple[FieldPlan, ...]], list[str]],
    name: str,
) -> Callable[..., Any]:
    """The function `name` that `source` writes for fields of this shape, compiled once per shape."""
    shape = tuple((f.kind, f.fast_type) for f in fields)
    run = cache.get(shape)
    if run is not None:
        cache.move_to_end(shape)
        return run
    scope = dict(_SCOPE)
    exec(compile("\n".join(source(fields)), f"<compiled {name}>", "exec"), scope)
    compiled: Callable[..., Any] = scope[name]  # type: ignore[assignment]  # exec's scope holds objects
    run = cache[shape] = compiled
    if len(cache) > COMPILED_MAX:
        cache.popitem(last=False)
    return run


def compile_selection(fields: tuple[FieldPlan, ...]) -> Callable[..., Any]:
    """run(executor, field_plans, names, source, path, context) -> result dict (or an awaitable of it).

    The code depends only on the kinds of the fields (names and attributes are read from the
    plans), so one function serves every query with the same shape of selection.
    """
    return _compiled(_COMPILED, fields, _selection_source, "run")


def _selection_source(fields: tuple[FieldPlan, ...]) -> list[str]:
    count = len(fields)
    lines = [
        "def run(ex, F, N, source, path, context):",
        f"    {''.join(f'F{i}, ' for i in range(count))}= F",
        f"    {''.join(f'N{i}, ' for i in range(count))}= N",
        "    results = {}",
        "    pending = None",
        "    try:",
    ]

    def track(name: str, indent: str) -> list[str]:
        return [
            f"{indent}if type(v) not in READY and is_awaitable(v):",
            f"{indent}    pending = [*(pending or ()), {name}]",
        ]

    for i, field in enumerate(fields):
        name = f"N{i}"
        if field.kind == LEAF:
            lines += [
                "        try:",
                f"            v = getattr(source, F{i}.attr)",
                "        except Exception:",
                "            v = UNDEFINED",
            ]
            slow = [
                f"v = ex._leaf(F{i}, source, v, path, context)",
                "if v is not UNDEFINED:",
                f"    results[{name}] = v",
                *(line[4:] for line in track(name, "    ")),
            ]
            if field.fast_type is None:
                lines += ["        " + line for line in slow]
                continue
            check, value = _fast_leaf(field, name)
            lines += [f"        if {check}:", f"            results[{name}] = {value}", "        else:"]
            lines += ["            " + line for line in slow]
            continue
        call = {OBJECT: "_object_field", CALL: "_call_field", VALUE: "_value_field"}.get(field.kind, "_slow_field")
        lines.append(f"        v = ex.{call}(F{i}, source, path, context)")
        if field.kind == SLOW:
            lines += [
                "        if v is not UNDEFINED:",
                f"            results[{name}] = v",
                *track(name, "            "),
            ]
        else:
            lines += [f"        results[{name}] = v", *track(name, "        ")]
    lines += [
        "    except Exception:",
        "        if pending:",
        "            ex.settle_in_background([results[k] for k in pending])",
        "        raise",
        "    if pending is None:",
        "        return results",
        "    return ex._gather_fields(results, pending)",
    ]
    return lines


def compile_items(fields: tuple[FieldPlan, ...]) -> Callable[..., Any]:
    """run_items(executor, selection, items, path, cls, item_type, fields, out, pending) -> stop index.

    For selections of plain attributes (scalars, and objects whose own selection is such): one loop
    completes every item of the exact class `cls` into `out`; item paths are built only when a field
    needs graphql-core. Returns the index of the first item of another class (None: all done).
    """
    return _compiled(_COMPILED_ITEMS, fields, _items_source, "run_items")


def _items_source(fields: tuple[FieldPlan, ...]) -> list[str]:
    count = len(fields)

    def unpack(prefix: str, source: str) -> str:
        return f"    {''.join(f'{prefix}{i}, ' for i in range(count))}= {source}"

    lines = [
        "def run_items(ex, sel, items, path, cls, item_type, fields, out, pending):",
        unpack("F", "sel.fields"),
        unpack("N", "sel.names"),
        unpack("A", "sel.attrs"),
        unpack("S", "sel.sub_ids"),
        *(f"    P{i} = ex._pure_results[S{i}]" for i, f in enumerate(fields) if f.kind != LEAF),
        "    append = out.append",
        "    index = -1",
        "    for src in items:",
        "        index += 1",
        "        if type(src) is not cls:",
        "            return index",
        "        waiting = None",
        "        try:",
        "            r = {}",
    ]
    item_path = "new_tuple(Path, (path, index, None))"
    for i, field in enumerate(fields):
        lines += [
            "            try:",
            f"                v = getattr(src, A{i})",
            "            except Exception:",
            "                v = UNDEFINED",
        ]
        if field.kind == LEAF:
            slow = f"v = ex._leaf(F{i}, src, v, {item_path}, None)"
            if field.fast_type is not None:
                check, value = _fast_leaf(field, f"N{i}")
                lines += [
                    f"            if {check}:",
                    f"                r[N{i}] = {value}",
                    "            else:",
                    f"                {slow}",
                ]
                indent = "                "
            else:
                lines.append(f"            {slow}")
                indent = "            "
            lines += [
                f"{indent}if v is not UNDEFINED:",
                f"{indent}    r[N{i}] = v",
                f"{indent}    if type(v) not in READY and is_awaitable(v):",
                f"{indent}        waiting = [*(waiting or ()), N{i}]",
            ]
        else:  # OBJECT with a pure selection: reuse what this operation already completed for it
            lines += [
                f"            seen = P{i}.get(id(v))",
                "            if seen is not None and seen[0] is v:",
                f"                r[N{i}] = seen[1]",
                "            else:",
                f"                v = ex._object_field(F{i}, src, {item_path}, None)",
                f"                r[N{i}] = v",
                "                if type(v) not in READY and is_awaitable(v):",
                f"                    waiting = [*(waiting or ()), N{i}]",
            ]
    lines += [
        "        except Exception as error:",
        "            if waiting:",
        "                ex.settle_in_background([r[k] for k in waiting])",
        "                waiting = None",
        "            r = ex._item_failed(error, item_type, fields, path, index)",
        "        if waiting is not None:",
        f"            r = ex._await_completed(ex._gather_fields(r, waiting), item_type, fields, {item_path})",
        "            pending.append(index)",
        "        append(r)",
        "    return None",
    ]
    return lines

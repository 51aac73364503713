"""A faster executor for graphql-core: same results and errors, less work per field.

graphql-core spends about ten function calls per field (resolve info, argument coercion, strawberry's
resolver wrapper, completion by type). For a 3,000-field catalogue page that is most of the request.
This executor plans each selection set once per document (`plans.py`: every request of a cached
query text shares the plans), compiles it to a small Python function (cached per shape for the
life of the process), and then:

- reads plain strawberry attributes (fields without a resolver) with `getattr`; built-in scalars of
  the expected Python type go straight into the result, objects of the expected class recurse into
  their own compiled selection, without building a resolve info;
- calls plain resolvers (no field extensions, permissions or exception handlers; no input-object
  arguments) directly, with their arguments converted once per operation instead of once per object;
- completes lists of objects with one loop instead of a chain of calls per item.

Anything unusual - a null in a non-null field, an unexpected type, an awaitable, an abstract type,
a failing scalar, @defer/@stream - goes through graphql-core's own code for that field, so errors,
paths and nulling follow the spec exactly as before. Middleware turns the fast path off
(`fast_path.py` says so at start-up); `OMNICHANNEL_FAST_EXECUTOR=0` leaves this executor out.
"""

from __future__ import annotations

import functools
import weakref
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLResolveInfoHelpers,
    GraphQLScalarType,
    get_named_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.pyutils import Path, Undefined, gather_with_cancel
from strawberry.execution.is_awaitable import optimized_is_awaitable
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.info import Info

from .arguments import Converted, Copy, convert
from .compiled import (
    BACKREF,
    CALL,
    FAST_TYPES,
    LEAF,
    OBJECT,
    SLOW,
    STR_TYPES,
    VALUE,
    FieldPlan,
    ObjectTarget,
    Selection,
    compile_items,
    compile_selection,
    new_tuple,
    read,
)
from .fast_path import static_blockers
from .plans import selection_key, shared_plans

_new = object.__new__


def _weak_method(method: Callable[..., Any]) -> Callable[..., Any]:
    ref = weakref.WeakMethod(method)

    def call(*args: Any, **kwargs: Any) -> Any:
        bound = ref()
        if bound is None:
            raise RuntimeError("the operation has finished")
        return bound(*args, **kwargs)

    return call


class LazyInfo(Info[Any, Any]):
    """strawberry's Info for a resolver called by the fast path: `context` directly, graphql-core's
    resolve info (path, selection, variables...) built only if the resolver reads it.

    `FastExecutor._call_field` makes them without a call: `__dict__` set to these three attributes."""

    _executor: FastExecutor
    _plan: FieldPlan
    _path: Path

    @property
    def context(self) -> Any:
        return self._executor.context_value

    @property
    def _field(self) -> Any:  # type: ignore[override]  # a field of Info, read from the plan here
        return self._plan.strawberry_field

    @functools.cached_property
    def _raw_info(self) -> GraphQLResolveInfo[Any]:  # type: ignore[override]  # a field of Info, computed here
        plan = self._plan
        return self._executor.build_resolve_info(plan.field_def, plan.nodes, plan.parent_type, self._path)


class FastExecutor(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor with planned, compiled fast paths (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # graphql-core's helpers hold bound methods of the executor: a reference cycle that keeps the
        # executor, the request context and every row the request loaded alive until a full garbage
        # collection. Weak references break it; the memory goes back as soon as the response is sent.
        self.async_helpers = GraphQLResolveInfoHelpers(
            gather=_weak_method(self.gather_async_work), track=_weak_method(self.track_async_work)
        )
        self._selections: dict[int, tuple[GroupedFieldSet, Selection | None]] = {}
        # completed pure selections: id(selection) -> id(object) -> (object, result)
        self._pure_results: defaultdict[int, dict[int, tuple[Any, dict[str, Any]]]] = defaultdict(dict)
        strawberry_schema = getattr(self.schema, "_strawberry_schema", None)
        converter = getattr(strawberry_schema, "schema_converter", None)
        self._converter: Any = converter
        self._lazy_info = converter is not None and converter.config.info_class is Info
        self._fast = (  # the conditions of `fast_path.py`, which names them at start-up
            converter is not None
            and not getattr(self.middleware_manager, "middlewares", None)
            and not static_blockers(converter)
        )
        # plans made by earlier requests of this document (None: directives make them vary)
        self._shared = shared_plans(self.schema, self.operation, self.fragments.values()) if self._fast else None
        self._arguments_vary = self._shared is not None and not self._shared.constant_arguments
        self._kwargs: dict[int, Converted] = {}  # this operation's arguments of shared plans

    def build_per_event_executor(self, payload: Any) -> FastExecutor:
        """A subscription's executor for one event: graphql-core copies this one (shallowly), so the
        per-operation state starts afresh - or every event's objects would stay alive in it."""
        executor = super().build_per_event_executor(payload)
        assert isinstance(executor, FastExecutor)
        executor._selections = {}
        executor._pure_results = defaultdict(dict)
        executor._kwargs = {}
        return executor

    # ---- planning -------------------------------------------------------------------------------

    def _selection(self, parent_type: GraphQLObjectType, grouped: GroupedFieldSet) -> Selection | None:
        cached = self._selections.get(id(grouped))
        if cached is not None:
            return cached[1]
        key = selection_key(parent_type, grouped) if self._shared is not None else None
        if key is not None:
            shared = self._shared.selections.get(key, Undefined)  # type: ignore[union-attr]
            if shared is not Undefined:
                self._selections[id(grouped)] = (grouped, shared)
                return shared  # type: ignore[no-any-return]
        selection = None
        if self._fast:
            fields = tuple(self._plan_field(parent_type, name, group) for name, group in grouped.items())
            if fields and any(f.kind != SLOW for f in fields):
                selection = Selection(parent_type, fields, compile_selection(fields))
                selection.pure = all(
                    f.kind == LEAF or (f.kind == OBJECT and self._pure(self._target_selection(f.object, f.fields)))  # type: ignore[arg-type]
                    for f in fields
                )
                if selection.pure:
                    selection.sub_ids = tuple(
                        id(f.object.selection) if f.kind == OBJECT else 0  # type: ignore[union-attr]
                        for f in fields
                    )
                    selection.run_items = compile_items(fields)
        self._selections[id(grouped)] = (grouped, selection)  # keep `grouped` alive: its id is the key
        if key is not None:
            self._shared.selections[key] = selection  # type: ignore[union-attr]
        return selection

    @staticmethod
    def _pure(selection: Selection | None) -> bool:
        return selection is not None and selection.pure

    def _target_selection(self, target: ObjectTarget, fields: FieldDetailsList) -> Selection | None:
        """The compiled sub-selection of an object target (None: @defer, or nothing to speed up)."""
        if not target.planned:
            grouped, defer_usages, _ = self.collect_subfields(target.type, fields)
            target.selection = None if defer_usages else self._selection(target.type, grouped)
            target.planned = True
        return target.selection

    def _plan_field(self, parent_type: GraphQLObjectType, name: str, fields: FieldDetailsList) -> FieldPlan:
        plan = FieldPlan(parent_type, name, fields)
        field_def = self.schema.get_field(parent_type, fields[0].node.name.value)
        if field_def is None:
            return plan
        strawberry_field = (field_def.extensions or {}).get(BACKREF)
        if strawberry_field is None or strawberry_field.extensions or field_def.subscribe is not None:
            return plan  # unknown to strawberry, wrapped by field extensions, or a subscription's event field
        return_type = field_def.type
        plan.field_def = field_def
        plan.return_type = return_type
        plan.strawberry_field = strawberry_field
        plan.nodes = [f.node for f in fields]
        plan.nullable = not isinstance(return_type, GraphQLNonNull)
        named = return_type.of_type if isinstance(return_type, GraphQLNonNull) else return_type
        if isinstance(named, GraphQLObjectType):
            plan.object = ObjectTarget(named, plan.nullable)
        elif isinstance(named, GraphQLList):
            item = named.of_type
            item_named = item.of_type if isinstance(item, GraphQLNonNull) else item
            if isinstance(item_named, GraphQLObjectType):
                plan.item = ObjectTarget(item_named, not isinstance(item, GraphQLNonNull))
        resolver = strawberry_field.base_resolver
        if resolver is None:
            if not getattr(field_def.resolve, "_is_default", False):
                return plan
            plan.attr = strawberry_field.python_name
            if isinstance(named, GraphQLScalarType | GraphQLEnumType):
                plan.kind = LEAF
                plan.scalar = named.coerce_output_value
                plan.fast_type = FAST_TYPES.get(named.name)
                if plan.fast_type is None and named.coerce_output_value is str:
                    plan.fast_type = STR_TYPES.get(named.name)  # e.g. Decimal: str(value)
            else:
                plan.kind = OBJECT if plan.object is not None else VALUE
            return plan
        if any(isinstance(get_named_type(a.type), GraphQLInputObjectType) for a in field_def.args.values()):
            return plan  # input objects may build themselves from info: leave them to strawberry
        plan.kind = CALL
        plan.resolver = resolver
        plan.func = resolver.wrapped_func
        plan.self_arg = resolver.self_parameter is not None
        plan.info_name = resolver.info_parameter.name if resolver.info_parameter is not None else None
        plan.source_names = tuple(p.name for p in (resolver.parent_parameter, resolver.root_parameter) if p is not None)
        # no info, no arguments, no parent/root: call it with the source alone
        plan.bare_call = not (
            field_def.args or resolver.info_parameter or resolver.parent_parameter or resolver.root_parameter
        )
        return plan

    # ---- execution ------------------------------------------------------------------------------

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> Any:
        selection = self._selection(parent_type, grouped_field_set)
        if selection is None:
            return super().execute_fields(parent_type, source_value, path, grouped_field_set, position_context)
        return selection.run(self, selection.fields, selection.names, source_value, path, position_context)

    async def _gather_fields(self, results: dict[str, Any], awaitable_fields: list[str]) -> dict[str, Any]:
        if len(awaitable_fields) == 1:
            name = awaitable_fields[0]
            results[name] = await results[name]
            return results
        values = await gather_with_cancel(*(results[f] for f in awaitable_fields))
        results.update(zip(awaitable_fields, values, strict=True))
        return results

    @staticmethod
    def _field_path(field: FieldPlan, path: Path | None) -> Path:
        return new_tuple(Path, (path, field.name, field.parent_name))  # Path(...) without its __new__

    def _slow_field(self, field: FieldPlan, source: Any, path: Path | None, context: Any) -> Any:
        return self.execute_field(field.parent_type, source, field.fields, self._field_path(field, path), context)

    def _leaf(self, field: FieldPlan, source: Any, value: Any, path: Path | None, context: Any) -> Any:
        """A scalar or enum attribute not of the scalar's own Python type: coerce it, or let graphql-core."""
        if value is None:
            if field.nullable:
                return None
        elif value is not Undefined and not optimized_is_awaitable(value):
            try:
                coerced = field.scalar(value)
            except Exception:
                coerced = None
            if coerced is not None and coerced is not Undefined:
                return coerced
        # null in a non-null field, a missing attribute, an awaitable, a value the scalar refuses
        return self._slow_field(field, source, path, context)

    def _object_field(self, field: FieldPlan, source: Any, path: Path | None, context: Any) -> Any:
        value = read(source, field.attr)
        if value is None and field.nullable:
            return None
        target: ObjectTarget = field.object  # type: ignore[assignment]
        selection = target.selection
        if selection is not None and selection.pure and context is None:  # seen before: no path, no calls
            seen = self._pure_results[id(selection)].get(id(value))
            if seen is not None and seen[0] is value:
                return seen[1]
        if type(value) is target.cls or (
            target.unchecked and value is not None and value is not Undefined and not optimized_is_awaitable(value)
        ):
            return self._complete_object(field, target, self._field_path(field, path), value, context, shared=True)
        return self._slow_field(field, source, path, context)

    def _complete_object(
        self, field: FieldPlan, target: ObjectTarget, path: Path, value: Any, context: Any, shared: bool = False
    ) -> Any:
        """Sub-selections of an object already known to be of the target type, with field error handling.

        `shared`: the object is an attribute of its parent, likely referenced from many places."""
        try:
            selection = target.selection if target.planned else self._target_selection(target, field.fields)
            if selection is not None and context is None:
                if shared and selection.pure:
                    completed = self._complete_pure(selection, value, path)
                else:
                    completed = selection.run(self, selection.fields, selection.names, value, path, None)
            else:
                grouped, defer_usages, _ = self.collect_subfields(target.type, field.fields)
                completed = self.execute_collected_subfields(target.type, value, path, grouped, defer_usages, context)
        except Exception as error:
            self.handle_field_error(error, field.return_type, field.fields, path)
            return None
        if type(completed) is not dict and optimized_is_awaitable(completed):
            return self._await_completed(completed, field.return_type, field.fields, path)
        return completed

    def _complete_pure(self, selection: Selection, value: Any, path: Path) -> Any:
        """A selection of plain attributes of an object seen before in this operation: the same result.

        A page names the same few stores hundreds of times; each is completed once. Results that
        raised field errors are not reused (each position must report its own)."""
        results = self._pure_results[id(selection)]
        seen = results.get(id(value))
        if seen is not None and seen[0] is value:
            return seen[1]
        errors = len(self.collected_errors.errors)
        completed = selection.run(self, selection.fields, selection.names, value, path, None)
        if type(completed) is dict and len(self.collected_errors.errors) == errors:
            results[id(value)] = (value, completed)  # keeps `value` alive: its id is the key
        return completed

    async def _await_completed(
        self, completed: Any, return_type: GraphQLOutputType, fields: FieldDetailsList, path: Path
    ) -> Any:
        try:
            return await completed
        except Exception as error:
            self.handle_field_error(error, return_type, fields, path)
            return None

    def _value_field(self, field: FieldPlan, source: Any, path: Path | None, context: Any) -> Any:
        """A plain attribute holding a list or an abstract type."""
        value = read(source, field.attr)
        if value is Undefined:
            return self._slow_field(field, source, path, context)  # graphql-core reports the missing attribute
        return self._complete(field, None, self._field_path(field, path), value, context)

    def _call_field(self, field: FieldPlan, source: Any, path: Path | None, context: Any) -> Any:
        """A resolver called directly: arguments converted once per operation, no wrapper chain."""
        field_path = new_tuple(Path, (path, field.name, field.parent_name))
        try:
            if field.bare_call:
                result = field.func(source) if field.self_arg else field.func()
            else:
                if self._lazy_info:
                    info: Info[Any, Any] = _new(LazyInfo)
                    info.__dict__ = {"_executor": self, "_plan": field, "_path": field_path}
                else:
                    raw = self.build_resolve_info(field.field_def, field.nodes, field.parent_type, field_path)
                    info = self._converter.config.info_class(_raw_info=raw, _field=field.strawberry_field)
                kwargs = field.kwargs
                if kwargs is None:
                    kwargs = self._arguments(field, info)  # copied where needed
                    copies: Copy = ()
                else:
                    copies = field.copies
                if field.info_name is not None:
                    kwargs = {**kwargs, field.info_name: info}
                if field.source_names:
                    kwargs = {**kwargs, **dict.fromkeys(field.source_names, source)}
                if copies:  # shared arguments: copy what the resolver could change in place (`arguments.copied`)
                    if kwargs is field.kwargs:
                        kwargs = dict(kwargs)
                    for name, copy_value in copies:
                        kwargs[name] = copy_value(kwargs[name])
                result = field.func(source, **kwargs) if field.self_arg else field.func(**kwargs)
        except Exception as error:
            self.handle_field_error(error, field.return_type, field.fields, field_path)
            return None
        return self._complete(field, None, field_path, result, context)

    def _complete(
        self, field: FieldPlan, info: GraphQLResolveInfo[Any] | None, path: Path, result: Any, context: Any
    ) -> Any:
        """What execute_field does after calling the resolver; objects and lists of objects directly."""
        target = field.object
        if target is not None and (
            type(result) is target.cls
            or (target.unchecked and result is not None and not optimized_is_awaitable(result))
        ):
            return self._complete_object(field, target, path, result, context)
        if field.item is not None and type(result) is list and context is None:
            try:
                completed = self._complete_items(field.item, field.fields, info, path, result, field.parent_type)
            except Exception as error:
                self.handle_field_error(error, field.return_type, field.fields, path)
                return None
            if type(completed) is not list:
                return self._await_completed(completed, field.return_type, field.fields, path)
            return completed
        return_type = field.return_type
        if info is None:
            info = self.build_resolve_info(field.field_def, field.nodes, field.parent_type, path)
        try:
            if optimized_is_awaitable(result):
                return self.complete_awaitable_value(return_type, field.fields, info, path, result, context)
            completed = self.complete_value(return_type, field.fields, info, path, result, context)
        except Exception as error:
            self.handle_field_error(error, return_type, field.fields, path)
            return None
        if optimized_is_awaitable(completed):
            return self._await_completed(completed, return_type, field.fields, path)
        return completed

    def _arguments(self, field: FieldPlan, info: Any) -> dict[str, Any]:
        """The field's converted arguments for one call: converted once and kept on the plan, or for
        this operation only when the plan is shared and variables may give the next operation other
        values; values a resolver could change in place are copied for each call (`arguments.py`)."""
        if not self._arguments_vary:
            converted = self._converted_arguments(field, info)
            field.copies = converted.copies
            field.kwargs = converted.values  # from now on `_call_field` takes them from the plan
        else:
            found = self._kwargs.get(id(field))
            if found is None:
                found = self._kwargs[id(field)] = self._converted_arguments(field, info)
            converted = found
        return converted.for_call()

    def _converted_arguments(self, field: FieldPlan, info: Any) -> Converted:
        return convert(
            field.field_def,
            field.fields[0],
            self.variable_values,
            self.hide_suggestions,
            field.strawberry_field,
            self._converter,
            info,
        )

    # ---- lists ----------------------------------------------------------------------------------

    def complete_iterable_value(
        self,
        item_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        items: Iterable[Any],
        position_context: Any,
    ) -> Any:
        nullable = not isinstance(item_type, GraphQLNonNull)
        named = item_type if nullable else item_type.of_type  # type: ignore[union-attr]
        if (
            not self._fast
            or position_context is not None
            or not isinstance(named, GraphQLObjectType)
            or self.get_stream_usage(field_details_list, path) is not None
        ):
            return super().complete_iterable_value(item_type, field_details_list, info, path, items, position_context)
        target = ObjectTarget(named, nullable)
        return self._complete_items(target, field_details_list, info, path, items, None)

    def _complete_items(
        self,
        target: ObjectTarget,
        fields: FieldDetailsList,
        info: GraphQLResolveInfo[Any] | None,
        path: Path,
        items: Iterable[Any],
        parent_type: GraphQLObjectType | None,
    ) -> Any:
        """Objects of a list, each through the compiled sub-selection; odd items through graphql-core."""
        selection = target.selection if target.planned else self._target_selection(target, fields)
        item_type = target.item_type
        cls, unchecked = target.cls, target.unchecked
        completed: list[Any] = []
        pending: list[int] = []
        start = 0
        try:
            if selection is not None and selection.run_items is not None and cls is not None:
                items = items if type(items) is list else list(items)
                stop = selection.run_items(self, selection, items, path, cls, item_type, fields, completed, pending)
                if stop is None:
                    return self._gather_items(completed, pending) if pending else completed
                start, items = stop, items[stop:]  # an item of another class: the rest the general way
            for index, item in enumerate(items, start):
                item_path = new_tuple(Path, (path, index, None))
                if selection is not None and (
                    type(item) is cls or (unchecked and item is not None and not optimized_is_awaitable(item))
                ):
                    try:
                        value = selection.run(self, selection.fields, selection.names, item, item_path, None)
                    except Exception as error:
                        self.handle_field_error(error, item_type, fields, item_path)
                        value = None
                    if type(value) is not dict and optimized_is_awaitable(value):
                        value = self._await_completed(value, item_type, fields, item_path)
                        pending.append(index)
                    completed.append(value)
                    continue
                # null items, other types, awaitables: graphql-core's per-item completion
                if info is None:
                    info = self.build_resolve_info(
                        self.schema.get_field(parent_type, fields[0].node.name.value),  # type: ignore[arg-type]
                        [f.node for f in fields],
                        parent_type,  # type: ignore[arg-type]
                        path,
                    )
                if optimized_is_awaitable(item):
                    completed.append(
                        self.complete_awaitable_list_item_value(item, item_type, fields, info, item_path, None)
                    )
                    pending.append(index)
                elif self.complete_list_item_value(item, completed, item_type, fields, info, item_path, None):
                    pending.append(index)
        except Exception:
            if pending:
                self.settle_in_background([completed[i] for i in pending])
            raise
        if not pending:
            return completed
        return self._gather_items(completed, pending)

    def _item_failed(
        self, error: Exception, item_type: GraphQLOutputType, fields: FieldDetailsList, path: Path, index: int
    ) -> None:
        self.handle_field_error(error, item_type, fields, new_tuple(Path, (path, index, None)))

    async def _gather_items(self, completed: list[Any], pending: list[int]) -> list[Any]:
        values = await gather_with_cancel(*(completed[i] for i in pending))
        for index, value in zip(pending, values, strict=True):
            completed[index] = value
        return completed


__all__ = ["FastExecutor"]

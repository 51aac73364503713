"""A faster executor for graphql-core: same results and errors, less work per field.

graphql-core spends about ten function calls per field (resolve info, argument coercion, strawberry's
resolver wrapper, completion by type). For a 3,000-field catalogue page that is most of the request.
This executor plans each selection set once per operation and then:

- reads plain strawberry attributes (fields without a resolver) with `getattr` and completes scalars,
  enums and objects directly, without building a resolve info;
- calls plain resolvers (no field extensions, permissions or exception handlers; scalar/enum
  arguments only) directly, with their arguments converted once per operation instead of per object;
- completes lists of objects without the per-item chain of calls.

Anything unusual - a null in a non-null field, an unexpected type, an awaitable, an abstract type,
a failing scalar - goes through graphql-core's own code for that field, so errors, paths and nulling
follow the spec exactly as before. Middleware turns the fast path off.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLScalarType,
    get_named_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path, Undefined, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.arguments import convert_arguments

BACKREF = GraphQLCoreConverter.DEFINITION_BACKREF
MAX_INT, MIN_INT = 2**31 - 1, -(2**31)

# how a planned field is executed
SLOW, LEAF, OBJECT, VALUE, CALL = range(5)


def _fast_type(type_: GraphQLScalarType | GraphQLEnumType) -> type | None:
    """The Python type a built-in scalar passes through unchanged (Int: within 32 bits, checked apart)."""
    return {"String": str, "ID": str, "Int": int, "Boolean": bool}.get(type_.name)


class FieldPlan:
    __slots__ = (
        "arguments",
        "attr",
        "bare_call",
        "fast_type",
        "field_def",
        "fields",
        "func",
        "kind",
        "name",
        "nodes",
        "nullable",
        "object_type",
        "origin",
        "parent_type",
        "resolver",
        "return_type",
        "scalar",
        "self_arg",
        "strawberry_field",
        "sub",
    )

    def __init__(self, name: str, fields: FieldDetailsList) -> None:
        self.name = name
        self.fields = fields
        self.kind = SLOW
        self.object_type: GraphQLObjectType | None = None
        self.origin: type | None = None
        self.sub: tuple[GroupedFieldSet, Any] | None = None


class FastExecutor(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor with planned fast paths (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plans: dict[int, tuple[GroupedFieldSet, list[FieldPlan] | None]] = {}
        self._arguments: dict[int, tuple[FieldDetailsList, dict[str, Any]]] = {}
        strawberry_schema = getattr(self.schema, "_strawberry_schema", None)
        converter = getattr(strawberry_schema, "schema_converter", None)
        self._converter = converter
        self._fast = (
            converter is not None
            and not getattr(self.middleware_manager, "middlewares", None)
            and not converter.exception_handlers
            and converter.config.default_resolver is getattr
        )

    # ---- planning -------------------------------------------------------------------------------

    def _plan(self, parent_type: GraphQLObjectType, grouped: GroupedFieldSet) -> list[FieldPlan] | None:
        cached = self._plans.get(id(grouped))
        if cached is not None:
            return cached[1]
        plan: list[FieldPlan] | None = None
        if self._fast:
            plan = [self._plan_field(parent_type, name, fields) for name, fields in grouped.items()]
            if all(p.kind == SLOW for p in plan):
                plan = None
        self._plans[id(grouped)] = (grouped, plan)  # keep `grouped` alive: its id is the key
        return plan

    def _plan_field(self, parent_type: GraphQLObjectType, name: str, fields: FieldDetailsList) -> FieldPlan:
        plan = FieldPlan(name, fields)
        node = fields[0].node
        field_def = self.schema.get_field(parent_type, node.name.value)
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
        resolver = strawberry_field.base_resolver
        if resolver is None:
            if not getattr(field_def.resolve, "_is_default", False):
                return plan
            plan.attr = strawberry_field.python_name
            if isinstance(named, GraphQLScalarType | GraphQLEnumType):
                plan.kind = LEAF
                plan.scalar = named.coerce_output_value
                plan.fast_type = _fast_type(named)
            elif isinstance(named, GraphQLObjectType):
                plan.kind = OBJECT
                plan.object_type = named
                definition = (named.extensions or {}).get(BACKREF)
                plan.origin = getattr(definition, "origin", None) if named.is_type_of else None
            else:
                plan.kind = VALUE  # lists and abstract types: graphql-core completes the value
                plan.parent_type = parent_type
            return plan
        if any(isinstance(get_named_type(a.type), GraphQLInputObjectType) for a in field_def.args.values()):
            return plan  # input objects may build themselves from info: leave them to strawberry
        plan.kind = CALL
        plan.resolver = resolver
        plan.parent_type = parent_type
        plan.func = resolver.wrapped_func
        plan.self_arg = resolver.self_parameter is not None
        # no info, no arguments, no parent/root: call it with the source alone
        plan.bare_call = not (
            field_def.args or resolver.info_parameter or resolver.parent_parameter or resolver.root_parameter
        )
        if isinstance(named, GraphQLObjectType):
            plan.object_type = named
            definition = (named.extensions or {}).get(BACKREF)
            plan.origin = getattr(definition, "origin", None) if named.is_type_of else None
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
        plan = self._plan(parent_type, grouped_field_set)
        if plan is None:
            return super().execute_fields(parent_type, source_value, path, grouped_field_set, position_context)
        results: dict[str, Any] = {}
        awaitable_fields: list[str] = []
        is_awaitable = self.is_awaitable
        parent_name = parent_type.name
        try:
            for field in plan:
                kind = field.kind
                name = field.name
                if kind == LEAF:
                    value = getattr(source_value, field.attr, Undefined)
                    value_type = type(value)
                    if value_type is field.fast_type and (value_type is not int or MIN_INT <= value <= MAX_INT):
                        results[name] = value
                        continue
                    if value is None and field.nullable:
                        results[name] = None
                        continue
                    if value is not None and value is not Undefined and not is_awaitable(value):
                        try:
                            coerced = field.scalar(value)
                        except Exception:
                            coerced = None
                        if coerced is not None and coerced is not Undefined:
                            results[name] = coerced
                            continue
                    # null in a non-null field, an awaitable, a value the scalar refuses: graphql-core decides
                    result = self.execute_field(
                        parent_type, source_value, field.fields, Path(path, name, parent_name), position_context
                    )
                elif kind == OBJECT:
                    result = self._object_field(field, parent_type, source_value, path, position_context)
                elif kind == CALL:
                    result = self._call_field(field, parent_type, source_value, path, position_context)
                elif kind == VALUE:
                    result = self._value_field(field, parent_type, source_value, path, position_context)
                else:
                    result = self.execute_field(
                        parent_type, source_value, field.fields, Path(path, name, parent_name), position_context
                    )
                if result is Undefined:
                    continue
                results[name] = result
                if is_awaitable(result):
                    awaitable_fields.append(name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[f] for f in awaitable_fields])
            raise
        if not awaitable_fields:
            return results
        return self._gather_fields(results, awaitable_fields)

    async def _gather_fields(self, results: dict[str, Any], awaitable_fields: list[str]) -> dict[str, Any]:
        if len(awaitable_fields) == 1:
            name = awaitable_fields[0]
            results[name] = await results[name]
            return results
        values = await gather_with_cancel(*(results[f] for f in awaitable_fields))
        results.update(zip(awaitable_fields, values, strict=True))
        return results

    def _object_field(
        self, field: FieldPlan, parent_type: GraphQLObjectType, source: Any, path: Path | None, context: Any
    ) -> Any:
        value = getattr(source, field.attr, Undefined)
        field_path = Path(path, field.name, parent_type.name)
        if value is None and field.nullable:
            return None
        if value is None or value is Undefined or (field.origin is not None and type(value) is not field.origin):
            return self.execute_field(parent_type, source, field.fields, field_path, context)
        if self.is_awaitable(value):
            return self.execute_field(parent_type, source, field.fields, field_path, context)
        return self._complete_object(field, field_path, value, context)

    def _complete_object(self, field: FieldPlan, path: Path, value: Any, context: Any) -> Any:
        """Sub-selections of an object already known to be of the field's type, with field error handling."""
        object_type = field.object_type
        sub = field.sub
        if sub is None:
            grouped, defer_usages, _ = self.collect_subfields(object_type, field.fields)  # type: ignore[arg-type]
            sub = field.sub = (grouped, defer_usages)
        try:
            if context is None and not sub[1]:
                completed = self.execute_fields(object_type, value, path, sub[0], None)  # type: ignore[arg-type]
            else:
                completed = self.execute_collected_subfields(object_type, value, path, sub[0], sub[1], context)  # type: ignore[arg-type]
        except Exception as error:
            self.handle_field_error(error, field.return_type, field.fields, path)
            return None
        if self.is_awaitable(completed):
            return self._await_completed(completed, field.return_type, field.fields, path)
        return completed

    async def _await_completed(
        self, completed: Any, return_type: GraphQLOutputType, fields: FieldDetailsList, path: Path
    ) -> Any:
        try:
            return await completed
        except Exception as error:
            self.handle_field_error(error, return_type, fields, path)
            return None

    def _value_field(
        self, field: FieldPlan, parent_type: GraphQLObjectType, source: Any, path: Path | None, context: Any
    ) -> Any:
        """A plain attribute holding a list or an abstract type: read it, let graphql-core complete it."""
        field_path = Path(path, field.name, parent_type.name)
        info = self.build_resolve_info(field.field_def, field.nodes, parent_type, field_path)
        return self._complete(field, info, field_path, getattr(source, field.attr), context)

    def _call_field(
        self, field: FieldPlan, parent_type: GraphQLObjectType, source: Any, path: Path | None, context: Any
    ) -> Any:
        """A resolver called directly: arguments converted once per operation, no wrapper chain."""
        field_path = Path(path, field.name, parent_type.name)
        info = None
        try:
            if field.bare_call:
                result = field.func(source) if field.self_arg else field.func()
            else:
                resolver = field.resolver
                info = self.build_resolve_info(field.field_def, field.nodes, parent_type, field_path)
                strawberry_info = self._converter.config.info_class(_raw_info=info, _field=field.strawberry_field)
                kwargs = dict(self._converted_arguments(field, strawberry_info))
                if resolver.info_parameter is not None:
                    kwargs[resolver.info_parameter.name] = strawberry_info
                if resolver.parent_parameter is not None:
                    kwargs[resolver.parent_parameter.name] = source
                if resolver.root_parameter is not None:
                    kwargs[resolver.root_parameter.name] = source
                result = field.func(source, **kwargs) if field.self_arg else field.func(**kwargs)
        except Exception as error:
            self.handle_field_error(error, field.return_type, field.fields, field_path)
            return None
        return self._complete(field, info, field_path, result, context)

    def _complete(
        self, field: FieldPlan, info: GraphQLResolveInfo | None, path: Path, result: Any, context: Any
    ) -> Any:
        """What execute_field does after calling the resolver (objects of the expected class: directly)."""
        if (
            field.object_type is not None
            and result is not None
            and (type(result) is field.origin if field.origin is not None else not self.is_awaitable(result))
        ):
            return self._complete_object(field, path, result, context)
        return_type = field.return_type
        if info is None:
            info = self.build_resolve_info(field.field_def, field.nodes, field.parent_type, path)
        try:
            if self.is_awaitable(result):
                return self.complete_awaitable_value(return_type, field.fields, info, path, result, context)
            completed = self.complete_value(return_type, field.fields, info, path, result, context)
        except Exception as error:
            self.handle_field_error(error, return_type, field.fields, path)
            return None
        if self.is_awaitable(completed):
            return self._await_completed(completed, return_type, field.fields, path)
        return completed

    def _converted_arguments(self, field: FieldPlan, info: Any) -> dict[str, Any]:
        cached = self._arguments.get(id(field.fields))
        if cached is not None:
            return cached[1]
        first = field.fields[0]
        raw = (
            get_argument_values(
                field.field_def,
                first.node,
                self.variable_values,
                first.fragment_variable_values,
                self.hide_suggestions,
            )
            if field.field_def.args or first.node.arguments
            else {}
        )
        converted = convert_arguments(
            raw,
            field.strawberry_field.arguments,
            scalar_registry=self._converter.scalar_registry,
            config=self._converter.config,
            info=info,
        )
        self._arguments[id(field.fields)] = (field.fields, converted)
        return converted

    # ---- lists ----------------------------------------------------------------------------------

    def complete_iterable_value(
        self,
        item_type: GraphQLOutputType,
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo,
        path: Path,
        items: Iterable[Any],
        position_context: Any,
    ) -> Any:
        nullable_items = not isinstance(item_type, GraphQLNonNull)
        object_type = item_type if nullable_items else item_type.of_type  # type: ignore[union-attr]
        if (
            not self._fast
            or not isinstance(object_type, GraphQLObjectType)
            or isinstance(object_type, GraphQLList)
            or self.get_stream_usage(field_details_list, path) is not None
        ):
            return super().complete_iterable_value(item_type, field_details_list, info, path, items, position_context)
        definition = (object_type.extensions or {}).get(BACKREF)
        origin = getattr(definition, "origin", None) if object_type.is_type_of else None
        grouped, defer_usages, _ = self.collect_subfields(object_type, field_details_list)
        direct = position_context is None and not defer_usages
        execute_fields, execute = self.execute_fields, self.execute_collected_subfields
        is_awaitable = self.is_awaitable
        completed: list[Any] = []
        awaitable_indices: list[int] = []
        try:
            for index, item in enumerate(items):
                item_path = Path(path, index, None)
                if item is not None and (origin is None or type(item) is origin) and not is_awaitable(item):
                    try:
                        if direct:
                            value = execute_fields(object_type, item, item_path, grouped, None)
                        else:
                            value = execute(object_type, item, item_path, grouped, defer_usages, position_context)
                    except Exception as error:
                        self.handle_field_error(error, item_type, field_details_list, item_path)
                        value = None
                    if is_awaitable(value):
                        value = self._await_completed(value, item_type, field_details_list, item_path)
                        awaitable_indices.append(index)
                    completed.append(value)
                    continue
                # null items, other types, awaitables: graphql-core's per-item completion
                if is_awaitable(item):
                    completed.append(
                        self.complete_awaitable_list_item_value(
                            item, item_type, field_details_list, info, item_path, position_context
                        )
                    )
                    awaitable_indices.append(index)
                elif self.complete_list_item_value(
                    item, completed, item_type, field_details_list, info, item_path, position_context
                ):
                    awaitable_indices.append(index)
        except Exception:
            if awaitable_indices:
                self.settle_in_background([completed[i] for i in awaitable_indices])
            raise
        if not awaitable_indices:
            return completed
        return self._gather_items(completed, awaitable_indices)

    async def _gather_items(self, completed: list[Any], awaitable_indices: list[int]) -> list[Any]:
        values = await gather_with_cancel(*(completed[i] for i in awaitable_indices))
        for index, value in zip(awaitable_indices, values, strict=True):
            completed[index] = value
        return completed


__all__ = ["FastExecutor"]

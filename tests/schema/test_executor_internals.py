"""The private parts of graphql-core and strawberry the fast executor stands on, checked by name and shape.

`schema/execution.py`, `compiled.py`, `plans.py` and `arguments.py` override graphql-core's executor
methods and call helpers that are not public API; graphql-core and strawberry are pinned exactly in
pyproject.toml for that reason. When an upgrade moves any of these, this test fails with a message
naming what moved, before a subtly wrong answer can reach a client: read the new version's executor,
adapt ours (the differential tests compare it with plain graphql-core), then update the pins.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
import tomllib
from importlib.metadata import version
from pathlib import Path as FilePath
from typing import Any

import pytest
import strawberry
from graphql import GraphQLResolveInfoHelpers
from graphql.execution import collect_fields, values
from graphql.pyutils import Path, Undefined, gather_with_cancel
from strawberry.execution.is_awaitable import optimized_is_awaitable
from strawberry.extensions import ParserCache, SchemaExtension
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types import arguments
from strawberry.types.fields.resolver import StrawberryResolver
from strawberry.types.info import Info

from omnichannel.schema.execution import FastExecutor

ROOT = FilePath(__file__).resolve().parents[2]
UPGRADE = (
    "the fast executor (omnichannel/schema/execution.py) relies on it: read the new version's executor, adapt "
    "ours and run the differential tests before changing the pins in pyproject.toml"
)

# executor methods FastExecutor overrides or calls, with their parameters in graphql-core 3.3.2
EXECUTOR_METHODS = {
    "execute_fields": ("parent_type", "source_value", "path", "grouped_field_set", "position_context"),
    "execute_field": ("parent_type", "source", "field_details_list", "path", "position_context"),
    "collect_subfields": ("return_type", "field_details_list"),
    "execute_collected_subfields": (
        "parent_type", "source_value", "path", "grouped_field_set", "new_defer_usages", "delivery_group_map",
    ),
    "build_resolve_info": ("field_def", "field_nodes", "parent_type", "path"),
    "complete_value": ("return_type", "field_details_list", "info", "path", "result", "position_context"),
    "complete_awaitable_value": ("return_type", "field_details_list", "info", "path", "result", "position_context"),
    "complete_iterable_value": ("item_type", "field_details_list", "info", "path", "items", "position_context"),
    "complete_list_item_value": (
        "item", "complete_results", "item_type", "field_details_list", "info", "item_path", "position_context",
    ),
    "complete_awaitable_list_item_value": (
        "item", "item_type", "field_details_list", "info", "item_path", "position_context",
    ),
    "handle_field_error": ("raw_error", "return_type", "field_details_list", "path"),
    "get_stream_usage": ("field_details_list", "path"),
    "settle_in_background": ("awaitables",),
    "gather_async_work": ("values",),
    "track_async_work": ("values",),
    "build_per_event_executor": ("payload",),
}  # fmt: skip

FUNCTIONS = {
    "graphql.execution.values.get_argument_values": (
        values.get_argument_values,
        ("type_def", "node", "variable_values", "fragment_variable_values", "hide_suggestions"),
    ),
    "strawberry.types.arguments.convert_arguments": (
        arguments.convert_arguments,
        ("value", "arguments", "scalar_registry", "config", "info"),
    ),
    "graphql.GraphQLResolveInfoHelpers": (GraphQLResolveInfoHelpers, ("gather", "track")),
    "strawberry.extensions.ParserCache": (ParserCache, ("maxsize",)),
}


def _parameters(function: Any) -> tuple[str, ...]:
    return tuple(p for p in inspect.signature(function).parameters if p != "self")


def _pins() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = {}
    for requirement in project["dependencies"]:
        found = re.fullmatch(r"([A-Za-z0-9_.-]+)(?:\[[^]]*\])?==([^,;\s]+)", requirement)
        if found:
            pins[found[1].lower()] = found[2]
    return pins


@pytest.mark.parametrize("package", ["graphql-core", "strawberry-graphql"])
def test_graphql_core_and_strawberry_are_pinned_exactly_to_what_is_installed(package):
    pins = _pins()
    assert package in pins, f"{package} must be pinned with == in pyproject.toml: {UPGRADE}"
    assert version(package) == pins[package], (
        f"{package} {version(package)} is installed but pyproject.toml pins {pins[package]}: {UPGRADE}"
    )


@pytest.mark.parametrize("name", sorted(EXECUTOR_METHODS))
def test_executor_methods_keep_their_parameters(name):
    method = getattr(StrawberryGraphQLCoreExecutionContext, name, None)
    assert method is not None, f"graphql-core's executor has no method {name} any more: {UPGRADE}"
    assert _parameters(method) == EXECUTOR_METHODS[name], (
        f"graphql-core's executor method {name} now takes {_parameters(method)}, "
        f"not {EXECUTOR_METHODS[name]}: {UPGRADE}"
    )


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_helpers_keep_their_parameters(name):
    function, expected = FUNCTIONS[name]
    assert _parameters(function) == expected, f"{name} now takes {_parameters(function)}, not {expected}: {UPGRADE}"


def test_data_shapes_the_executor_builds_or_reads():
    # paths are built with tuple.__new__(Path, (prev, key, typename)), skipping Path's constructor
    assert issubclass(Path, tuple) and Path._fields == ("prev", "key", "typename"), UPGRADE
    path = tuple.__new__(Path, (tuple.__new__(Path, (None, "items", "Query")), 0, None))
    assert path.as_list() == ["items", 0], UPGRADE
    # field details are read as .node, .defer_usage, .fragment_variable_values
    assert collect_fields.FieldDetails._fields == ("node", "defer_usage", "fragment_variable_values"), UPGRADE
    assert hasattr(collect_fields, "FieldDetailsList") and hasattr(collect_fields, "GroupedFieldSet"), UPGRADE
    # LazyInfo fills strawberry's Info through __dict__: these must be its only fields
    assert [f.name for f in dataclasses.fields(Info)] == ["_raw_info", "_field"], UPGRADE
    assert isinstance(inspect.getattr_static(Info, "context"), property), UPGRADE
    for attribute in ("self_parameter", "info_parameter", "parent_parameter", "root_parameter"):
        assert hasattr(StrawberryResolver, attribute), f"StrawberryResolver.{attribute} is gone: {UPGRADE}"
    assert GraphQLCoreConverter.DEFINITION_BACKREF == "strawberry-definition", UPGRADE
    assert callable(optimized_is_awaitable) and callable(gather_with_cancel) and Undefined is not None
    assert SchemaExtension._implements_resolve is not None, UPGRADE


@strawberry.type
class Shop:
    name: str

    @strawberry.field
    def greeting(self, info: strawberry.Info, word: str = "hi") -> str:
        return f"{word} {self.name}"


@strawberry.type
class Query:
    @strawberry.field
    def shop(self) -> Shop:
        return Shop(name="north")


async def test_what_the_executor_reads_from_a_running_execution(monkeypatch):
    schema = strawberry.Schema(query=Query, execution_context_class=FastExecutor)
    seen: list[Any] = []
    original = FastExecutor.execute_fields

    def spy(self: FastExecutor, *args: Any) -> Any:
        seen.append(self)
        return original(self, *args)

    monkeypatch.setattr(FastExecutor, "execute_fields", spy)
    result = await schema.execute('{ shop { name greeting(word: "hello") } }')
    assert result.errors is None and result.data == {"shop": {"name": "north", "greeting": "hello north"}}
    executor = seen[0]
    for attribute in (
        "schema", "operation", "fragments", "variable_values", "hide_suggestions", "context_value",
        "middleware_manager", "collected_errors", "async_helpers",
    ):  # fmt: skip
        assert hasattr(executor, attribute), f"graphql-core's executor has no attribute {attribute}: {UPGRADE}"
    assert hasattr(executor.collected_errors, "errors"), UPGRADE
    assert executor.schema._strawberry_schema is schema, f"strawberry no longer links its schema: {UPGRADE}"
    converter = schema.schema_converter
    for attribute in ("exception_handlers", "scalar_registry", "config"):
        assert hasattr(converter, attribute), f"strawberry's schema converter has no {attribute}: {UPGRADE}"
    shop = schema._schema.type_map["Shop"]
    definition = shop.extensions[GraphQLCoreConverter.DEFINITION_BACKREF]
    assert definition.origin is Shop, UPGRADE
    name, greeting = shop.fields["name"], shop.fields["greeting"]
    assert getattr(name.resolve, "_is_default", False) is True, f"default resolvers are not marked: {UPGRADE}"
    field = greeting.extensions[GraphQLCoreConverter.DEFINITION_BACKREF]
    assert field.python_name == "greeting" and not field.extensions, UPGRADE
    assert field.base_resolver.wrapped_func.__name__ == "greeting", UPGRADE
    assert [a.python_name for a in field.arguments] == ["word"], UPGRADE


def test_the_parser_cache_gives_every_request_the_same_document():
    # shared plans (plans.py) are keyed by the operation node: a cache that re-parsed would only
    # make them useless, one that copied nodes per request would make every lookup miss
    first, second = ParserCache(maxsize=8), ParserCache(maxsize=8)
    assert first.cached_parse_document("{ a }") is second.cached_parse_document("{ a }"), UPGRADE

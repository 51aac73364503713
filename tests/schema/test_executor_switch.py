"""OMNICHANNEL_FAST_EXECUTOR chooses the executor; start-up says which, and warns when the fast path is off."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
import strawberry
from strawberry.extensions import SchemaExtension
from strawberry.extensions.field_extension import FieldExtension
from strawberry.permission import BasePermission

from omnichannel.app import create_app
from omnichannel.config import ConfigError, load_settings
from omnichannel.schema import build_schema, describe_executor
from omnichannel.schema.execution import FastExecutor

ENV = {"OMNICHANNEL_JWT_SECRET": "x" * 40, "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"}


def test_the_setting_is_on_by_default_and_takes_0_or_1():
    assert load_settings(ENV).fast_executor is True
    assert load_settings({**ENV, "OMNICHANNEL_FAST_EXECUTOR": "1"}).fast_executor is True
    assert load_settings({**ENV, "OMNICHANNEL_FAST_EXECUTOR": "0"}).fast_executor is False
    with pytest.raises(ConfigError, match=r"OMNICHANNEL_FAST_EXECUTOR must be 1 \(on\) or 0"):
        load_settings({**ENV, "OMNICHANNEL_FAST_EXECUTOR": "off"})


@pytest.mark.parametrize(("value", "name"), [("1", "fast"), ("0", "graphql-core")])
def test_start_up_logs_the_executor(value, name, caplog):
    settings = load_settings({**ENV, "OMNICHANNEL_FAST_EXECUTOR": value})
    with caplog.at_level(logging.INFO, logger="omnichannel.app"):
        app = create_app(settings, "postgres://nobody@127.0.0.1:1/none")  # nothing is opened before the lifespan
    assert f"executor: {name}" in [r.getMessage() for r in caplog.records]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert app.state.executor == name


def test_the_switch_builds_the_schema_on_plain_graphql_core():
    assert issubclass(build_schema().execution_context_class, FastExecutor)
    assert not issubclass(build_schema(fast_executor=False).execution_context_class, FastExecutor)
    assert build_schema().as_str() == build_schema(fast_executor=False).as_str()


class Watch(SchemaExtension):
    def resolve(self, _next: Callable[..., Any], root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
        return _next(root, info, *args, **kwargs)


class Anyone(BasePermission):
    message = "no"

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        return True


class Upper(FieldExtension):
    def resolve(self, next_: Callable[..., Any], source: Any, info: Any, **kwargs: Any) -> Any:
        return next_(source, info, **kwargs).upper()


@strawberry.type
class Query:
    name: str = "north"

    @strawberry.field(permission_classes=[Anyone])
    def guarded(self) -> str:
        return "ok"

    @strawberry.field(extensions=[Upper()])
    def shout(self) -> str:
        return "hey"


@strawberry.type
class Refusal:
    message: str


class Declines(strawberry.ExceptionHandler[ValueError, Refusal]):
    def handle(self, exception: ValueError, *, field: Any, info: Any) -> Refusal | None:
        return None


async def _planned(schema: strawberry.Schema, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    planned: list[str] = []
    plan_field = FastExecutor._plan_field

    def counting(self: FastExecutor, parent_type: Any, name: str, fields: Any) -> Any:
        planned.append(name)
        return plan_field(self, parent_type, name, fields)

    monkeypatch.setattr(FastExecutor, "_plan_field", counting)
    result = await schema.execute("{ name guarded shout }", root_value=Query())
    assert result.errors is None and result.data == {"name": "north", "guarded": "ok", "shout": "HEY"}
    return planned


async def test_middleware_turns_the_fast_path_off_and_start_up_says_so(monkeypatch):
    schema = strawberry.Schema(query=Query, execution_context_class=FastExecutor, extensions=[Watch])
    executor, warnings = describe_executor(schema)
    assert executor == "graphql-core"
    assert warnings == [
        "the fast executor is configured but off for every field: "
        "extension Watch implements resolve (graphql-core middleware sees every field)"
    ]
    assert await _planned(schema, monkeypatch) == []  # what the warning says is what runs


async def test_fields_with_field_extensions_are_named_and_the_rest_stays_fast(monkeypatch):
    schema = strawberry.Schema(query=Query, execution_context_class=FastExecutor)
    assert describe_executor(schema) == (
        "fast",
        ["fields with field extensions run through graphql-core: Query.guarded, Query.shout"],
    )
    assert await _planned(schema, monkeypatch) == ["name", "guarded", "shout"]  # planned: the two as SLOW


def test_exception_handlers_turn_the_fast_path_off():
    schema = strawberry.Schema(query=Query, execution_context_class=FastExecutor, exception_handlers=[Declines()])
    executor, [warning] = describe_executor(schema)
    assert executor == "graphql-core" and "exception handlers" in warning

"""When the fast executor's fast path holds, said once at start-up and checked by every request.

`execution.FastExecutor` runs fields through its compiled plans only when nothing else wants to see
each field: no graphql-core middleware (a strawberry extension that implements `resolve`, such as
the directives extension of a schema with custom directives), no exception handlers, strawberry's
default resolver. A strawberry field with field extensions (permission classes...) runs through
graphql-core on its own, the rest of the query keeps the fast path. `describe` names the executor a
schema runs (`executor: fast` / `executor: graphql-core`, logged by `app.create_app`) and what
turns the fast path off, so a new extension cannot make the API slow without a warning at start-up.
"""

from __future__ import annotations

import weakref
from typing import Any

import strawberry
from graphql import GraphQLObjectType

_STATIC: weakref.WeakKeyDictionary[Any, tuple[str, ...]] = weakref.WeakKeyDictionary()


def static_blockers(converter: Any) -> tuple[str, ...]:
    """What in a schema's set-up turns the fast path off for every request (empty: nothing).

    `converter`: strawberry's schema converter (`schema.schema_converter`). Kept per converter: every
    request asks."""
    found = _STATIC.get(converter)
    if found is None:
        reasons: list[str] = []
        if converter.exception_handlers:
            reasons.append("the schema has exception handlers (each field needs strawberry's wrapper)")
        if converter.config.default_resolver is not getattr:
            reasons.append("the schema's default resolver is not getattr")
        found = _STATIC[converter] = tuple(reasons)
    return found


def middleware_blockers(schema: strawberry.Schema) -> list[str]:
    """Extensions that strawberry turns into graphql-core middleware (each request has them)."""
    return [
        f"extension {type(extension).__name__} implements resolve (graphql-core middleware sees every field)"
        for extension in schema.get_extensions()
        if extension._implements_resolve()
    ]


def fields_with_extensions(schema: strawberry.Schema) -> list[str]:
    """`Type.field` of every field that runs through graphql-core because of its field extensions."""
    from .compiled import BACKREF

    found = []
    for type_ in schema._schema.type_map.values():
        if isinstance(type_, GraphQLObjectType) and not type_.name.startswith("__"):
            for name, field in type_.fields.items():
                definition = (field.extensions or {}).get(BACKREF)
                if definition is not None and definition.extensions:
                    found.append(f"{type_.name}.{name}")
    return found


def describe(schema: strawberry.Schema) -> tuple[str, list[str]]:
    """(executor, warnings): "fast" or "graphql-core", and what turns the fast path off (wholly or
    for some fields) when the fast executor was asked for."""
    from .execution import FastExecutor

    if not issubclass(schema.execution_context_class, FastExecutor):
        return "graphql-core", []
    whole = [*static_blockers(schema.schema_converter), *middleware_blockers(schema)]
    if whole:
        return "graphql-core", [f"the fast executor is configured but off for every field: {r}" for r in whole]
    fields = fields_with_extensions(schema)
    if fields:
        listed = ", ".join(fields[:20]) + (f" and {len(fields) - 20} more" if len(fields) > 20 else "")
        return "fast", [f"fields with field extensions run through graphql-core: {listed}"]
    return "fast", []


__all__ = ["describe", "fields_with_extensions", "middleware_blockers", "static_blockers"]

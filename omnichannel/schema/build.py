"""Assembling the strawberry Schema with its extensions."""

from __future__ import annotations

import logging
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaxTokensLimiter, ParserCache
from strawberry.types import ExecutionContext

from .errors import UNAVAILABLE, ErrorPolicy, apply_policy, error_code
from .execution import FastExecutor
from .limits import MAX_TOKENS, DocumentChecks, IntrospectionGate, LimitedValidation
from .operation_context import OperationContext
from .root import Mutation, Query, Subscription
from .scalars import SCALAR_OVERRIDES

log = logging.getLogger("omnichannel.graphql")


class OmnichannelSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        """Log only what we did not expect; refusals and bad requests are the client's business."""
        for error in errors:
            code = error_code(error)
            if code is None:
                log.error("unexpected error: %s", error.message, exc_info=error.original_error)
            elif code == UNAVAILABLE:
                log.warning("database unavailable: %s", error.message)
            apply_policy(error)  # errors raised before execution skip ErrorPolicy's hook


def build_schema(*, demo: bool = False, fast_executor: bool = True) -> strawberry.Schema:
    """The API's schema; `fast_executor=False` (OMNICHANNEL_FAST_EXECUTOR=0) runs plain graphql-core
    execution (same answers: the suite runs the API tests both ways, `tests/test_executors.py`)."""
    checks = DocumentChecks()  # per schema: documents validated against this schema only
    extensions: list[Any] = [
        OperationContext,
        lambda: ParserCache(maxsize=512),
        lambda: LimitedValidation(checks),
        lambda: MaxTokensLimiter(MAX_TOKENS),
        lambda: IntrospectionGate(demo=demo),
        ErrorPolicy,
    ]
    return OmnichannelSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        execution_context_class=FastExecutor if fast_executor else None,
        scalar_overrides=SCALAR_OVERRIDES,
    )

"""Each operation runs with a context of its own.

strawberry builds one context per websocket and hands it to every operation on that socket; the
loaders (and the event snapshots subscriptions install in them) would then be shared, and two
subscriptions on one socket would overwrite each other's. HTTP requests already have one context
each; `Context.for_operation` leaves them as they are.
"""

from __future__ import annotations

from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

from ..resolvers.context import Context


class OperationContext(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        execution = self.execution_context
        if isinstance(execution.context, Context):
            execution.context = execution.context.for_operation()
        yield

"""EXPRESS and SAME_CITY orders: routed by the routing engine into one or more fulfilments."""

from __future__ import annotations

from ..domain.errors import DomainError, ErrorCode
from ..domain.orders import Order
from .context import Context
from .order_commit import Prepared
from .results import Result


async def place_routed(ctx: Context, prepared: Prepared) -> Result[Order]:
    """Waiting for the routing engine (branch `routing`): until it lands these modes are refused."""
    del ctx
    mode = prepared.request.mode
    return Result.fail(
        DomainError(ErrorCode.MODE_NOT_OFFERED, f"{mode.value} orders are not available yet.", ["fulfillmentMode"])
    )

"""requestTransfer: the store manager of either location, or head office, asks for stock to move.

The quantities are held at the source (reserved, TRANSFER movements) out of what it has available
(onHand - reserved - safetyStock: the same conditional UPDATE as an order's reservation, so
concurrent requests and orders never hold more than is there), or the request is refused with
OUT_OF_STOCK per short line and nothing is written. A double click is one transfer when the client
sends an idempotency key (one per request form): the same key from the same requester answers
with the first transfer, even while the first request is still being written.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ...domain import transfers
from ...domain.access import Role
from ...domain.errors import AccessDenied, DomainError, DomainErrors, ErrorCode
from ...domain.ports import StockShort, UnitOfWork
from ...domain.transfers import Transfer, TransferRequest
from ..context import Context
from ..members import actor_of
from ..mutation import requires
from . import steps


async def check(uow: UnitOfWork, request: TransferRequest) -> None:
    """Both locations and every variant exist (NOT_FOUND naming each unknown one)."""
    transfers.check_locations(request, await uow.locations.many([request.from_location_id, request.to_location_id]))
    known = await uow.catalog.variants([variant_id for variant_id, _ in request.lines])
    unknown = [
        DomainError(ErrorCode.NOT_FOUND, "No such variant.", ["lines", str(i), "variantId"])
        for i, (variant_id, _) in enumerate(request.lines)
        if variant_id not in known
    ]
    if unknown:
        raise DomainErrors(unknown)


async def hold(tx: UnitOfWork, request: TransferRequest, *, actor: str, now: datetime) -> Transfer:
    """Inside a transaction: write the transfer and hold its quantities at the source (or OUT_OF_STOCK).
    A request with a key this requester used before answers with that transfer and writes nothing
    (IDEMPOTENCY_KEY_REUSED when the key came with another request)."""
    if request.idempotency_key is not None:
        earlier = await tx.transfers.requested_with_key(actor, request.idempotency_key)
        if earlier is not None:
            transfers.check_same_request(earlier[1], request.fingerprint())
            return earlier[0]
    made = await tx.transfers.create(request, actor=actor, now=now)
    try:
        await steps.move_stock(tx, "request", made.holds(), tx.stock.reserve, made, actor=actor, now=now)
    except StockShort as short:
        index = next(i for i, (variant_id, _) in enumerate(request.lines) if variant_id == short.hold.variant_id)
        raise DomainError(
            ErrorCode.OUT_OF_STOCK,
            f"The source does not have {short.hold.quantity} units of this variant available to transfer.",
            ["lines", str(index), "quantity"],
        ) from None
    tx.record(transfers.fact(made, now))
    return made


@requires(Role.STORE_MANAGER, Role.HQ_ADMIN)
async def request_transfer(
    ctx: Context,
    uow: UnitOfWork,
    *,
    from_location_id: int,
    to_location_id: int,
    lines: Sequence[tuple[int, int]],
    note: str | None,
    idempotency_key: str | None = None,
) -> Transfer:
    request = transfers.check_request(from_location_id, to_location_id, lines, note, idempotency_key=idempotency_key)
    places = await uow.locations.many([from_location_id, to_location_id])
    if from_location_id in places and to_location_id in places:
        transfers.require_requester(ctx.principal, places[from_location_id], places[to_location_id])
    elif ctx.principal.role is not Role.HQ_ADMIN:
        staff_of = [place for place in places.values() if ctx.principal.works_at(place.code)]
        if not staff_of:
            raise AccessDenied()
    await check(uow, request)
    now, actor = ctx.now(), actor_of(ctx.principal)
    return await uow.atomic(lambda tx: hold(tx, request, actor=actor, now=now))

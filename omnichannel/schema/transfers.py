"""Transfers as GraphQL: Transfer, its lines, requestTransfer / shipTransfer / receiveTransfer /
cancelTransfer and transfers(storeId)."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry.types import Info

from ..domain import transfers as domain
from ..domain.transfers import TransferStatus as DomainTransferStatus
from ..resolvers.context import Context
from ..resolvers.mutation import mutate
from ..resolvers.transfers import cancel, reads, receive, request, ship
from .catalog import Variant
from .errors import UserError
from .locations import Store
from .node import register_node
from .references import referenced
from .relay import Node, PageInfo, decode_cursor, decode_id, encode_cursor, encode_id

strawberry.enum(DomainTransferStatus, name="TransferStatus")  # registers the domain's enum itself
TransferStatus = DomainTransferStatus


async def _store(info: Info[Context, None], location_id: int) -> Store:
    return Store.from_domain(referenced(await info.context.loaders.location.load(location_id), "location", location_id))


@strawberry.type
class TransferLine:
    quantity: int = strawberry.field(description="units requested and shipped")
    received_quantity: int | None = strawberry.field(description="units that arrived; null until received")
    _variant_id: strawberry.Private[int]

    @strawberry.field
    async def variant(self, info: Info[Context, None]) -> Variant:
        return Variant.from_domain(
            referenced(await info.context.loaders.variant.load(self._variant_id), "variant", self._variant_id)
        )


@strawberry.type(
    description="Stock moved between two locations. Requesting holds the quantity at the source (reserved); "
    "shipping takes it off the source's onHand; receiving adds what arrived to the destination's onHand."
)
class Transfer(Node):
    number: str
    status: TransferStatus
    lines: list[TransferLine]
    note: str
    reference: str | None = strawberry.field(description="what asked for it: an order number for a pickup by transfer")
    requested_at: datetime
    shipped_at: datetime | None
    received_at: datetime | None
    cancelled_at: datetime | None
    _transfer: strawberry.Private[domain.Transfer]

    @staticmethod
    def from_domain(transfer: domain.Transfer) -> Transfer:
        return Transfer(
            id=strawberry.ID(encode_id("Transfer", transfer.id)),
            number=transfer.number,
            status=transfer.status,
            lines=[
                TransferLine(quantity=x.quantity, received_quantity=x.received_quantity, _variant_id=x.variant_id)
                for x in transfer.lines
            ],
            note=transfer.note,
            reference=transfer.reference,
            requested_at=transfer.requested_at,
            shipped_at=transfer.shipped_at,
            received_at=transfer.received_at,
            cancelled_at=transfer.cancelled_at,
            _transfer=transfer,
        )

    @strawberry.field(name="from", description="the source")
    async def from_(self, info: Info[Context, None]) -> Store:
        return await _store(info, self._transfer.from_location_id)

    @strawberry.field(description="the destination")
    async def to(self, info: Info[Context, None]) -> Store:
        return await _store(info, self._transfer.to_location_id)


async def _fetch_transfer(ctx: Context, pk: int) -> Transfer | None:
    found = await reads.transfer_node(ctx, pk)
    return Transfer.from_domain(found) if found is not None else None


register_node("Transfer", _fetch_transfer)


@strawberry.type
class TransferEdge:
    cursor: str
    node: Transfer


@strawberry.type
class TransferConnection:
    edges: list[TransferEdge]
    page_info: PageInfo


@strawberry.input
class TransferLineInput:
    variant_id: strawberry.ID
    quantity: int


@strawberry.input
class RequestTransferInput:
    from_store_id: strawberry.ID
    to_store_id: strawberry.ID
    lines: list[TransferLineInput]
    note: str | None = None
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="the same key from the same requester answers with the first transfer, never a second one",
    )


@strawberry.input
class TransferActionInput:
    transfer_id: strawberry.ID


@strawberry.input
class ReceiveTransferInput:
    transfer_id: strawberry.ID
    lines: list[TransferLineInput] | None = strawberry.field(
        default=None, description="omitted: everything shipped arrived"
    )


@strawberry.type
class TransferPayload:
    transfer: Transfer | None
    user_errors: list[UserError]


def _lines(lines: list[TransferLineInput]) -> list[tuple[int, int]]:
    return [(decode_id(line.variant_id, "Variant"), line.quantity) for line in lines]


def _payload(result_value: domain.Transfer | None, errors: list[UserError]) -> TransferPayload:
    return TransferPayload(transfer=Transfer.from_domain(result_value) if result_value else None, user_errors=errors)


@strawberry.type
class TransferQuery:
    @strawberry.field(
        description="transfers into or out of a store, newest first (staff of that store, head office, analysts); "
        "storeId omitted: the caller's own store (head office and analysts: every transfer)"
    )
    async def transfers(
        self,
        info: Info[Context, None],
        store_id: strawberry.ID | None = None,
        status: list[TransferStatus] | None = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> TransferConnection:
        found, has_next = await reads.transfers_page(
            info.context,
            location_id=decode_id(store_id, "Store") if store_id is not None else None,
            statuses=status,
            first=first,
            after_id=decode_cursor(after, "transfer"),
        )
        edges = [TransferEdge(cursor=encode_cursor("transfer", t.id), node=Transfer.from_domain(t)) for t in found]
        return TransferConnection(
            edges=edges,
            page_info=PageInfo.of([e.cursor for e in edges], has_next=has_next, has_previous=after is not None),
        )


@strawberry.type
class TransferMutation:
    @strawberry.mutation(
        description="hold stock at the source for a transfer (the store manager of either store, head office)"
    )
    async def request_transfer(self, info: Info[Context, None], input: RequestTransferInput) -> TransferPayload:
        result = await mutate(
            info.context,
            request.request_transfer,
            from_location_id=decode_id(input.from_store_id, "Store"),
            to_location_id=decode_id(input.to_store_id, "Store"),
            lines=_lines(input.lines),
            note=input.note,
            idempotency_key=input.idempotency_key,
        )
        return _payload(result.value, UserError.many(result.errors))

    @strawberry.mutation(description="the transfer leaves the source (its staff, head office)")
    async def ship_transfer(self, info: Info[Context, None], input: TransferActionInput) -> TransferPayload:
        result = await mutate(info.context, ship.ship_transfer, transfer_id=decode_id(input.transfer_id, "Transfer"))
        return _payload(result.value, UserError.many(result.errors))

    @strawberry.mutation(
        description="what arrived goes on hand at the destination (its staff, head office); short receipts per line"
    )
    async def receive_transfer(self, info: Info[Context, None], input: ReceiveTransferInput) -> TransferPayload:
        result = await mutate(
            info.context,
            receive.receive_transfer,
            transfer_id=decode_id(input.transfer_id, "Transfer"),
            lines=_lines(input.lines) if input.lines is not None else None,
        )
        return _payload(result.value, UserError.many(result.errors))

    @strawberry.mutation(
        description="call a transfer off before it ships; the hold is released (store manager of either store, "
        "head office)"
    )
    async def cancel_transfer(self, info: Info[Context, None], input: TransferActionInput) -> TransferPayload:
        result = await mutate(
            info.context, cancel.cancel_transfer, transfer_id=decode_id(input.transfer_id, "Transfer")
        )
        return _payload(result.value, UserError.many(result.errors))

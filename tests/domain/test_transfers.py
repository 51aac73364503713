"""Transfer rules without a database: request checks, steps, receipts, ledger signs, the log entries."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from omnichannel.domain import transfers
from omnichannel.domain.errors import DomainError, DomainErrors, ErrorCode
from omnichannel.domain.event_log import EVENT_TYPES, log_entry
from omnichannel.domain.inventory import StockLevel
from omnichannel.domain.reservations import Hold
from omnichannel.domain.transfers import Transfer, TransferLine, TransferStatus

AT = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
T = Transfer(1, "TR00000001", 2, 3, TransferStatus.REQUESTED, (TransferLine(9, 4), TransferLine(7, 2)), AT)


def test_a_request_reports_every_malformed_part_at_once():
    with pytest.raises(DomainErrors) as refused:
        transfers.check_request(2, 2, [(7, 0), (7, 10**9)], "x" * 501)
    assert [(e.code, e.field) for e in refused.value.errors] == [
        (ErrorCode.INVALID_INPUT, ["toStoreId"]),
        (ErrorCode.INVALID_INPUT, ["lines", "0", "quantity"]),
        (ErrorCode.INVALID_INPUT, ["lines", "1", "quantity"]),
        (ErrorCode.INVALID_INPUT, ["lines", "1", "variantId"]),
        (ErrorCode.INVALID_INPUT, ["note"]),
    ]
    assert transfers.check_request(2, 3, [(7, 1)], "  hi ").note == "hi"


def test_steps_follow_the_states_and_a_repeated_step_is_done_already():
    shipped = transfers.shipped(T, AT)
    assert shipped.status is TransferStatus.IN_TRANSIT and transfers.is_done(shipped, transfers.Step.SHIP)
    with pytest.raises(DomainError) as refused:
        transfers.cancelled(shipped, AT)
    assert refused.value.code is ErrorCode.INVALID_TRANSITION
    with pytest.raises(DomainError):
        transfers.received(T, None, AT)
    assert T.holds() == [Hold(2, 7, 2), Hold(2, 9, 4)]  # lock order


def test_a_short_receipt_adds_only_what_arrived():
    done = transfers.received(transfers.shipped(T, AT), [(9, 1)], AT)
    assert [(x.variant_id, x.received_quantity) for x in done.lines] == [(9, 1), (7, 2)]
    assert transfers.receipts(done) == [Hold(3, 7, 2), Hold(3, 9, 1)]
    nothing = transfers.received(transfers.shipped(T, AT), [(9, 0), (7, 0)], AT)
    assert transfers.receipts(nothing) == []
    with pytest.raises(DomainErrors):
        transfers.received(transfers.shipped(T, AT), [(9, 5)], AT)


def test_each_step_moves_the_ledger_with_its_signs():
    holds = [Hold(2, 9, 4)]
    for kind, deltas in (("request", (0, 4)), ("cancel", (0, -4)), ("ship", (-4, -4)), ("receive", (4, 0))):
        moved = transfers.moves(kind, holds, [StockLevel(2, 9, 10, 4)], number="TR00000001", at=AT)
        entry = moved.movements[0]
        assert (entry.on_hand_delta, entry.reserved_delta) == deltas
        assert entry.reason.value == "TRANSFER" and entry.reference == "TR00000001"
        assert moved.events[0].reference == "TR00000001" and moved.events[0].reason == "TRANSFER"


def test_shipping_and_receiving_are_logged_for_both_stores():
    shipped = log_entry(transfers.fact(transfers.shipped(T, AT), AT))
    assert shipped is not None and shipped.type == "transfer.shipped" and shipped.type in EVENT_TYPES
    assert shipped.refs.all_store_ids == (2, 3)
    assert shipped.data["transfer"]["number"] == "TR00000001"
    received = log_entry(transfers.fact(transfers.received(transfers.shipped(T, AT), None, AT), AT))
    assert received is not None and received.type == "transfer.received"
    assert [x["receivedQuantity"] for x in received.data["transfer"]["lines"]] == [4, 2]
    assert log_entry(transfers.fact(T, AT)) is None  # a request is published live only

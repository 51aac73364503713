"""The sync command's file handling: columns, local refusals with their line, content-derived batch ids."""

from __future__ import annotations

import io

import pytest

from omnichannel.sync_client import SyncFailed, batch_ids, read_rows, run


def test_rows_are_read_by_header_and_unreadable_numbers_refused_by_line():
    text = "sku,storeCode,onHand\nA,S01,3\nB,S01,x\nC,S02,-1\n"
    rows, refused = read_rows("stock", text)
    assert rows == [
        (2, {"storeCode": "S01", "sku": "A", "onHand": 3}),
        (4, {"storeCode": "S02", "sku": "C", "onHand": -1}),
    ]
    assert [(line, code) for line, code, _ in refused] == [(3, "INVALID_INPUT")]
    with pytest.raises(SyncFailed, match="onHand"):
        read_rows("stock", "storeCode,sku\nS01,A\n")


def test_batch_ids_follow_the_content_and_the_batch_size():
    first = batch_ids("stock", b"a,b\n1,2\n", 100, 3)
    assert first == batch_ids("stock", b"a,b\n1,2\n", 100, 3)
    assert first != batch_ids("stock", b"a,b\n1,3\n", 100, 3)
    assert first[:1] != batch_ids("stock", b"a,b\n1,2\n", 50, 1)
    assert len(set(first)) == 3 and all(len(i) <= 64 for i in first)


async def test_run_sends_batches_and_maps_rejections_back_to_lines():
    text = "storeCode,sku,onHand\n" + "".join(f"S01,SKU{n},{n}\n" for n in range(5))
    sent = []

    async def send(batch_id, rows):
        sent.append((batch_id, rows))
        rejected = [{"row": 1, "code": "UNKNOWN_SKU", "message": "no"}] if len(rows) > 1 else []
        return {"applied": len(rows) - len(rejected), "unchanged": 0, "replayed": False, "rejected": rejected}

    summary = await run("stock", text.encode(), send, batch_size=2, out=io.StringIO())
    assert [len(rows) for _, rows in sent] == [2, 2, 1]
    assert (summary.batches, summary.applied) == (3, 3)
    assert [line for line, _, _ in summary.rejected] == [3, 5]  # the second row of the first two batches

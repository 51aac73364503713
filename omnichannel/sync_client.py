"""`omnichannel sync stock|products FILE.csv`: the ERP's side of the bulk sync.

The CSV's header names the input fields (stock: storeCode, sku, onHand; products: productCode,
productTitle, categoryName, sku, variantTitle, barcode, listPrice; categoryName and barcode may be
empty). Rows go in batches of --batch-size to `syncStock` / `syncProducts`, either over HTTP to a
server (--url, with a SERVICE token from --token or OMNICHANNEL_TOKEN) or straight to the database
(DATABASE_URL) through the same use case. Each batch's id is derived from the file's content, the
batch size and the batch's number, so running the same file again replays every batch (nothing
changes twice). Progress goes to stderr; the summary lists rejected rows by their line in the file.
Exit status: 0 when every row was taken, 1 when some were rejected, 2 when a batch failed.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import json
import sys
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

COLUMNS = {
    "stock": ("storeCode", "sku", "onHand"),
    "products": ("productCode", "productTitle", "categoryName", "sku", "variantTitle", "barcode", "listPrice"),
}
OPTIONAL = {"categoryName", "barcode"}
MUTATIONS = {
    "stock": (
        "syncStock",
        "mutation($input: SyncStockInput!) { syncStock(input: $input) { "
        "result { batchId applied unchanged replayed rejected { row code message } } "
        "userErrors { field code message } } }",
    ),
    "products": (
        "syncProducts",
        "mutation($input: SyncProductsInput!) { syncProducts(input: $input) { "
        "result { batchId applied unchanged replayed rejected { row code message } } "
        "userErrors { field code message } } }",
    ),
}
MAX_BATCH = 10_000


class SyncFailed(Exception):
    """A batch could not be sent or was refused as a whole."""


@dataclass
class Summary:
    batches: int = 0
    replayed: int = 0
    applied: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, str, str]] = field(default_factory=list)  # (line in the file, code, message)


def read_rows(kind: str, text: str) -> tuple[list[tuple[int, dict[str, Any]]], list[tuple[int, str, str]]]:
    """(line, row) for the rows fit to send, and (line, code, message) for those that are not."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in COLUMNS[kind] if c not in (reader.fieldnames or []) and c not in OPTIONAL]
    if missing:
        raise SyncFailed(f"the header lacks {', '.join(missing)} (columns: {', '.join(COLUMNS[kind])})")
    rows: list[tuple[int, dict[str, Any]]] = []
    refused: list[tuple[int, str, str]] = []
    for line, raw in enumerate(reader, start=2):
        row: dict[str, Any] = {c: (raw.get(c) or "").strip() for c in COLUMNS[kind]}
        try:
            if kind == "stock":
                row["onHand"] = int(row["onHand"])
                if not -(2**31) <= row["onHand"] < 2**31:
                    raise ValueError("out of range")
            else:
                Decimal(row["listPrice"])
                for optional in OPTIONAL:
                    row[optional] = row[optional] or None
        except (ValueError, InvalidOperation):
            column = "onHand" if kind == "stock" else "listPrice"
            refused.append((line, "INVALID_INPUT", f"{column} is not a number: {raw.get(column)!r}"))
            continue
        rows.append((line, row))
    return rows, refused


def batch_ids(kind: str, content: bytes, size: int, count: int) -> list[str]:
    digest = hashlib.sha256(content).hexdigest()[:40]
    return [f"{kind[:1].upper()}{digest}-{size}-{n}" for n in range(count)]


Sender = Callable[[str, list[dict[str, Any]]], Awaitable[dict[str, Any]]]


def http_sender(kind: str, url: str, token: str, timeout: float = 120.0) -> Sender:
    name, document = MUTATIONS[kind]

    def post(batch_id: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
        body = json.dumps({"query": document, "variables": {"input": {"batchId": batch_id, "rows": rows}}})
        request = urllib.request.Request(
            url,
            data=body.encode(),
            headers={"content-type": "application/json", "authorization": f"Bearer {token}"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                answer = json.loads(response.read())
        except urllib.error.HTTPError as error:
            raise SyncFailed(f"HTTP {error.code}: {error.read()[:300].decode(errors='replace')}") from None
        except (urllib.error.URLError, TimeoutError) as error:
            raise SyncFailed(f"cannot reach {url}: {error}") from None
        if answer.get("errors"):
            raise SyncFailed("; ".join(e.get("message", "?") for e in answer["errors"]))
        payload: dict[str, Any] = answer["data"][name]
        if payload["userErrors"]:
            raise SyncFailed("; ".join(f"{e['code']}: {e['message']}" for e in payload["userErrors"]))
        result: dict[str, Any] = payload["result"]
        return result

    async def send(batch_id: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
        return await asyncio.to_thread(post, batch_id, rows)

    return send


def _progress(done: int, total: int, rows: int, out: Any) -> None:
    width = 30
    filled = width * done // max(total, 1)
    text = f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total} batches, {rows} rows"
    if out.isatty():
        out.write(f"\r{text}")
        if done == total:
            out.write("\n")
    else:
        out.write(text + "\n")
    out.flush()


async def run(kind: str, content: bytes, send: Sender, *, batch_size: int, out: Any = sys.stderr) -> Summary:
    """Send the file's rows in batches; the summary of what the server did with them."""
    rows, refused = read_rows(kind, content.decode("utf-8-sig"))
    summary = Summary(rejected=list(refused))
    batches = [rows[i : i + batch_size] for i in range(0, len(rows), batch_size)]
    ids = batch_ids(kind, content, batch_size, len(batches))
    sent = 0
    _progress(0, len(batches), 0, out)
    for n, (batch, batch_id) in enumerate(zip(batches, ids, strict=True), start=1):
        result = await send(batch_id, [row for _, row in batch])
        summary.batches += 1
        summary.replayed += bool(result["replayed"])
        summary.applied += result["applied"]
        summary.unchanged += result["unchanged"]
        summary.rejected += [(batch[e["row"]][0], e["code"], e["message"]) for e in result["rejected"]]
        sent += len(batch)
        _progress(n, len(batches), sent, out)
    summary.rejected.sort()
    return summary


def report(summary: Summary, out: Any = sys.stderr, shown: int = 50) -> None:
    out.write(
        f"{summary.batches} batch(es), {summary.replayed} replayed: {summary.applied} applied, "
        f"{summary.unchanged} unchanged, {len(summary.rejected)} rejected\n"
    )
    for line, code, message in summary.rejected[:shown]:
        out.write(f"  line {line}: {code} {message}\n")
    if len(summary.rejected) > shown:
        out.write(f"  ... and {len(summary.rejected) - shown} more\n")


def check_batch_size(size: int) -> int:
    if not 1 <= size <= MAX_BATCH:
        raise SyncFailed(f"--batch-size must be 1 to {MAX_BATCH}")
    return size


def direct_sender(kind: str, settings: Any) -> Sender:
    """Apply batches straight to the database (opened by the caller) through the sync use case, as the
    ERP's SERVICE. Stock events reach running servers through the event log; catalogue changes do not
    empty their response caches (the cache's TTL bounds how long they show old prices)."""
    from .domain.access import Principal, Role
    from .domain.sync import ProductRow, StockRow
    from .resolvers import sync as use_cases
    from .resolvers.context import Context, Services
    from .resolvers.in_transaction import handlers_for
    from .resolvers.mutation import mutate
    from .security import TokenService
    from .subscriptions.broker import InMemoryBroker

    services = Services(
        broker=InMemoryBroker(),
        tokens=TokenService(hashlib.sha256(b"unused").hexdigest()),
        loyalty=settings.loyalty,
        handlers=handlers_for(loyalty_rules=settings.loyalty, store_credit_share=settings.store_credit_share),
    )
    principal = Principal(role=Role.SERVICE, subject="cli:sync")

    async def send(batch_id: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
        ctx = Context(services=services, principal=principal)
        if kind == "stock":
            result = await mutate(
                ctx,
                use_cases.sync_stock,
                batch_id=batch_id,
                rows=[StockRow(r["storeCode"], r["sku"], r["onHand"]) for r in rows],
            )
        else:
            result = await mutate(
                ctx,
                use_cases.sync_products,
                batch_id=batch_id,
                rows=[
                    ProductRow(
                        r["productCode"],
                        r["productTitle"],
                        r["categoryName"],
                        r["sku"],
                        r["variantTitle"],
                        r["barcode"],
                        Decimal(r["listPrice"]),
                    )
                    for r in rows
                ],
            )
        if result.errors:
            raise SyncFailed("; ".join(f"{e.code}: {e.message}" for e in result.errors))
        value = result.value
        assert value is not None
        return {
            "batchId": value.batch_id,
            "applied": value.applied,
            "unchanged": value.unchanged,
            "replayed": value.replayed,
            "rejected": [{"row": e.row, "code": e.code.value, "message": e.message} for e in value.rejected],
        }

    return send


def main(
    kind: str,
    path: Path,
    *,
    url: str | None,
    token: str | None,
    batch_size: int,
    settings: Any,
    database_url: Callable[[], str],
) -> int:
    async def go(content: bytes) -> Summary:
        if url:
            if not token:
                raise SyncFailed("--url needs a SERVICE token (--token or OMNICHANNEL_TOKEN)")
            return await run(kind, content, http_sender(kind, url, token), batch_size=batch_size)
        from .persistence.db import open_database

        async with open_database(database_url(), pool_size=2):
            return await run(kind, content, direct_sender(kind, settings), batch_size=batch_size)

    try:
        check_batch_size(batch_size)
        summary = asyncio.run(go(path.read_bytes()))
    except (SyncFailed, OSError, UnicodeDecodeError) as error:
        print(f"sync: {error}", file=sys.stderr)
        return 2
    report(summary)
    return 1 if summary.rejected else 0


__all__: Sequence[str] = ["Summary", "SyncFailed", "batch_ids", "main", "read_rows", "run"]

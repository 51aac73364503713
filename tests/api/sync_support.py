"""Helpers of the bulk sync tests: a product master of fresh SKUs, and the mutations."""

from __future__ import annotations

import secrets
from typing import Any

SYNC_STOCK = """
mutation($input: SyncStockInput!) {
  syncStock(input: $input) { result { batchId applied unchanged replayed rejected { row code message } }
    userErrors { field code message } }
}
"""
SYNC_PRODUCTS = """
mutation($input: SyncProductsInput!) {
  syncProducts(input: $input) { result { batchId applied unchanged replayed rejected { row code message } }
    userErrors { field code message } }
}
"""
LOCATIONS = [f"S{n:02d}" for n in range(1, 13)] + ["W01", "W02"]


def tag() -> str:
    return secrets.token_hex(4).upper()


def product_rows(prefix: str, products: int, variants: int, *, price: str = "59.90") -> list[dict[str, Any]]:
    return [
        {
            "productCode": f"{prefix}-P{p:04d}",
            "productTitle": f"Sync {prefix} {p}",
            "categoryName": f"Sync {prefix} {p % 3}",
            "sku": f"{prefix}-P{p:04d}-V{v}",
            "variantTitle": f"Size {v}",
            "barcode": f"{prefix}{p:04d}{v}",
            "listPrice": price,
        }
        for p in range(products)
        for v in range(variants)
    ]


async def sync(gql: Any, document: str, token: str, batch_id: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    name = "syncStock" if "syncStock" in document else "syncProducts"
    answer = await gql(document, {"input": {"batchId": batch_id, "rows": rows}}, token=token)
    assert "errors" not in answer, answer["errors"]
    payload = answer["data"][name]
    assert payload["userErrors"] == [], payload["userErrors"]
    return payload["result"]

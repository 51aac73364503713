"""Order throughput with wrk: uncontended (distinct SKUs and stores), hot SKU, and a baseline read."""

from __future__ import annotations

import json
import random
import subprocess
import tempfile
from pathlib import Path

from omnichannel.schema.relay import encode_id

from .setup import Fixture, Server

SCRIPT = Path(__file__).with_name("orders.lua")
PLACE = (
    "mutation($i: PlaceOrderInput!) { placeOrder(input: $i) { order { id number status total { amount } } "
    "userErrors { code } } }"
)
ME = "{ me { memberNumber } }"


def _body(pickup: int, variant: int) -> str:
    return json.dumps(
        {
            "query": PLACE,
            "variables": {
                "i": {
                    "channel": "MINI_PROGRAM",
                    "fulfillmentMode": "PICKUP",
                    "pickupStoreId": encode_id("Store", pickup),
                    "lines": [{"variantId": encode_id("Variant", variant), "quantity": 1}],
                }
            },
        },
        separators=(",", ":"),
    )


def _requests_file(fixture: Fixture, case: str, count: int = 5000) -> Path:
    rng = random.Random(7)
    if case == "uncontended":
        pairs = list(fixture.pairs)
        rng.shuffle(pairs)
        bodies = [_body(*pairs[i % len(pairs)]) for i in range(count)]
    elif case == "hot":
        bodies = [_body(*fixture.hot)] * count
    else:
        bodies = [json.dumps({"query": ME})] * count
    tokens = fixture.member_tokens
    path = Path(tempfile.mkstemp(prefix=f"bench-{case}-", suffix=".txt")[1])
    path.write_text("\n".join(f"{tokens[i % len(tokens)]}\t{b}" for i, b in enumerate(bodies)) + "\n")
    return path


def wrk(server: Server, fixture: Fixture, case: str, *, seconds: int, connections: int, threads: int = 1) -> dict:
    requests = _requests_file(fixture, case)
    try:
        done = subprocess.run(
            ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(SCRIPT),
             f"{server.base}/graphql", "--", str(requests)],
            capture_output=True, text=True, timeout=seconds + 60,
        )  # fmt: skip
    finally:
        requests.unlink(missing_ok=True)
    line = next((x for x in done.stdout.splitlines() if x.startswith("RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk gave no result:\n{done.stdout}\n{done.stderr}")
    result = json.loads(line[len("RESULT ") :])
    result["per_second"] = result["ok"] / result["seconds"]
    return dict(result)

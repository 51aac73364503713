"""python -m bench.inventory MODE [options]: the inventory centre's benchmarks, one mode each.

- `ledger`: the stock ledger's cost on placeOrder throughput (bench/inventory/ledger.py).
- `slow-movers`: slowMovers / transferProposals latency on the scale data set against a store read
  and the plain SQL over the raw orders (bench/inventory/slow_movers.py).
"""

from __future__ import annotations

import sys

MODES = {"ledger": "bench.inventory.ledger", "slow-movers": "bench.inventory.slow_movers"}


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in MODES:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    module = __import__(MODES[sys.argv[1]], fromlist=["main"])
    sys.exit(module.main(sys.argv[2:]) or 0)


if __name__ == "__main__":
    main()

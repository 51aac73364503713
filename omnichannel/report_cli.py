"""`omnichannel report sales`: the salesReport query as a table, CSV or a PNG chart.

It runs the same GraphQL document a BI tool would send, in-process, as an analyst (read-only), so
the figures are the API's to the cent. Dates are Asia/Shanghai days: --from is the first day,
--to the day after the last (the period is [from, to)).
"""

from __future__ import annotations

import argparse
import csv
import io
import secrets
import sys
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from .domain.access import Principal, Role
from .domain.reports import ReportDimension

ZONE = ZoneInfo("Asia/Shanghai")
SALES = """query($from: DateTime!, $to: DateTime!, $by: [ReportDimension!]!, $channels: [SalesChannel!]) {
  salesReport(from: $from, to: $to, groupBy: $by, channels: $channels) {
    day channel store { code } fulfillmentMode orders units revenue { amount } discount { amount }
    pointsRedeemed refunded { amount } } }"""


def _store_code(row: dict[str, Any]) -> str:
    return str(row["store"]["code"]) if row["store"] else ""


def _field(name: str) -> Callable[[dict[str, Any]], str]:
    def read(row: dict[str, Any]) -> str:
        return str(row[name] or "")

    return read


KEYS: dict[ReportDimension, tuple[str, Callable[[dict[str, Any]], str]]] = {
    ReportDimension.DAY: ("day", _field("day")),
    ReportDimension.CHANNEL: ("channel", _field("channel")),
    ReportDimension.STORE: ("store", _store_code),
    ReportDimension.FULFILLMENT_MODE: ("mode", _field("fulfillmentMode")),
}
FIGURES = ["orders", "units", "revenue", "discount", "points", "refunded"]


def add_arguments(report: argparse.ArgumentParser) -> None:
    report.add_argument("name", choices=["sales"], help="which report")
    report.add_argument("--from", dest="start", required=True, type=date.fromisoformat, help="first day, YYYY-MM-DD")
    report.add_argument("--to", dest="end", required=True, type=date.fromisoformat, help="the day after the last")
    report.add_argument("--group-by", default="DAY", help="comma-separated: DAY, CHANNEL, STORE, FULFILLMENT_MODE")
    report.add_argument("--channels", default=None, help="comma-separated sales channels (default: all)")
    report.add_argument("--format", choices=["table", "csv", "png"], default="table")
    report.add_argument("--output", type=Path, default=None, help="png: the file to write (default sales.png)")


def dimensions(text: str) -> list[ReportDimension]:
    try:
        return [ReportDimension(part.strip().upper()) for part in text.split(",") if part.strip()]
    except ValueError as error:
        raise SystemExit(f"report: --group-by takes {', '.join(d.value for d in ReportDimension)}") from error


def rows_of(data: list[dict[str, Any]], dims: list[ReportDimension]) -> list[list[str]]:
    rows = []
    for r in data:
        keys = [KEYS[d][1](r) or "" for d in dims]
        figures = [r["orders"], r["units"], r["revenue"]["amount"], r["discount"]["amount"]]
        rows.append([*keys, *map(str, figures), str(r["pointsRedeemed"]), r["refunded"]["amount"]])
    return rows


def table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(header)]
    keys = len(header) - len(FIGURES)

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i < keys else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    return "\n".join([line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)]) + "\n"


def to_csv(header: list[str], rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def chart(data: list[dict[str, Any]], dims: list[ReportDimension], path: Path, title: str) -> None:
    """Revenue by the first dimension (x axis), stacked by the others."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    first, rest = dims[0] if dims else None, dims[1:]
    series: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    xs: list[str] = []
    for r in data:
        x = KEYS[first][1](r) if first else "total"
        if x not in xs:
            xs.append(x)
        name = " / ".join(KEYS[d][1](r) or "" for d in rest) or "revenue"
        series[name][x] += Decimal(r["revenue"]["amount"])
    fig, ax = plt.subplots(figsize=(max(6.0, 0.25 * len(xs) + 3), 4))
    bottom = [0.0] * len(xs)
    for name, values in sorted(series.items()):
        heights = [float(values.get(x, 0)) for x in xs]
        ax.bar(xs, heights, bottom=bottom, label=name)
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    ax.set_title(title)
    ax.set_ylabel("revenue (CNY)")
    if len(series) > 1:
        ax.legend(fontsize="small")
    if len(xs) > 10:
        ax.tick_params(axis="x", labelrotation=90, labelsize=6)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


async def fetch_sales(
    start: date, end: date, dims: list[ReportDimension], channels: list[str] | None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]] | None]:
    """Run salesReport through the schema as an analyst; (rows, errors)."""
    from .resolvers.context import Context, Services
    from .schema.build import build_schema
    from .security import TokenService
    from .subscriptions.broker import InMemoryBroker

    services = Services(broker=InMemoryBroker(), tokens=TokenService(secrets.token_hex(32)))
    context = Context(services=services, principal=Principal(Role.ANALYST, "cli:report"))
    variables = {
        "from": datetime(start.year, start.month, start.day, tzinfo=ZONE).isoformat(),
        "to": datetime(end.year, end.month, end.day, tzinfo=ZONE).isoformat(),
        "by": [d.value for d in dims],
        "channels": channels,
    }
    result = await build_schema().execute(SALES, variable_values=variables, context_value=context)
    if result.errors:
        return [], [{"message": e.message, "code": (e.extensions or {}).get("code")} for e in result.errors]
    assert result.data is not None
    return list(result.data["salesReport"]), None


def run(args: argparse.Namespace, url: str) -> int:
    import asyncio

    from .persistence.db import open_database

    dims = dimensions(args.group_by)
    channels = [c.strip().upper() for c in args.channels.split(",")] if args.channels else None

    async def go() -> tuple[list[dict[str, Any]], list[dict[str, Any]] | None]:
        async with open_database(url, pool_size=2):
            return await fetch_sales(args.start, args.end, dims, channels)

    data, errors = asyncio.run(go())
    if errors:
        for error in errors:
            print(f"report: {error['message']} ({error['code']})", file=sys.stderr)
        return 2
    header = [KEYS[d][0] for d in dims] + FIGURES
    if args.format == "png":
        path = args.output or Path("sales.png")
        chart(data, dims, path, f"Sales {args.start} to {args.end} (Asia/Shanghai)")
        print(path)
        return 0
    rows = rows_of(data, dims)
    sys.stdout.write(to_csv(header, rows) if args.format == "csv" else table(header, rows))
    return 0

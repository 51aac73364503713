"""Percentiles."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(samples: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of the samples."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def summary(samples_s: Sequence[float]) -> dict[str, float]:
    """p50 / p99 / max in milliseconds."""
    if not samples_s:
        return {"p50_ms": float("nan"), "p99_ms": float("nan"), "max_ms": float("nan")}
    return {
        "p50_ms": percentile(samples_s, 50) * 1e3,
        "p99_ms": percentile(samples_s, 99) * 1e3,
        "max_ms": max(samples_s) * 1e3,
    }

"""Migration 0009 fills the recommendation aggregates from the paid orders already there, with the
same statements as recommendations.rebuild (so a database upgraded with years of orders starts right)."""

from __future__ import annotations

import importlib

from omnichannel.persistence.repositories.recommendations import REBUILD


def test_the_migration_backfills_with_the_rebuilds_own_statements():
    migration = importlib.import_module("omnichannel.persistence.migrations.0009_store_floor").Migration
    statements = [sql for op in migration.operations if hasattr(op, "sql") for sql in op.sql]
    fills = [s for s in REBUILD if s.startswith("INSERT")]
    assert len(fills) == 3
    for fill in fills:
        assert fill in statements

"""Queries that return domain objects. Hand-written SQL where it matters for speed or locking."""

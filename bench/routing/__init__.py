"""Routing engine benchmark: `python -m bench.routing` (see README.md)."""

"""Deterministic data sets: the demo (`seed --demo`) and the benchmark scale set."""

"""Benchmarks, run on demand (not part of the test suite's pass/fail)."""

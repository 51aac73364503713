"""Use cases: load with persistence, decide with domain, commit once, then publish. Thin."""

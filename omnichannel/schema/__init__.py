"""The GraphQL schema: types, inputs, enums, roots, permissions and limits. Declares; never decides."""

from .build import build_schema
from .fast_path import describe as describe_executor

__all__ = ["build_schema", "describe_executor"]

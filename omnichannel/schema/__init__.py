"""The GraphQL schema: types, inputs, enums, roots, permissions and limits. Declares; never decides."""

from .build import build_schema

__all__ = ["build_schema"]

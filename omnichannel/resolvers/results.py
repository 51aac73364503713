"""What a mutation use case returns: a value, or the business refusals that stopped it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

from ..domain.errors import DomainError

T = TypeVar("T")


@dataclass
class Result(Generic[T]):
    value: T | None = None
    errors: list[DomainError] = field(default_factory=list)

    @classmethod
    def ok(cls, value: T) -> Result[T]:
        return cls(value=value)

    @classmethod
    def fail(cls, error: DomainError) -> Result[T]:
        return cls(errors=[error])

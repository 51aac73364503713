"""How refusals reach clients: userErrors for business rules, coded top-level errors otherwise."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from ..domain.errors import AccessDenied, AuthenticationRequired, DomainError
from .relay import InvalidId


@strawberry.type(description="A business refusal: the request was understood but not carried out.")
class UserError:
    field: list[str] | None
    message: str
    code: str = strawberry.field(
        description="stable, machine-readable, e.g. OUT_OF_STOCK, COUPON_ALREADY_USED, INVALID_PICKUP_CODE"
    )

    @staticmethod
    def from_domain(error: DomainError) -> UserError:
        return UserError(field=error.field, message=error.message, code=error.code.value)

    @staticmethod
    def many(errors: list[DomainError]) -> list[UserError]:
        return [UserError.from_domain(e) for e in errors]


class QueryLimitError(GraphQLError):
    """Raised by our validation rules (cost, depth); shown to clients as it is."""


PUBLIC_ERRORS: dict[type[Exception], str] = {
    AuthenticationRequired: "UNAUTHENTICATED",
    AccessDenied: "FORBIDDEN",
    InvalidId: "BAD_USER_INPUT",
    DomainError: "BAD_USER_INPUT",
}


def error_code(error: GraphQLError) -> str | None:
    original = error.original_error
    if original is None:
        existing = (error.extensions or {}).get("code")
        return str(existing) if existing else "GRAPHQL_VALIDATION_FAILED"
    for kind, code in PUBLIC_ERRORS.items():
        if isinstance(original, kind):
            return code
    return None


class ErrorPolicy(MaskErrors):
    """Mask unexpected errors (no internals reach clients) and give every error an extensions.code."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=lambda e: error_code(e) is None, error_message="Internal server error.")

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        processed = []
        for error in errors:
            code = error_code(error)
            if code is None:
                masked = self.anonymise_error(error)
                masked.extensions = {"code": "INTERNAL_SERVER_ERROR"}
                processed.append(masked)
            else:
                if isinstance(error.original_error, DomainError):
                    error.extensions = {**(error.extensions or {}), "code": error.original_error.code.value}
                else:
                    error.extensions = {**(error.extensions or {}), "code": code}
                processed.append(error)
        return processed

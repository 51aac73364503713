"""How refusals reach clients: userErrors for business rules, coded top-level errors otherwise."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.exceptions import MissingQueryError
from strawberry.extensions import MaskErrors
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError

from ..domain.errors import AccessDenied, AuthenticationRequired, DomainError
from ..resolvers.availability import RETRY_AFTER_SECONDS, ServiceUnavailable, is_unavailable
from .relay import InvalidId


@strawberry.type(description="A business refusal: the request was understood but not carried out.")
class UserError:
    field: list[str] | None
    message: str
    code: str = strawberry.field(
        description="stable, machine-readable, e.g. OUT_OF_STOCK, COUPON_ALREADY_USED, INVALID_PICKUP_CODE"
    )
    retry_after_seconds: int | None = strawberry.field(
        default=None,
        description="throttled refusals (TOO_MANY_ATTEMPTS and the like): seconds until trying again can succeed",
    )

    @staticmethod
    def from_domain(error: DomainError) -> UserError:
        return UserError(
            field=error.field, message=error.message, code=error.code.value, retry_after_seconds=error.retry_after
        )

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
    # an operation a transport does not run (e.g. several operations and no operationName)
    CannotGetOperationTypeError: "BAD_REQUEST",
    InvalidOperationTypeError: "BAD_REQUEST",
    MissingQueryError: "BAD_REQUEST",
}


def error_code(error: GraphQLError) -> str | None:
    """The code a client sees; None for an unexpected error (masked, and logged as an error)."""
    original = error.original_error
    if original is None:
        existing = (error.extensions or {}).get("code")
        if existing:
            return str(existing)
        return "GRAPHQL_PARSE_FAILED" if isinstance(error, GraphQLSyntaxError) else "GRAPHQL_VALIDATION_FAILED"
    if isinstance(original, GraphQLError) and error.path is None:
        # a variable graphql-core could not coerce (wrong type, unknown enum value, missing non-null,
        # extra input field, a scalar's refusal): reported before execution, so without a path.
        # (Errors during execution have a path: a GraphQLError there is a bug, masked and logged.)
        return "BAD_USER_INPUT"
    for kind, code in PUBLIC_ERRORS.items():
        if isinstance(original, kind):
            return code
    if isinstance(original, ServiceUnavailable) or is_unavailable(original):
        return UNAVAILABLE
    return None


UNAVAILABLE = "SERVICE_UNAVAILABLE"


INTERNAL_MESSAGE = "Internal server error."


def apply_policy(error: GraphQLError) -> None:
    """Give the error its public face, in place: a code always; for an unexpected error (or an
    outage) a message that reveals nothing of what failed. Safe to apply twice."""
    code = error_code(error)
    if code is None:
        error.message = INTERNAL_MESSAGE
        error.extensions = {"code": "INTERNAL_SERVER_ERROR"}
    elif code == UNAVAILABLE:  # the database is down: say when to retry, not what failed
        error.message = str(ServiceUnavailable())
        error.extensions = {"code": UNAVAILABLE, "retryAfterSeconds": RETRY_AFTER_SECONDS}
    elif isinstance(error.original_error, DomainError):
        original = error.original_error
        error.extensions = {**(error.extensions or {}), "code": original.code.value}
        if original.retry_after is not None:
            error.extensions["retryAfterSeconds"] = original.retry_after
    else:
        error.extensions = {**(error.extensions or {}), "code": code}


class ErrorPolicy(MaskErrors):
    """Mask unexpected errors (no internals reach clients) and give every error an extensions.code.

    OmnichannelSchema.process_errors applies the same policy to errors raised before execution
    (strawberry hands those over without running this extension's hook)."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=lambda e: error_code(e) is None, error_message=INTERNAL_MESSAGE)

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        processed = []
        for error in errors:
            masked = error_code(error) in (None, UNAVAILABLE)
            public = self.anonymise_error(error) if masked else error
            if masked:
                public.original_error = error.original_error  # to classify it; never shown
            apply_policy(public)
            if masked:
                public.original_error = None
            processed.append(public)
        return processed

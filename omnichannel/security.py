"""Signed access tokens (HS256 JWT) and password hashing (argon2)."""

from __future__ import annotations

import functools
import hashlib
import hmac
import time
from dataclasses import dataclass

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .domain.access import ANONYMOUS, Principal, Role

ISSUER = "omnichannel"
DEFAULT_TTL = 12 * 3600
DEFAULT_MAX_TTL = 30 * 24 * 3600  # OMNICHANNEL_MAX_TOKEN_TTL
MAX_ROW_ID = 2**31 - 1  # staff and member ids are PostgreSQL integers
MAX_SUBJECT = 200
MAX_STORE_CODE = 32


class InvalidToken(Exception):
    """The bearer token is malformed, expired, too long-lived or not signed by us. The message is
    for clients: it names what is wrong without quoting library internals."""


_REASONS: tuple[tuple[type[Exception], str], ...] = (
    (jwt.ExpiredSignatureError, "the token has expired"),
    (jwt.ImmatureSignatureError, "the token is not valid yet"),
    (jwt.InvalidIssuerError, "the token was not issued by omnichannel"),
    (jwt.InvalidSignatureError, "the token's signature does not match"),
    (jwt.InvalidAlgorithmError, "the token is not signed with HS256"),
)


def _reason(error: jwt.PyJWTError) -> str:
    if isinstance(error, jwt.MissingRequiredClaimError):
        return f"the token has no '{error.claim}' claim"
    for kind, reason in _REASONS:
        if isinstance(error, kind):
            return reason
    return "the token is malformed"


def _row_id(claims: dict[str, object], name: str) -> int | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ROW_ID:
        raise InvalidToken(f"the token's '{name}' claim is not a valid id")
    return value


def _text(claims: dict[str, object], name: str, longest: int) -> str | None:
    value = claims.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > longest or not value.isprintable():
        raise InvalidToken(f"the token's '{name}' claim is malformed")
    return value


@dataclass(frozen=True)
class TokenService:
    secret: str
    algorithm: str = "HS256"
    max_ttl: int = DEFAULT_MAX_TTL

    def issue(self, principal: Principal, ttl: int = DEFAULT_TTL) -> str:
        if principal.role is None:
            raise ValueError("cannot issue a token for an anonymous caller")
        if ttl > self.max_ttl:
            raise ValueError(f"a token may live at most {self.max_ttl} seconds (OMNICHANNEL_MAX_TOKEN_TTL)")
        now = int(time.time())
        claims: dict[str, object] = {
            "iss": ISSUER,
            "sub": principal.subject,
            "role": principal.role.value,
            "iat": now,
            "exp": now + ttl,
        }
        if principal.store_code:
            claims["store"] = principal.store_code
        if principal.staff_id is not None:
            claims["sid"] = principal.staff_id
        if principal.member_id is not None:
            claims["mid"] = principal.member_id
        return jwt.encode(claims, self.secret, algorithm=self.algorithm)

    def verify(self, token: str) -> Principal:
        return self.verify_session(token)[0]

    def verify_session(self, token: str) -> tuple[Principal, int]:
        """The caller a token names, and when it expires (unix seconds). Checked with no leeway."""
        try:
            claims = jwt.decode(
                token,
                self.secret,
                algorithms=[self.algorithm],
                issuer=ISSUER,
                options={"require": ["exp", "iat", "sub", "role"]},
            )
        except jwt.PyJWTError as error:
            raise InvalidToken(_reason(error)) from None
        try:
            role = Role(claims["role"])
        except ValueError:
            raise InvalidToken("the token's 'role' claim is not a role") from None
        expires, issued = claims["exp"], claims["iat"]
        if not isinstance(expires, int | float) or not isinstance(issued, int | float):
            raise InvalidToken("the token is malformed")
        if expires - issued > self.max_ttl:
            raise InvalidToken(f"the token lives longer than {self.max_ttl} seconds, the most allowed")
        principal = Principal(
            role=role,
            subject=_text(claims, "sub", MAX_SUBJECT) or "",
            staff_id=_row_id(claims, "sid"),
            member_id=_row_id(claims, "mid"),
            store_code=_text(claims, "store", MAX_STORE_CODE),
        )
        return principal, int(expires)

    def principal_from_header(self, header: str | None) -> Principal:
        """The caller named by an `Authorization: Bearer ...` value; anonymous when there is none."""
        return self.session_from_header(header)[0]

    def session_from_header(self, header: str | None) -> tuple[Principal, int | None]:
        """The caller and its token's expiry (None for anonymous callers)."""
        if not header:
            return ANONYMOUS, None
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise InvalidToken("expected 'Bearer <token>'")
        return self.verify_session(token.strip())


_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def dummy_hash() -> str:
    """A hash to verify against when the account does not exist, so timing does not reveal
    which emails are staff accounts."""
    return _hasher.hash("omnichannel-dummy-password")


def hash_sign_in_code(secret: str, phone: str, code: str) -> str:
    """Keyed hash of a one-time code: a leaked table does not give the codes away (6 digits are few)."""
    key = hashlib.sha256(b"omnichannel.sign-in-code:" + secret.encode()).digest()
    return hmac.new(key, f"{phone}:{code}".encode(), hashlib.sha256).hexdigest()


def same_hash(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())

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


class InvalidToken(Exception):
    """The bearer token is malformed, expired or not signed by us."""


@dataclass(frozen=True)
class TokenService:
    secret: str
    algorithm: str = "HS256"

    def issue(self, principal: Principal, ttl: int = DEFAULT_TTL) -> str:
        if principal.role is None:
            raise ValueError("cannot issue a token for an anonymous caller")
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
        try:
            claims = jwt.decode(
                token,
                self.secret,
                algorithms=[self.algorithm],
                issuer=ISSUER,
                options={"require": ["exp", "sub", "role"]},
            )
            role = Role(claims["role"])
        except (jwt.PyJWTError, ValueError, KeyError) as error:
            raise InvalidToken(str(error)) from None
        store = claims.get("store")
        staff_id = claims.get("sid")
        member_id = claims.get("mid")
        return Principal(
            role=role,
            subject=str(claims["sub"]),
            staff_id=int(staff_id) if staff_id is not None else None,
            member_id=int(member_id) if member_id is not None else None,
            store_code=str(store) if store else None,
        )

    def principal_from_header(self, header: str | None) -> Principal:
        """The caller named by an `Authorization: Bearer ...` value; anonymous when there is none."""
        if not header:
            return ANONYMOUS
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise InvalidToken("expected 'Bearer <token>'")
        return self.verify(token.strip())


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

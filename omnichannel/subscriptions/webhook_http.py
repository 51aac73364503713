"""Posting signed webhook deliveries over HTTP(S), with the address check made at connect time.

The check that a target is public (domain.webhooks) runs when the connection is opened, on the
very addresses we then connect to: a host whose DNS answer changed since the webhook was created
(DNS rebinding) is refused at delivery too. No proxies from the environment, no redirects
(a 3xx is a failed attempt), at most 10 s per attempt and 64 KB of the answer read.
"""

from __future__ import annotations

import asyncio
import socket
import typing
from collections.abc import Callable
from dataclasses import dataclass

import httpcore

from ..domain.errors import DomainError
from ..domain.webhooks import check_addresses

MAX_ANSWER_BYTES = 65536
USER_AGENT = b"omnichannel-webhooks/1"


class TargetRefused(Exception):
    """The target resolves to an address webhooks may not reach."""


async def resolve(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves the host itself, checks every address, and connects to a checked one."""

    def __init__(self, allow_private: Callable[[], bool]) -> None:
        self._inner = httpcore.AnyIOBackend()
        self._allow_private = allow_private

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            addresses = await resolve(host, port)
        except OSError as error:
            raise httpcore.ConnectError(f"cannot resolve {host}: {error}") from None
        if not self._allow_private():
            try:
                check_addresses(host, addresses)
            except DomainError as error:
                raise TargetRefused(error.message) from None
        last: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                last = error
        assert last is not None
        raise last

    async def connect_unix_socket(self, *args: typing.Any, **kwargs: typing.Any) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("webhooks use TCP only")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


@dataclass(frozen=True, slots=True)
class Answer:
    delivered: bool
    status: int | None
    error: str | None


class WebhookSender:
    """One connection pool per process; keeps connections to receivers alive between deliveries."""

    def __init__(self, allow_private: Callable[[], bool]) -> None:
        self._pool = httpcore.AsyncConnectionPool(
            network_backend=GuardedBackend(allow_private), max_connections=32, keepalive_expiry=30.0, retries=0
        )

    async def post(self, url: str, body: bytes, headers: list[tuple[bytes, bytes]], within: float) -> Answer:
        """POST the body; delivered when the receiver answers 2xx within `within` seconds."""
        all_headers = [(b"content-type", b"application/json"), (b"user-agent", USER_AGENT), *headers]
        limits = {"connect": within, "read": within, "write": within, "pool": within}
        try:
            async with asyncio.timeout(within):
                async with self._pool.stream(
                    "POST", url, headers=all_headers, content=body, extensions={"timeout": limits}
                ) as response:
                    read = 0
                    async for chunk in response.aiter_stream():
                        read += len(chunk)
                        if read >= MAX_ANSWER_BYTES:
                            break
                    status = response.status
        except TargetRefused as error:
            return Answer(False, None, f"WEBHOOK_TARGET_FORBIDDEN: {error}")
        except TimeoutError:
            return Answer(False, None, f"no answer within {within:g} s")
        except (httpcore.TimeoutException, httpcore.NetworkError, httpcore.ProtocolError, OSError) as error:
            return Answer(False, None, f"{type(error).__name__}: {error}"[:300])
        except httpcore.UnsupportedProtocol as error:
            return Answer(False, None, f"unsupported URL: {error}"[:300])
        if 200 <= status < 300:
            return Answer(True, status, None)
        return Answer(False, status, f"HTTP {status}")

    async def aclose(self) -> None:
        await self._pool.aclose()

"""The event broker: publish bytes on a topic, subscribe to topics, fan out inside the process.

Two backends with one interface (after encode/broadcaster):
- InMemoryBroker: one process only (REDIS_URL unset).
- RedisBroker: every server process shares Redis pub/sub. One pub/sub connection per process
  feeds an asyncio.Queue per subscriber; a reconnect loop survives Redis restarts and resubscribes.

Pub/sub is at-most-once: events published while Redis is down are lost. Events that must not be
lost are not published here: every process reads them from the durable event log and hands them
to its own subscribers with `deliver_local`, each with its log position.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger("omnichannel.broker")

QUEUE_SIZE = 1000
SUBSCRIBE_CONFIRM_TIMEOUT = 5.0
MAX_TOPICS = 50_000  # distinct topics (Redis channels) one process listens to; more are refused


class BrokerUnavailable(Exception):
    """The broker (Redis) cannot be reached: events published now are lost (pub/sub is at-most-once)."""


class TooManyTopics(Exception):
    """This process already listens to MAX_TOPICS topics: a new subscription would exceed them."""


@dataclass(frozen=True, slots=True)
class Message:
    topic: str
    data: bytes
    position: int | None = None  # the event log position, for events read from the log


class Subscription:
    """The stream of messages on the topics one subscriber asked for."""

    def __init__(self, topics: frozenset[str]) -> None:
        self.topics = topics
        self.queue: asyncio.Queue[Message] = asyncio.Queue(QUEUE_SIZE)
        self.dropped = 0

    def offer(self, message: Message) -> None:
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:  # a consumer that cannot keep up loses events, not the server
            self.dropped += 1

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Message:
        return await self.queue.get()


SubscriberListener = Callable[[int], None]


class LogFollower(Protocol):
    """Delivers events from the durable event log to this process's subscribers."""

    async def committed(self) -> None:
        """Returns once entries committed by this process so far were delivered here."""


class Broker:
    """Base class: the in-process registry of subscribers and the fan-out to their queues."""

    def __init__(self, namespace: str = "omnichannel", on_subscribers: SubscriberListener | None = None) -> None:
        self.namespace = namespace
        self._by_topic: dict[str, set[Subscription]] = {}
        self._on_subscribers = on_subscribers
        self.log_follower: LogFollower | None = None  # set by the composition root
        self.max_topics = MAX_TOPICS

    @property
    def topic_count(self) -> int:
        return len(self._by_topic)

    @property
    def subscriber_count(self) -> int:
        return len({s for subs in self._by_topic.values() for s in subs})

    async def connect(self) -> None:
        return None

    async def disconnect(self) -> None:
        return None

    async def ping(self) -> bool:
        return True

    async def publish(self, topic: str, data: bytes) -> None:
        raise NotImplementedError

    async def publish_many(self, messages: Iterable[tuple[str, bytes]]) -> None:
        """Several (topic, data) messages, in order; backends may send them in one round trip."""
        for topic, data in messages:
            await self.publish(topic, data)

    async def _listen(self, topics: Iterable[str]) -> None:
        """Start receiving these topics from the backend (called for topics new to this process)."""

    async def _unlisten(self, topics: Iterable[str]) -> None:
        """Stop receiving these topics (no local subscriber is left)."""

    def _deliver(self, topic: str, data: bytes, position: int | None = None) -> None:
        message = Message(topic, data, position)
        for subscription in tuple(self._by_topic.get(topic, ())):
            subscription.offer(message)

    def deliver_local(self, topic: str, data: bytes, position: int | None = None) -> None:
        """Hand a message to this process's subscribers only (the event log tail feeds them so)."""
        self._deliver(topic, data, position)

    @contextlib.asynccontextmanager
    async def subscribe(self, topics: Iterable[str]) -> AsyncIterator[Subscription]:
        subscription = Subscription(frozenset(topics))
        new = [t for t in subscription.topics if not self._by_topic.get(t)]
        if len(self._by_topic) + len(new) > self.max_topics:
            raise TooManyTopics
        for topic in subscription.topics:
            self._by_topic.setdefault(topic, set()).add(subscription)
        if self._on_subscribers:
            self._on_subscribers(1)
        try:
            if new:
                await self._listen(new)
            yield subscription
        finally:
            gone = []
            for topic in subscription.topics:
                subs = self._by_topic.get(topic)
                if subs is not None:
                    subs.discard(subscription)
                    if not subs:
                        del self._by_topic[topic]
                        gone.append(topic)
            if self._on_subscribers:
                self._on_subscribers(-1)
            if gone:
                await self._unlisten(gone)


class InMemoryBroker(Broker):
    """Single-process broker: publish delivers straight to local subscribers."""

    async def publish(self, topic: str, data: bytes) -> None:
        self._deliver(topic, data)


class RedisBroker(Broker):
    """Redis pub/sub shared by every server process, with one listener task per process."""

    def __init__(
        self, url: str, namespace: str = "omnichannel", on_subscribers: SubscriberListener | None = None
    ) -> None:
        super().__init__(namespace, on_subscribers)
        self._url = url
        self._redis: aioredis.Redis | None = None
        self._pubsub: aioredis.client.PubSub | None = None
        self._task: asyncio.Task[None] | None = None
        self._confirmations: dict[str, list[asyncio.Future[None]]] = {}
        self._outbox: list[tuple[str, bytes]] = []
        self._flusher: asyncio.Future[None] | None = None
        self._control = f"{namespace}:_control"

    def _channel(self, topic: str) -> str:
        return f"{self.namespace}:{topic}"

    def _topic(self, channel: str) -> str:
        return channel[len(self.namespace) + 1 :]

    async def connect(self) -> None:
        self._redis = aioredis.from_url(self._url, health_check_interval=30)
        self._pubsub = self._redis.pubsub()
        await self._pubsub.subscribe(self._control)
        self._task = asyncio.create_task(self._run(), name="redis-broker-listener")

    async def disconnect(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._pubsub is not None:
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()  # type: ignore[no-untyped-call]  # redis-py leaves PubSub.aclose unannotated
        if self._redis is not None:
            await self._redis.aclose()

    async def ping(self) -> bool:
        assert self._redis is not None
        return bool(await self._redis.ping())

    async def publish(self, topic: str, data: bytes) -> None:
        assert self._redis is not None
        await self._redis.publish(self._channel(topic), data)

    async def publish_many(self, messages: Iterable[tuple[str, bytes]]) -> None:
        """Queue the messages and wait until Redis has them.

        Messages of every request committing at about the same time go out together: one flusher
        per process sends whatever has queued as one pipelined round trip, in queue order, and
        every caller whose messages were in it is released (or gets its error) when it returns.
        """
        self._outbox.extend((self._channel(topic), data) for topic, data in messages)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.ensure_future(self._flush())
        try:
            await asyncio.shield(self._flusher)
        except (RedisConnectionError, RedisTimeoutError, OSError) as error:
            raise BrokerUnavailable(str(error)) from error

    async def _flush(self) -> None:
        assert self._redis is not None
        while self._outbox:
            batch, self._outbox = self._outbox, []
            pipe = self._redis.pipeline(transaction=False)
            for channel, data in batch:
                pipe.publish(channel, data)
            try:
                await pipe.execute()
            except (RedisConnectionError, RedisTimeoutError, OSError):
                self._outbox.clear()  # Redis is down: what queued meanwhile is lost with this batch
                raise

    async def _listen(self, topics: Iterable[str]) -> None:
        assert self._pubsub is not None
        channels = [self._channel(t) for t in topics]
        loop = asyncio.get_running_loop()
        waiters = []
        for channel in channels:
            future: asyncio.Future[None] = loop.create_future()
            self._confirmations.setdefault(channel, []).append(future)
            waiters.append(future)
        try:
            await self._pubsub.subscribe(*channels)
            # return once Redis confirmed, so an event published right after is not missed
            await asyncio.wait_for(asyncio.gather(*waiters), SUBSCRIBE_CONFIRM_TIMEOUT)
        except (RedisConnectionError, RedisTimeoutError, OSError, TimeoutError):
            log.warning("redis unavailable; %d topic(s) will be subscribed on reconnect", len(channels))
        finally:
            for channel, future in zip(channels, waiters, strict=True):
                pending = self._confirmations.get(channel, [])
                if future in pending:
                    pending.remove(future)
                if not pending:
                    self._confirmations.pop(channel, None)

    async def _unlisten(self, topics: Iterable[str]) -> None:
        assert self._pubsub is not None
        with contextlib.suppress(RedisConnectionError, RedisTimeoutError, OSError):
            await self._pubsub.unsubscribe(*[self._channel(t) for t in topics])

    def _handle(self, message: dict[str, object]) -> None:
        kind = message.get("type")
        channel = message["channel"]
        channel = channel.decode() if isinstance(channel, bytes) else str(channel)
        if kind == "message":
            data = message["data"]
            self._deliver(self._topic(channel), data if isinstance(data, bytes) else str(data).encode())
        elif kind == "subscribe":
            for future in self._confirmations.pop(channel, []):
                if not future.done():
                    future.set_result(None)

    async def _run(self) -> None:
        backoff = 0.1
        broken = False
        while True:
            try:
                if broken:
                    await self._resubscribe()
                    broken, backoff = False, 0.1
                assert self._pubsub is not None
                message = await self._pubsub.get_message(ignore_subscribe_messages=False, timeout=1.0)
                if message is not None:
                    self._handle(message)
            except asyncio.CancelledError:
                raise
            except (RedisConnectionError, RedisTimeoutError, OSError, RuntimeError) as error:
                if not broken:
                    log.warning("redis pub/sub connection lost (%s); reconnecting", error)
                broken = True
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
            except Exception:  # never let one bad message kill live events for the whole process
                log.exception("unexpected error in the redis broker listener")
                await asyncio.sleep(0.1)

    async def _resubscribe(self) -> None:
        """A fresh pub/sub connection subscribed to every topic a local subscriber wants."""
        assert self._redis is not None
        old = self._pubsub
        if old is not None:
            with contextlib.suppress(Exception):
                await old.aclose()  # type: ignore[no-untyped-call]  # redis-py leaves PubSub.aclose unannotated
        self._pubsub = self._redis.pubsub()
        channels = [self._control, *(self._channel(t) for t in self._by_topic)]
        await self._pubsub.subscribe(*channels)
        log.info("redis pub/sub resubscribed to %d channel(s)", len(channels))


def create_broker(
    url: str | None, namespace: str = "omnichannel", on_subscribers: SubscriberListener | None = None
) -> Broker:
    """RedisBroker for a redis:// URL, else the in-process broker (one server process only)."""
    if url:
        return RedisBroker(url, namespace, on_subscribers)
    return InMemoryBroker(namespace, on_subscribers)

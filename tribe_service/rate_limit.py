"""Per-client budgets kept in a Litestar store: who the client is, and what it may spend.

* :func:`client_address` is the peer's address, or, when the peer is one of
  ``TRUSTED_PROXIES``, the last address in ``X-Forwarded-For`` that is not a
  trusted proxy (the one the proxies saw). Without trusted proxies the header
  is ignored: anyone can write it.
* :class:`PointsBudget` is a token bucket per client: it holds up to
  ``points_per_minute`` points and refills at that rate. GraphQL spends an
  operation's estimated cost from it; the admin login spends failures.

The buckets live in a Litestar :class:`~litestar.stores.base.Store`: a
``MemoryStore`` per process by default; a ``RedisStore`` shares them between
instances (``REDIS_URL``, :mod:`tribe_service.shared_store`), spending in one
atomic step there, so instances sharing it cannot let a client overspend.
"""

from __future__ import annotations

import asyncio
import ipaddress
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import msgspec
from litestar.stores.base import Store

from tribe_service.observability import metrics

FORWARDED_FOR = "x-forwarded-for"
WINDOW_SECONDS = 60

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(addresses: Sequence[str]) -> list[IPNetwork]:
    """``TRUSTED_PROXIES`` entries (addresses or CIDR networks) as networks."""
    return [ipaddress.ip_network(address.strip(), strict=False) for address in addresses]


def is_trusted(address: str, proxies: Sequence[IPNetwork]) -> bool:
    """Whether ``address`` is in one of ``proxies`` (False for anything not an address)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in proxies)


def client_address(
    peer: str | None, headers: Mapping[str, str], proxies: Sequence[IPNetwork]
) -> str:
    """The client a request counts against (see the module docstring)."""
    address = peer or "unknown"
    if not proxies or not is_trusted(address, proxies):
        return address
    forwarded = [hop.strip() for hop in headers.get(FORWARDED_FOR, "").split(",") if hop.strip()]
    for hop in reversed(forwarded):
        if not is_trusted(hop, proxies):
            return hop
    return forwarded[0] if forwarded else address


@runtime_checkable
class AtomicStore(Protocol):
    """A store that spends and counts in one atomic step (:class:`tribe_service.shared_store.SharedStore`)."""

    async def spend_points(
        self, key: str, *, capacity: int, rate: float, points: float, owed: bool, expires_in: int
    ) -> tuple[bool, float]:
        """Spend ``points`` from the bucket ``key``; whether allowed, and what it holds after."""
        ...

    async def increment(self, key: str, expires_in: int) -> int:
        """Add one to the counter ``key``, expiring ``expires_in`` seconds from now."""
        ...


async def increment(store: Store, key: str, expires_in: int) -> int:
    """Add one to the counter ``key`` of ``store`` (atomically when the store can)."""
    if isinstance(store, AtomicStore):
        return await store.increment(key, expires_in)
    value = await store.get(key)
    count = (int(value) if value else 0) + 1
    await store.set(key, str(count), expires_in=expires_in)
    return count


class _Bucket(msgspec.Struct, array_like=True):
    points: float
    updated: float


@dataclass(frozen=True)
class Spending:
    """The outcome of spending from a budget, with what the RateLimit headers say."""

    allowed: bool
    limit: int
    remaining: int
    retry_after: int  # seconds until the refused amount is available; 0 when allowed

    def headers(self) -> dict[str, str]:
        """``RateLimit-*`` headers (IETF draft, as Litestar's rate limiter sends them)."""
        headers = {
            "RateLimit-Policy": f"{self.limit};w={WINDOW_SECONDS}",
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.retry_after),
        }
        if not self.allowed:
            headers["Retry-After"] = str(self.retry_after)
        return headers


class PointsBudget:
    """A token bucket per client in ``store``: ``points_per_minute``, refilled continuously."""

    def __init__(self, store: Store, namespace: str, points_per_minute: int) -> None:
        self.store = store
        self.namespace = namespace
        self.capacity = points_per_minute
        self.rate = points_per_minute / WINDOW_SECONDS
        self._lock = asyncio.Lock()  # one read-modify-write at a time in this process
        self._atomic: AtomicStore | None = store if isinstance(store, AtomicStore) else None

    @property
    def enabled(self) -> bool:
        """A budget of 0 points per minute means: no limit."""
        return self.capacity > 0

    async def spend(self, client: str, points: float, *, owed: bool = False) -> Spending:
        """Take ``points`` from ``client``'s bucket if it holds them.

        ``owed``: the points were already used, so take what there is even if it
        is not enough (the bucket empties; the answer is not refused).
        """
        if not self.enabled:
            return Spending(True, 0, 0, 0)
        points = min(points, self.capacity)
        if self._atomic is not None:  # shared: one atomic step in the store
            allowed, level = await self._atomic.spend_points(
                self._key(client),
                capacity=self.capacity,
                rate=self.rate,
                points=points,
                owed=owed,
                expires_in=WINDOW_SECONDS,
            )
        else:
            allowed, level = await self._spend_here(client, points, owed)
        if not (allowed or owed):
            metrics.RATE_LIMIT_REFUSALS.labels(self.namespace).inc()
        missing = 0.0 if allowed or owed else points - level
        return Spending(
            allowed=allowed or owed,
            limit=self.capacity,
            remaining=int(level),
            retry_after=math.ceil(missing / self.rate) if missing > 0 else 0,
        )

    async def _spend_here(self, client: str, points: float, owed: bool) -> tuple[bool, float]:
        """Read, refill, spend and write the bucket, one spend at a time in this process."""
        async with self._lock:
            now = time.time()  # wall clock: instances sharing a store agree on it
            bucket = await self._load(client, now)
            bucket.points = min(self.capacity, bucket.points + (now - bucket.updated) * self.rate)
            bucket.updated = now
            allowed = bucket.points >= points
            if allowed or owed:
                bucket.points = max(0.0, bucket.points - points)
            await self.store.set(
                self._key(client), msgspec.msgpack.encode(bucket), expires_in=WINDOW_SECONDS
            )
        return allowed, bucket.points

    async def remaining(self, client: str) -> float:
        """The points ``client`` could spend now."""
        if self._atomic is not None:
            _, level = await self._atomic.spend_points(
                self._key(client),
                capacity=self.capacity,
                rate=self.rate,
                points=0,
                owed=False,
                expires_in=WINDOW_SECONDS,
            )
            return level
        now = time.time()
        bucket = await self._load(client, now)
        return min(self.capacity, bucket.points + (now - bucket.updated) * self.rate)

    async def reset(self, client: str) -> None:
        """Forget ``client``'s spending (a full bucket again)."""
        await self.store.delete(self._key(client))

    def _key(self, client: str) -> str:
        return f"{self.namespace}:{client}"

    async def _load(self, client: str, now: float) -> _Bucket:
        raw = await self.store.get(self._key(client))
        if raw is None:
            return _Bucket(points=self.capacity, updated=now)
        return msgspec.msgpack.decode(raw, type=_Bucket)

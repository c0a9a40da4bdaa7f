"""Rate-limit budgets and admin lockouts shared by every worker and instance, in Redis.

``REDIS_URL`` selects :class:`SharedStore`, Litestar's ``RedisStore`` with two
atomic operations: each runs as one Lua script inside Redis, so no other
instance can read or write the key between its read and its write.

* :meth:`SharedStore.spend_points` refills and spends a token bucket (a hash of
  ``points`` and ``updated``) by Redis's own clock, which every instance shares;
* :meth:`SharedStore.increment` counts a failure and (re)starts its expiry.

Without ``REDIS_URL`` the app keeps a ``MemoryStore`` per process, as before.
While Redis is unreachable, budgets are not enforced (the API keeps answering);
admin logins fail instead (a lockout that cannot be checked is not skipped).
"""

from __future__ import annotations

import logging
from typing import Any

from litestar.stores.redis import RedisStore
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

NAMESPACE = "tribe"
# Short: a Redis that does not answer must not hold requests for long (they are allowed then).
SOCKET_TIMEOUT_SECONDS = 0.5

logger = logging.getLogger(__name__)

# KEYS[1]: the bucket; ARGV: capacity, refill per second, points, owed (1/0), expiry (s).
SPEND_SCRIPT = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local points = tonumber(ARGV[3])
local owed = ARGV[4] == '1'
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local bucket = redis.call('HMGET', KEYS[1], 'points', 'updated')
local level = tonumber(bucket[1]) or capacity
local updated = tonumber(bucket[2]) or now
level = math.min(capacity, level + math.max(0, now - updated) * rate)
local allowed = level >= points
if allowed or owed then
    level = math.max(0, level - points)
end
redis.call('HSET', KEYS[1], 'points', tostring(level), 'updated', tostring(now))
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[5]))
return {allowed and 1 or 0, tostring(level)}
"""

# KEYS[1]: the counter; ARGV[1]: seconds it lasts after this increment.
INCREMENT_SCRIPT = """
local count = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[1]))
return count
"""


class SharedStore(RedisStore):
    """A ``RedisStore`` whose budget spending and failure counting are atomic."""

    def __init__(self, redis: Redis, namespace: str = NAMESPACE) -> None:
        super().__init__(redis, namespace=namespace, handle_client_shutdown=True)
        self._spend = redis.register_script(SPEND_SCRIPT)
        self._increment = redis.register_script(INCREMENT_SCRIPT)

    @classmethod
    def from_url(cls, url: str) -> SharedStore:
        """A store on the Redis server at ``url`` (``REDIS_URL``)."""
        return cls(
            Redis.from_url(
                url,
                socket_timeout=SOCKET_TIMEOUT_SECONDS,
                socket_connect_timeout=SOCKET_TIMEOUT_SECONDS,
            )
        )

    async def spend_points(
        self, key: str, *, capacity: int, rate: float, points: float, owed: bool, expires_in: int
    ) -> tuple[bool, float]:
        """Spend ``points`` from the bucket ``key``; whether allowed, and what it holds after.

        While Redis cannot be reached the spend is allowed (and logged): a rate limit
        must not take the API down with it.
        """
        args: list[Any] = [capacity, rate, points, 1 if owed else 0, expires_in]
        try:
            allowed, level = await self._spend(keys=[self._make_key(key)], args=args)
        except (RedisConnectionError, RedisTimeoutError) as error:
            logger.warning("rate limits off: redis unavailable (%s)", type(error).__name__)
            return True, float(capacity)
        return bool(allowed), float(level)

    async def increment(self, key: str, expires_in: int) -> int:
        """Add one to the counter ``key`` and let it expire ``expires_in`` seconds from now."""
        return int(await self._increment(keys=[self._make_key(key)], args=[expires_in]))

    async def close(self) -> None:
        """Close the connection pool (the app's shutdown)."""
        await self._shutdown()

"""Read your writes with replicas: after a builder's write, their reads skip stale replicas.

A mutation's commit has a WAL position (LSN). It is remembered per builder in the
app's store (shared across workers and instances with ``REDIS_URL``) for
:data:`REMEMBER_SECONDS`; that builder's next queries read only from a replica whose
last check saw it replay at least that far (``replay_lsn``), else from the primary.
Other builders keep reading replicas as before: their reads need not see it at once.
A replica further behind than ``REPLICA_MAX_LAG_MS`` is skipped by everyone anyway:
one that still lacks a commit made that long ago lags at least that much. So the
position need not be remembered for long (:func:`remember_seconds`).

Which position: ``pg_current_wal_insert_lsn()`` read on the primary *after* COMMIT
returned (:data:`COMMIT_POSITION_SQL`). The commit record is inserted by COMMIT
itself, so any position read inside the transaction, before it, lies *before* the
commit record: a replica that replayed that far may not have applied the write yet.
After COMMIT the insert position is at or past the end of the commit record whatever
``synchronous_commit`` says (``pg_current_wal_lsn()``, the write position, is too
only while commits are synchronous). It may be a little further (other sessions'
WAL, a page header), which only keeps the builder on the primary a moment longer.

How fresh a replica's ``replay_lsn`` is: the monitor's last check
(``REPLICA_CHECK_INTERVAL_MS``). Replay only moves forward, so the checked value is
never ahead of the replica: a builder is never sent to a replica that lacks their
write, but reads from the primary for up to one check interval after each write
(longer while the replicas lag). No extra check is made on the read path.

Without ``REDIS_URL`` the store is per process: with several workers or instances a
builder's next request may reach one that does not know their write (set
``REDIS_URL`` with replicas and more than one worker). While Redis does not answer,
a position cannot be read, and the builder's reads go to the primary.
"""

from __future__ import annotations

import logging
import math

from litestar.stores.base import Store
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from tribe_service.replicas import lsn_number

REMEMBER_SECONDS = 60
COMMIT_POSITION_SQL = "SELECT pg_current_wal_insert_lsn()::text"
# What a builder's reads must see when their position cannot be read: past any
# replica's replay position, so the primary answers.
UNKNOWN_POSITION = 2**64 - 1

_STORE_UNAVAILABLE = (RedisConnectionError, RedisTimeoutError)

logger = logging.getLogger(__name__)


def remember_seconds(replica_max_lag_ms: int) -> int:
    """How long a position is kept: :data:`REMEMBER_SECONDS`, or twice the lag a replica
    may have while serving reads if that is longer (a margin for the servers' clocks)."""
    return max(REMEMBER_SECONDS, 2 * math.ceil(replica_max_lag_ms / 1000))


class WritePositions:
    """Each builder's last committed write position, in a Litestar store."""

    def __init__(self, store: Store, *, remember_seconds: int = REMEMBER_SECONDS) -> None:
        self.store = store
        self.remember_seconds = remember_seconds

    @staticmethod
    def _key(builder: str) -> str:
        return f"written-lsn:{builder}"

    async def remember(self, builder: str, lsn: str) -> None:
        """After ``builder``'s commit at ``lsn`` (as ``pg_current_wal_insert_lsn()`` prints it)."""
        try:
            await self.store.set(self._key(builder), lsn, expires_in=self.remember_seconds)
        except _STORE_UNAVAILABLE as error:  # the write is committed: answer it anyway
            logger.warning("write position not kept: store unavailable (%s)", type(error).__name__)

    async def since(self, builder: str | None) -> int | None:
        """The position ``builder``'s reads must see, if they wrote recently."""
        if builder is None:
            return None
        try:
            found = await self.store.get(self._key(builder))
        except _STORE_UNAVAILABLE:
            return UNKNOWN_POSITION
        return lsn_number(found.decode()) if found else None

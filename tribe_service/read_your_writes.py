"""Read your writes with replicas: after a builder's write, their reads skip stale replicas.

A mutation's commit has a WAL position (LSN). It is remembered per builder in the
app's store (shared across workers and instances with ``REDIS_URL``) for
:data:`REMEMBER_SECONDS`; that builder's next queries read only from a replica whose
last check saw it replay at least that far (``replay_lsn``), else from the primary.
Other builders keep reading replicas as before: their reads need not see it at once.
A replica further behind than ``REPLICA_MAX_LAG_MS`` is skipped by everyone anyway,
so the position need not be remembered for long.
"""

from __future__ import annotations

from litestar.stores.base import Store

from tribe_service.replicas import lsn_number

REMEMBER_SECONDS = 60
COMMIT_POSITION_SQL = "SELECT pg_current_wal_lsn()::text"


class WritePositions:
    """Each builder's last committed write position, in a Litestar store."""

    def __init__(self, store: Store, *, remember_seconds: int = REMEMBER_SECONDS) -> None:
        self.store = store
        self.remember_seconds = remember_seconds

    @staticmethod
    def _key(builder: str) -> str:
        return f"written-lsn:{builder}"

    async def remember(self, builder: str, lsn: str) -> None:
        """After ``builder``'s commit at ``lsn`` (as ``pg_current_wal_lsn()`` prints it)."""
        await self.store.set(self._key(builder), lsn, expires_in=self.remember_seconds)

    async def since(self, builder: str | None) -> int | None:
        """The position ``builder``'s reads must see, if they wrote recently."""
        if builder is None:
            return None
        found = await self.store.get(self._key(builder))
        return lsn_number(found.decode()) if found else None

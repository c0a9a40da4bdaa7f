"""The per-request GraphQL context, and ``Info``, the type resolvers receive."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property

import strawberry
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from tribe_service.auth.errors import AuthError
from tribe_service.engine import TribeEngine
from tribe_service.graphql.loaders import Loaders
from tribe_service.rate_limit import PointsBudget, Spending
from tribe_service.read_your_writes import WritePositions
from tribe_service.request_facts import RequestFacts


@dataclass
class Context:
    """What every resolver can reach through ``info.context``.

    A new one is built for each request, so nothing cached here (DataLoaders)
    outlives the request that filled it.
    """

    request: Request | WebSocket
    response: Response | WebSocket
    engine: TribeEngine
    budget: PointsBudget | None = None
    # Each builder's writes a minute (WRITE_RATE_PER_MINUTE), and where their last write
    # committed (read your writes with replicas); None outside the app.
    write_budget: PointsBudget | None = None
    write_positions: WritePositions | None = None
    # What the app's mount worked out about the request (tribe_service.request_facts);
    # None outside the app (tests, scripts).
    facts: RequestFacts | None = None
    # The signed-in builder and their session (from ``facts``), or None.
    current_user_id: str | None = None
    current_session_id: str | None = None
    # A session cookie refused (expired, tampered, ended): the operation is not run,
    # the client gets a 401 with its code and refreshes or signs in again.
    authentication_error: AuthError | None = None
    # The instant a write happens at (its rows' timestamps and ULIDs): the wall clock,
    # or a fixed sequence where two runs must write alike (the mutation differential).
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(tz=UTC))
    # The cost a repeated query already spent of the client's budget before it was handed
    # to Strawberry's pipeline after all (tribe_service.graphql.prepared): not spent twice.
    prepaid: int | None = None

    @cached_property
    def loaders(self) -> Loaders:
        """This request's DataLoaders, made on first use (compiled plans need none)."""
        return Loaders(self.engine)

    @property
    def client(self) -> str:
        """Who this request counts against (:attr:`RequestFacts.client`)."""
        if self.facts is not None:
            return self.facts.client
        return f"builder:{self.current_user_id}" if self.current_user_id else "local"

    async def spend(self, points: int) -> Spending | None:
        """Spend ``points`` of the client's budget; the refusal, if it lacks them.

        The ``RateLimit`` headers go on the response either way; a refusal
        makes it a 429 with ``Retry-After``.
        """
        spending = await self._spend(points)
        if spending is None or spending.allowed:
            return None
        if isinstance(self.response, Response):
            self.response.status_code = 429
        return spending

    async def spend_write(self) -> Spending | None:
        """Spend one of the viewer's writes a minute; the refusal, if they are spent.

        Only a refusal touches the response: a 429 with ``Retry-After`` and the
        write budget's ``RateLimit`` headers (the read budget's stay otherwise).
        """
        budget = self.write_budget
        if budget is None or not budget.enabled or self.current_user_id is None:
            return None
        spending = await budget.spend(self.current_user_id, 1)
        if spending.allowed:
            return None
        if isinstance(self.response, Response):
            self.response.status_code = 429
            self.response.headers.update(spending.headers())
        return spending

    async def charge(self, points: int) -> None:
        """Spend ``points`` already used (a refused operation's parsing and validation)."""
        await self._spend(points, owed=True)

    async def _spend(self, points: int, *, owed: bool = False) -> Spending | None:
        if self.budget is None or not self.budget.enabled:
            return None
        spending = await self.budget.spend(self.client, points, owed=owed)
        if isinstance(self.response, Response):
            self.response.headers.update(spending.headers())
        return spending


Info = strawberry.Info[Context, None]
"""The ``info`` argument of every resolver."""

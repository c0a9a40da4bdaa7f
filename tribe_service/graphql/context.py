"""The per-request GraphQL context."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import strawberry
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from tribe_service.engine import TribeEngine
from tribe_service.graphql.loaders import Loaders
from tribe_service.rate_limit import IPNetwork, PointsBudget, Spending, client_address


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
    proxies: Sequence[IPNetwork] = ()
    current_user_id: str | None = None  # stub: authentication fills this in later
    loaders: Loaders = field(default_factory=Loaders)

    @property
    def client(self) -> str:
        """The address this request counts against (see ``TRUSTED_PROXIES``)."""
        peer = self.request.client.host if self.request.client else None
        return client_address(peer, self.request.headers, self.proxies)

    async def spend(self, points: int) -> Spending | None:
        """Spend ``points`` of the client's budget; the refusal, if it is exhausted.

        The ``RateLimit`` headers go on the response either way; a refusal
        makes it a 429 with ``Retry-After``.
        """
        if self.budget is None or not self.budget.enabled:
            return None
        spending = await self.budget.spend(self.client, max(points, 1))
        if isinstance(self.response, Response):
            self.response.headers.update(spending.headers())
            if not spending.allowed:
                self.response.status_code = 429
        return None if spending.allowed else spending


Info = strawberry.Info[Context, None]
"""The ``info`` argument of every resolver."""

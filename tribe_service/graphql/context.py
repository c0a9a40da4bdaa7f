"""The per-request GraphQL context."""

from __future__ import annotations

from dataclasses import dataclass, field

import strawberry
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket

from tribe_service.engine import TribeEngine
from tribe_service.graphql.loaders import Loaders


@dataclass
class Context:
    """What every resolver can reach through ``info.context``.

    A new one is built for each request, so nothing cached here (DataLoaders)
    outlives the request that filled it.
    """

    request: Request | WebSocket
    response: Response | WebSocket
    engine: TribeEngine
    current_user_id: str | None = None  # stub: authentication fills this in later
    loaders: Loaders = field(default_factory=Loaders)


Info = strawberry.Info[Context, None]
"""The ``info`` argument of every resolver."""

"""One id per request: in every log line, the ``X-Request-Id`` response header and each GraphQL error.

An incoming ``X-Request-Id`` is kept only when the peer is one of
``TRUSTED_PROXIES`` (the proxy's id then ties its logs to ours) and the value is
a plain token of at most :data:`MAX_LENGTH` characters; anyone else's is replaced
by a new one, so a client cannot write into the logs or pose as another request.
"""

from __future__ import annotations

import contextvars
import re
import uuid
from collections.abc import Sequence

import structlog
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from tribe_service.rate_limit import IPNetwork, is_trusted

HEADER = b"x-request-id"
MAX_LENGTH = 128
_PLAIN = re.compile(r"[A-Za-z0-9._:\-]+")

_current: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request being served in this context, if any."""
    return _current.get()


def new_request_id() -> str:
    """A fresh id: 32 hex digits, random."""
    return uuid.uuid4().hex


def request_id_for(scope: Scope, proxies: Sequence[IPNetwork]) -> str:
    """The proxy's id when the peer is a trusted proxy and the id is plain, else a new one."""
    client = scope.get("client")
    if proxies and client and is_trusted(client[0], proxies):
        for name, value in scope.get("headers", ()):
            if name == HEADER:
                text = value.decode("latin-1")
                if len(text) <= MAX_LENGTH and _PLAIN.fullmatch(text):
                    return text
                break
    return new_request_id()


class RequestIds:
    """ASGI middleware: binds the request id for the logs and adds it to the response."""

    def __init__(self, app: ASGIApp, proxies: Sequence[IPNetwork]) -> None:
        self.app = app
        self.proxies = proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Serve the request with its id bound (every task it starts inherits it)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_for(scope, self.proxies)
        header = (HEADER, request_id.encode("latin-1"))

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), header]}
            await send(message)

        token = _current.set(request_id)
        structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            structlog.contextvars.unbind_contextvars("request_id")
            _current.reset(token)

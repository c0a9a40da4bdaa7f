"""ASGI guards in front of the mounted apps (GraphQL, the admin) and around every response.

* :class:`BoundedBody` reads a request body up to ``MAX_BODY_BYTES`` and answers
  413 past it: at once when ``Content-Length`` says so, else as soon as the
  chunks read go over, so a 100 MB body is never held whole. It then watches
  the connection: a client that hangs up gets its work cancelled (the
  operation's SQL with it) instead of finishing for nobody.
* :class:`AllowedHosts` answers 400 to a ``Host`` (port aside) not in
  ``ALLOWED_HOSTS``, so a forged one never reaches a redirect. Litestar's own
  check compares the header with its port, so ``localhost:8000`` would fail.
* :func:`security_headers` adds the headers every response should carry:
  no framing, no MIME sniffing, no referrer, and HSTS when served over HTTPS.
"""

from __future__ import annotations

import asyncio
import contextlib
import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"referrer-policy", b"no-referrer"),
]
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")
PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"


async def send_error(
    send: Send,
    status: int,
    message: str,
    code: str,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    """A small JSON error response in the shape GraphQL clients read."""
    body = json.dumps({"errors": [{"message": message, "extensions": {"code": code}}]}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class BoundedBody:
    """Runs ``app`` with the body read (at most ``max_bytes``) and cancelled on disconnect."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse an oversized body, else run the app until it ends or the client leaves."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body = await self._read_body(scope, receive, send)
        if body is None:
            return
        await self._run_until_disconnect(scope, body, receive, send)

    async def _read_body(self, scope: Scope, receive: Receive, send: Send) -> bytes | None:
        too_large = f"The request body is larger than {self.max_bytes} bytes."
        length = _content_length(scope)
        if length is not None and length > self.max_bytes:
            await send_error(send, 413, too_large, PAYLOAD_TOO_LARGE)
            return None
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await send_error(send, 413, too_large, PAYLOAD_TOO_LARGE)
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _run_until_disconnect(
        self, scope: Scope, body: bytes, receive: Receive, send: Send
    ) -> None:
        disconnected = asyncio.Event()
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            await disconnected.wait()
            return {"type": "http.disconnect"}

        async def watch() -> None:
            while (await receive())["type"] != "http.disconnect":
                pass
            disconnected.set()

        answered = False

        async def send_noting_the_end(message: Message) -> None:
            nonlocal answered
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                answered = True  # servers report a disconnect once the answer is complete

        work = asyncio.ensure_future(self.app(scope, replay, send_noting_the_end))
        watcher = asyncio.create_task(watch())
        try:
            await asyncio.wait({work, watcher}, return_when=asyncio.FIRST_COMPLETED)
            if answered and not work.done():
                await work  # the client has its answer: let the app finish its bookkeeping
        finally:
            if not work.done():
                work.cancel()  # the client left (or this request itself was cancelled)
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            with contextlib.suppress(asyncio.CancelledError):
                await work
        if not work.cancelled():
            work.result()  # re-raise what the app raised, if anything


def host_name(host: str) -> str:
    """``host`` without its port (``[::1]:8000`` -> ``[::1]``), lower-cased."""
    host = host.strip().lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class AllowedHosts:
    """400 for a request whose ``Host`` is not listed; ``exempt`` paths answer any host."""

    def __init__(self, app: ASGIApp, hosts: list[str], exempt: tuple[str, ...] = ()) -> None:
        self.app = app
        self.hosts = {host_name(host) for host in hosts}
        self.exempt = exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse an unknown host, else pass the request on."""
        if scope["type"] in ("http", "websocket") and scope.get("path") not in self.exempt:
            host = next((v for k, v in scope.get("headers", ()) if k == b"host"), b"")
            if host_name(host.decode("latin-1")) not in self.hosts:
                await send_error(send, 400, "Invalid Host header.", "BAD_HOST")
                return
        await self.app(scope, receive, send)


def security_headers(app: ASGIApp) -> ASGIApp:
    """Litestar middleware adding :data:`SECURITY_HEADERS` (and HSTS over HTTPS)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        extra = [*SECURITY_HEADERS, HSTS] if scope.get("scheme") == "https" else SECURITY_HEADERS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", ())}
                headers = list(message.get("headers", ()))
                headers.extend(header for header in extra if header[0] not in present)
                message = {**message, "headers": headers}
            await send(message)

        await app(scope, receive, send_with_headers)

    return middleware

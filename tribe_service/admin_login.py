"""The admin's login, made safe to expose: lockouts that expire, hashing off the event loop.

Piccolo Admin's own limiter counts every request to the login page per address
and, once over, blocks that address until the process restarts (the real admin
behind the same address included). Instead:

* :class:`LoginThrottle` counts *failed* logins per username and per address in
  a Litestar store. ``ADMIN_LOGIN_MAX_FAILURES`` failures for a username (three
  times as many from one address) lock it for ``ADMIN_LOCKOUT_SECONDS`` after the
  last failure: 429 with ``Retry-After``. A success clears the username's count.
* :class:`AdminUser` checks passwords in a worker thread (PBKDF2 with 600,000
  iterations is about half a second of CPU; on the event loop every other
  request would wait), one at a time and at the lowest CPU priority, so
  logins use idle CPU and never both cores.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import datetime
import json
import os
import threading
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

from litestar.stores.base import Store
from piccolo.apps.user.tables import BaseUser
from piccolo_api.rate_limiting.middleware import RateLimitProvider
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tribe_service.observability import metrics
from tribe_service.rate_limit import IPNetwork, client_address, increment
from tribe_service.request_guard import send_error

LOGIN_PATH = "/public/login/"  # below the admin's mount path
ADDRESS_FACTOR = 3  # an address may fail for a few usernames before it is locked
LOGIN_LOCKED = "LOGIN_LOCKED"


def _lower_priority() -> None:
    """Run this thread at the lowest CPU priority (Linux: per thread), where available."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)


# One thread, at the lowest priority: password checks use idle CPU, never the
# CPU that requests are waiting for (PBKDF2 releases the GIL while it works).
_hashing = concurrent.futures.ThreadPoolExecutor(
    max_workers=1, thread_name_prefix="password-check", initializer=_lower_priority
)


class AdminUser(BaseUser, tablename="piccolo_user"):
    """Piccolo's user table, with the password check moved off the event loop."""

    @classmethod
    async def login(cls, username: str, password: str) -> int | None:
        """The user's id if ``password`` is theirs, else None (as ``BaseUser.login``)."""
        if (
            len(username) > (cls.username.length or 1000)
            or len(password) > cls._max_password_length
        ):
            return None
        row = await cls.select(cls.id, cls.password).where(cls.username == username).first()
        stored = row["password"] if row else None
        matches = await _check_password(password, stored)
        if row is None or not matches:
            return None
        _, iterations, _, _ = cls.split_stored_password(stored or "")
        if int(iterations) != cls._pbkdf2_iteration_count:
            await cls.update_password(username, password)
        await cls.update({cls.last_login: datetime.datetime.now()}).where(cls.username == username)
        return row["id"]


async def _check_password(password: str, stored: str | None) -> bool:
    """Hash off the event loop; with no stored hash, hash anyway (same timing for unknown users)."""
    loop = asyncio.get_running_loop()
    if stored is None:
        await loop.run_in_executor(_hashing, AdminUser.hash_password, password)
        return False
    _, iterations, salt, _ = AdminUser.split_stored_password(stored)
    hashed = await loop.run_in_executor(
        _hashing, AdminUser.hash_password, password, salt, int(iterations)
    )
    return hashed == stored


class NoLimit(RateLimitProvider):
    """Replaces Piccolo Admin's limiter, whose blocks never expire (see :class:`LoginThrottle`)."""

    def increment(self, identifier: str) -> None:
        """Count nothing."""


class LoginThrottle:
    """Counts failed admin logins per username and address; refuses while locked out."""

    def __init__(
        self,
        app: ASGIApp,
        store: Store,
        max_failures: int,
        lockout_seconds: int,
        proxies: list[IPNetwork],
    ) -> None:
        self.app = app
        self.store = store
        self.max_failures = max_failures
        self.lockout_seconds = lockout_seconds
        self.proxies = proxies

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Throttle ``POST .../public/login/``; pass everything else on."""
        if scope["type"] != "http" or scope["method"] != "POST" or not _is_login(scope):
            await self.app(scope, receive, send)
            return
        body = await _read_all(receive)
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        peer = scope["client"][0] if scope.get("client") else None
        keys = [
            (f"admin-login:user:{_username(body)}", self.max_failures),
            (
                f"admin-login:address:{client_address(peer, headers, self.proxies)}",
                self.max_failures * ADDRESS_FACTOR,
            ),
        ]
        for key, limit in keys:
            if await self._failures(key) >= limit:
                metrics.RATE_LIMIT_REFUSALS.labels("admin-login").inc()
                retry = await self.store.expires_in(key) or self.lockout_seconds
                await send_error(
                    send,
                    429,
                    f"Too many failed logins: try again in {retry} s.",
                    LOGIN_LOCKED,
                    headers=[(b"retry-after", str(retry).encode())],
                )
                return

        async def settle(status: int) -> None:
            if status == 401:
                for key, _ in keys:
                    await increment(self.store, key, self.lockout_seconds)
            elif status < 400:
                await self.store.delete(keys[0][0])

        await _forward(self.app, scope, body, receive, send, settle)

    async def _failures(self, key: str) -> int:
        value = await self.store.get(key)
        return int(value) if value else 0


def _is_login(scope: Scope) -> bool:
    path: str = scope["path"]
    return path.endswith(LOGIN_PATH) or path.endswith(LOGIN_PATH.rstrip("/"))


async def _read_all(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _username(body: bytes) -> str:
    """The username in a JSON or form login body ('' if none)."""
    try:
        data: Any = json.loads(body)
    except ValueError:
        data = {key: values[0] for key, values in parse_qs(body.decode("latin-1")).items()}
    username = data.get("username") if isinstance(data, dict) else None
    return str(username)[:200] if username else ""


async def _forward(
    app: ASGIApp,
    scope: Scope,
    body: bytes,
    receive: Receive,
    send: Send,
    settle: Callable[[int], Awaitable[None]],
) -> None:
    """Run ``app`` on the buffered ``body``; ``settle`` its status before the client sees it.

    A failure is counted before the 401 leaves: a client that retries the moment it is
    answered (on this instance or another) finds it counted, never a step behind.
    """
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if delivered:
            return await receive()  # only a disconnect can follow
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def record(message: Message) -> None:
        if message["type"] == "http.response.start":
            await settle(message["status"])
        await send(message)

    await app(scope, replay, record)

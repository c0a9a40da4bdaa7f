"""Cross-site request forgery: a write that carries a session cookie must come from a known origin.

``SameSite=Lax`` already keeps the cookies off cross-site POSTs; this guards
the rest (a sibling subdomain is same-site, old browsers, a lax proxy). A
request whose method can change something (not GET, HEAD or OPTIONS) and that
carries a session cookie is checked on the origin it names:

* ``Origin``, if sent: it must be the API's own or one in ``CORS_ORIGINS``.
  ``Origin: null`` (a sandboxed frame, a ``data:`` page: what an attacker can
  make a browser send) is refused;
* else ``Referer``'s origin, the same way;
* else, with neither, the request comes from a program (curl, a server-side
  renderer), not from a web page: browsers send ``Origin`` on every POST. It is
  allowed, unless ``Sec-Fetch-Site`` says a browser sent it from another site.
  Go's ``http.CrossOriginProtection`` draws the same line.

Refused: 403 ``CROSS_ORIGIN_REQUEST``, and nothing runs. GETs change nothing:
GraphQL runs no mutation over GET, and every ``/auth`` write is a POST.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from tribe_service.auth import errors
from tribe_service.auth.cookies import SESSION_COOKIES
from tribe_service.request_guard import send_error

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of a URL, lower-cased; None if it has none."""
    parts = urlsplit(url.strip())
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _carries_session(scope: Scope) -> bool:
    cookie = _header(scope, b"cookie") or ""
    names = {part.split("=", 1)[0].strip() for part in cookie.split(";")}
    return any(name in names for name in SESSION_COOKIES)


BROWSER_SAME_ORIGIN = frozenset({"same-origin", "none"})  # Sec-Fetch-Site: none = typed, bookmarked


def request_origin(scope: Scope) -> str | None:
    """The origin the request names: ``Origin``, else ``Referer``'s; None if it names none."""
    origin = _header(scope, b"origin")
    if origin is not None:
        return origin_of(origin) or "null"  # opaque: matches no allowed origin
    referer = _header(scope, b"referer")
    return (origin_of(referer) or "null") if referer else None


class SameOriginWrites:
    """ASGI middleware refusing cookie-carrying writes from origins not allowed."""

    def __init__(self, app: ASGIApp, allowed_origins: Iterable[str]) -> None:
        self.app = app
        self.allowed = {origin.rstrip("/").lower() for origin in allowed_origins}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse a cross-origin write with a session cookie, else pass the request on."""
        if (
            scope["type"] == "http"
            and scope.get("method", "GET") not in SAFE_METHODS
            and _carries_session(scope)
            and not self._allowed(scope)
        ):
            await send_error(
                send,
                403,
                "A request with session cookies must come from the frontend's origin.",
                errors.CROSS_ORIGIN_REQUEST,
            )
            return
        await self.app(scope, receive, send)

    def _allowed(self, scope: Scope) -> bool:
        origin = request_origin(scope)
        if origin is None:  # no web page behind it, unless a browser says otherwise
            fetch_site = _header(scope, b"sec-fetch-site")
            return fetch_site is None or fetch_site in BROWSER_SAME_ORIGIN
        own = f"{scope.get('scheme', 'http')}://{_header(scope, b'host') or ''}".lower()
        return origin == own or origin in self.allowed

"""Which media type a GraphQL response is sent as, and its status (GraphQL over HTTP).

The GraphQL-over-HTTP specification defines ``application/graphql-response+json``:
a client that accepts it gets the specification's status codes, 4xx or 5xx for a
request error (the document does not parse or validate, a variable does not fit
its type, no operation can be chosen, a limit refused it), and such a response has
no ``data`` entry at all. Everyone else gets ``application/json`` as before:
200 for every well-formed request, ``"data": null`` on a request error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from functools import lru_cache
from typing import Any

from litestar.datastructures import Accept

from tribe_service.graphql.errors import INTERNAL_SERVER_ERROR, TIMEOUT


class ResponseMedia(StrEnum):
    """The two media types a GraphQL response can be sent as."""

    GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
    JSON = "application/json"

    @property
    def content_type(self) -> str:
        """The ``Content-Type`` header value."""
        if self is ResponseMedia.GRAPHQL_RESPONSE_JSON:
            return f"{self.value}; charset=utf-8"
        return self.value


# application/json first: a wildcard or a tie keeps today's behaviour; only a client that
# prefers the new type (or names only it) gets it.
_CANDIDATES = [ResponseMedia.JSON.value, ResponseMedia.GRAPHQL_RESPONSE_JSON.value]

# The status of a request error by its code, when the client accepts the specification's
# media type; every other request error is the client's (400).
_REQUEST_ERROR_STATUS = {
    "DATABASE_UNAVAILABLE": 503,
    TIMEOUT: 504,
    INTERNAL_SERVER_ERROR: 500,
}


# Clients send a handful of distinct Accept headers: parse each once.
@lru_cache(maxsize=256)
def negotiate(accept: str | None) -> ResponseMedia:
    """The media type to answer a request whose ``Accept`` header is ``accept``.

    No header, or none of the two types named (``*/*``, ``text/html``): ``application/json``,
    as the specification asks of servers during its transition.
    """
    if not accept:
        return ResponseMedia.JSON
    best = Accept(accept).best_match(_CANDIDATES)
    return ResponseMedia(best) if best else ResponseMedia.JSON


def is_request_error(response_data: Mapping[str, Any]) -> bool:
    """True when the operation did not run: no data, only errors.

    Every root field is nullable, so an operation that ran always has a data
    object; ``data: null`` means the request was refused before or instead of it.
    """
    return response_data.get("data") is None and bool(response_data.get("errors"))


def request_error_status(errors: Sequence[object]) -> int:
    """The HTTP status of a request error, from its first error's code."""
    first = errors[0] if errors else None
    extensions = first.get("extensions") if isinstance(first, Mapping) else None
    code = extensions.get("code") if isinstance(extensions, Mapping) else None
    return _REQUEST_ERROR_STATUS.get(str(code), 400)

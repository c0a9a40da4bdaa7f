"""Values computed once per parsed document, keyed by the document's identity.

graphql-core hashes a document by walking every node of it, so keying a cache by
the document itself costs a walk per request. Strawberry's parser cache hands back
the same document object for the same query text, so its identity is the key: an
entry keeps its objects alive, so their ids cannot be reused while it exists.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

# Documents (and their validation, limits, costs and plans) kept per process.
DOCUMENT_CACHE_SIZE = 256


class IdentityCache[V]:
    """An LRU of ``maxsize`` values, keyed by some objects' identities and a hashable extra."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self.misses = 0  # values computed: tracing tells cached work from new
        self._entries: OrderedDict[tuple[Any, ...], tuple[tuple[Any, ...], V]] = OrderedDict()

    def get(self, objects: tuple[Any, ...], extra: Hashable, compute: Callable[[], V]) -> V:
        """The value for ``objects`` (by identity) and ``extra``; ``compute()`` on a miss."""
        key = (*map(id, objects), extra)
        entry = self._entries.get(key)
        if entry is not None and all(a is b for a, b in zip(entry[0], objects, strict=True)):
            self._entries.move_to_end(key)
            return entry[1]
        self.misses += 1
        value = compute()
        self._entries[key] = (objects, value)
        if len(self._entries) > self.maxsize:
            self._entries.popitem(last=False)
        return value


def hashable(value: Any) -> Hashable:
    """A hashable equivalent of a JSON-like value (lists to tuples, dicts to sorted pairs).

    Raises ``TypeError`` for values that cannot be made hashable.
    """
    if isinstance(value, list):
        return tuple(hashable(item) for item in value)
    if isinstance(value, dict):
        return tuple(sorted((key, hashable(item)) for key, item in value.items()))
    hash(value)
    return value

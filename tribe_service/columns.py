"""Custom Piccolo column types for pgvector and full-text search.

Piccolo's auto-migrations import these classes by this module path and
re-create them from the keyword arguments given to ``Column.__init__``: keep
the path and the parameter names stable.
"""

from __future__ import annotations

from typing import Any

from piccolo.columns.base import Column


class Vector(Column):
    """A pgvector ``vector(dimensions)``; values are ``list[float]`` (see the engine's codec)."""

    value_type = list

    def __init__(self, dimensions: int, default: list[float] | None = None, **kwargs: Any) -> None:
        if dimensions < 1:
            raise ValueError("a vector needs at least one dimension")
        self.dimensions = dimensions
        self.default = default
        kwargs.setdefault("null", True)
        kwargs.setdefault("secret", True)  # 1536 numbers a row: never sent to a client
        super().__init__(dimensions=dimensions, default=default, **kwargs)

    @property
    def column_type(self) -> str:
        """The SQL type, e.g. ``VECTOR(1536)``."""
        return f"VECTOR({self.dimensions})"


class TSVector(Column):
    """A full-text search document, kept up to date by a database trigger."""

    value_type = str

    def __init__(self, default: str | None = None, **kwargs: Any) -> None:
        self.default = default
        kwargs.setdefault("null", True)
        kwargs.setdefault("secret", True)  # derived, and no client's business
        super().__init__(default=default, **kwargs)

    @property
    def column_type(self) -> str:
        """The SQL type."""
        return "TSVECTOR"

"""Embeddings of builders and projects: what they are made from, and who makes them.

An :class:`Embedder` turns profiles (:class:`BuilderProfile`,
:class:`ProjectProfile`) into 1536-dimension unit vectors stored in
``users.embedding`` and ``projects.embedding``; cosine distance between them is
what ``similarBuilders`` and ``similarProjects`` rank by. The ``EMBEDDER``
setting picks the implementation (:func:`embedder_for`); the built-in
``hashing`` one (:mod:`.hashing`) is deterministic, offline and free. A hosted
model plugs in as another :class:`Embedder` behind another setting value.

Vectors go stale when their source changes: a database trigger sets
``embedding`` to NULL then, and :mod:`.filler` fills every NULL again
(``piccolo tribe_service embed``, and in the background of the running app).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from pgvector import Vector

from tribe_service.config import EmbedderName, Settings
from tribe_service.tables.user import EMBEDDING_DIMENSIONS

__all__ = [
    "EMBEDDING_DIMENSIONS",
    "BuilderProfile",
    "Embedder",
    "ProjectProfile",
    "embedder_for",
]


@dataclass(frozen=True, slots=True)
class BuilderProfile:
    """What a builder's embedding is made from."""

    skills: Sequence[str] = ()
    primary_role: str | None = None
    headline: str | None = None
    bio: str | None = None


@dataclass(frozen=True, slots=True)
class ProjectProfile:
    """What a project's embedding is made from."""

    tech_stack: Sequence[str] = ()
    title: str | None = None
    description: str | None = None


class Embedder(Protocol):
    """Makes unit vectors of :data:`EMBEDDING_DIMENSIONS` components from profiles.

    Asynchronous, so that a hosted model (an HTTP call per batch) fits the same shape.
    """

    name: str

    async def embed_builders(self, profiles: Sequence[BuilderProfile]) -> list[Vector]:
        """One vector per builder profile, in order."""
        ...

    async def embed_projects(self, profiles: Sequence[ProjectProfile]) -> list[Vector]:
        """One vector per project profile, in order."""
        ...


def embedder_for(settings: Settings) -> Embedder:
    """The embedder the ``EMBEDDER`` setting names."""
    from tribe_service.embeddings.hashing import HashingEmbedder

    if settings.embedder is EmbedderName.HASHING:
        return HashingEmbedder()
    raise ValueError(f"unknown embedder {settings.embedder!r}")  # pragma: no cover

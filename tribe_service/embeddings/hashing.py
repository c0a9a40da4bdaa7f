"""The built-in embedder: signed feature hashing, deterministic, offline, free.

A profile becomes a bag of weighted features; each feature is hashed with
BLAKE2b (stable across processes and Python versions, unlike ``hash()``) to one
of the 1536 components and a sign, its weight is added there, and the vector is
scaled to unit length. Two profiles sharing features point the same way, so
their cosine similarity grows with what they share, weighted as below.

Features and weights (a feature counts once, at its highest weight):

============================  ==========================================  ======
source                        feature                                     weight
============================  ==========================================  ======
builder skill, project tech   ``skill:<name, lower case>``                3.0
builder primary role          ``role:<role>``                             2.0
builder headline, title       ``word:<word>``                             1.0
builder bio, description      ``word:<word>``                             0.5
============================  ==========================================  ======

Skills and tech stacks share the ``skill:`` namespace, so a builder who knows
React and a project built with React are close too. Words are runs of letters
and digits, lower-cased, at least two characters, minus a short list of English
stop words. A profile with no features at all gets the unit vector of the
feature ``empty:<kind>``: defined, and close to nothing real.
"""

from __future__ import annotations

import hashlib
import math
import re
import struct
import sys
from array import array
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Final

from pgvector import Vector

from tribe_service.embeddings import EMBEDDING_DIMENSIONS, BuilderProfile, ProjectProfile

SKILL_WEIGHT: Final = 3.0
ROLE_WEIGHT: Final = 2.0
TITLE_WORD_WEIGHT: Final = 1.0  # a builder's headline, a project's title
BODY_WORD_WEIGHT: Final = 0.5  # a builder's bio, a project's description

_WORD = re.compile(r"[^\W_]+")
STOP_WORDS: Final = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "but",
        "by",
        "for",
        "from",
        "has",
        "have",
        "he",
        "her",
        "his",
        "i",
        "in",
        "into",
        "is",
        "it",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "she",
        "so",
        "than",
        "that",
        "the",
        "their",
        "them",
        "they",
        "this",
        "to",
        "was",
        "we",
        "were",
        "what",
        "when",
        "which",
        "who",
        "will",
        "with",
        "you",
        "your",
    ]
)

Features = dict[str, float]
_ZEROS: Final = bytes(4 * EMBEDDING_DIMENSIONS)
_HEADER: Final = struct.pack(">HH", EMBEDDING_DIMENSIONS, 0)


class HashingEmbedder:
    """The deterministic feature-hashing :class:`~tribe_service.embeddings.Embedder`."""

    name = "hashing"

    async def embed_builders(self, profiles: Sequence[BuilderProfile]) -> list[Vector]:
        """One unit vector per builder profile."""
        return [builder_vector(profile) for profile in profiles]

    async def embed_projects(self, profiles: Sequence[ProjectProfile]) -> list[Vector]:
        """One unit vector per project profile."""
        return [project_vector(profile) for profile in profiles]


def builder_vector(profile: BuilderProfile) -> Vector:
    """A builder's unit vector (synchronous: the scale generator calls it directly)."""
    features: Features = {}
    _add(features, (f"skill:{skill.lower()}" for skill in profile.skills), SKILL_WEIGHT)
    if profile.primary_role:
        _add(features, [f"role:{profile.primary_role}"], ROLE_WEIGHT)
    _add(features, _words(profile.headline), TITLE_WORD_WEIGHT)
    _add(features, _words(profile.bio), BODY_WORD_WEIGHT)
    return _to_vector(features, "builder")


def project_vector(profile: ProjectProfile) -> Vector:
    """A project's unit vector."""
    features: Features = {}
    _add(features, (f"skill:{tech.lower()}" for tech in profile.tech_stack), SKILL_WEIGHT)
    _add(features, _words(profile.title), TITLE_WORD_WEIGHT)
    _add(features, _words(profile.description), BODY_WORD_WEIGHT)
    return _to_vector(features, "project")


def _words(text: str | None) -> Iterable[str]:
    if not text:
        return ()
    return (
        f"word:{word}"
        for word in _WORD.findall(text.lower())
        if len(word) > 1 and word not in STOP_WORDS
    )


def _add(features: Features, names: Iterable[str], weight: float) -> None:
    for name in names:
        if features.get(name, 0.0) < weight:
            features[name] = weight


@lru_cache(maxsize=1 << 16)
def _slot(feature: str) -> tuple[int, float]:
    """The component and sign of ``feature``: the first 8 bytes of its BLAKE2b digest."""
    digest = int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "big")
    return digest % EMBEDDING_DIMENSIONS, 1.0 if (digest >> 63) & 1 else -1.0


def _to_vector(features: Features, kind: str) -> Vector:
    if not features:
        features = {f"empty:{kind}": 1.0}
    # Sparse until the end: a profile touches a few dozen of the 1536 components.
    components: dict[int, float] = {}
    for name, weight in features.items():
        index, sign = _slot(name)
        components[index] = components.get(index, 0.0) + sign * weight
    norm = math.sqrt(math.fsum(value * value for value in components.values()))
    if norm == 0.0:  # features that cancelled out exactly: fall back to the kind's vector
        return _to_vector({f"empty:{kind}": 1.0}, kind)
    values = array("f", _ZEROS)
    for index, value in components.items():
        values[index] = value / norm
    if sys.byteorder == "little":
        values.byteswap()  # pgvector's binary format is big-endian
    return Vector.from_binary(_HEADER + values.tobytes())

"""The scale data set: how many rows to add, and the rows of one load.

:func:`tribe_service.scale.generator.generate` fills a :class:`ScaleDataSet`;
:func:`tribe_service.scale.loader.fill_database` copies it table by table.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from tribe_service.embeddings import BuilderProfile, ProjectProfile
from tribe_service.embeddings.hashing import builder_vector, project_vector
from tribe_service.scale.records import (
    FEED_EVENTS,
    PROJECT_COLLABORATORS,
    PROJECTS,
    TRIBE_MEMBERS,
    TRIBE_OPEN_ROLES,
    TRIBES,
    USER_SKILLS,
    USERS,
    CopyLayout,
    Record,
)

DEFAULT_SEED = 42
# Every scale builder's e-mail is at this domain: how the loader recognises scale data.
SCALE_EMAIL_DOMAIN = "scale.example.com"


class ScaleError(ValueError):
    """The requested data set cannot be generated (or loaded) as asked."""


@dataclass(frozen=True, slots=True)
class ScaleCounts:
    """How many rows of each kind to add."""

    users: int = 10_000
    projects: int = 20_000
    tribes: int = 2_000
    events: int = 100_000

    def validate(self) -> None:
        """Refuse counts the relationships cannot satisfy."""
        for name in ("users", "projects", "tribes", "events"):
            if getattr(self, name) < 0:
                raise ScaleError(f"--{name} must not be negative")
        if self.users == 0 and (self.projects or self.tribes or self.events):
            raise ScaleError("projects, tribes and events need at least one user (--users)")
        if self.tribes and self.users < 2:
            raise ScaleError("tribes need at least two users (--users >= 2)")


Values = dict[str, object]  # a row's values by column name, before its embedding


@dataclass(slots=True)
class ScaleDataSet:
    """The rows of one scale load.

    Records are built by column name (:mod:`.records`). Embeddings are rendered
    lazily by :meth:`users` and :meth:`projects` (each call renders them anew,
    identically), everything else is kept in memory.
    """

    seed: int
    counts: ScaleCounts
    until: datetime
    user_rows: list[Values] = field(default_factory=list)
    user_profiles: list[BuilderProfile] = field(default_factory=list)
    user_skills: list[Record] = field(default_factory=list)
    project_rows: list[Values] = field(default_factory=list)
    project_profiles: list[ProjectProfile] = field(default_factory=list)
    project_collaborators: list[Record] = field(default_factory=list)
    tribes: list[Record] = field(default_factory=list)
    tribe_members: list[Record] = field(default_factory=list)
    tribe_open_roles: list[Record] = field(default_factory=list)
    feed_events: list[Record] = field(default_factory=list)

    def users(self) -> Iterator[Record]:
        """``users`` records with their embeddings."""
        for row, profile in zip(self.user_rows, self.user_profiles, strict=True):
            yield USERS.record(**row, embedding=builder_vector(profile))

    def projects(self) -> Iterator[Record]:
        """``projects`` records with their embeddings."""
        for row, profile in zip(self.project_rows, self.project_profiles, strict=True):
            yield PROJECTS.record(**row, embedding=project_vector(profile))

    def copies(self) -> list[tuple[CopyLayout, Iterable[Record], int]]:
        """Each table's layout, records and their number, in an order that satisfies references."""
        return [
            (USERS, self.users(), len(self.user_rows)),
            (USER_SKILLS, self.user_skills, len(self.user_skills)),
            (PROJECTS, self.projects(), len(self.project_rows)),
            (PROJECT_COLLABORATORS, self.project_collaborators, len(self.project_collaborators)),
            (TRIBES, self.tribes, len(self.tribes)),
            (TRIBE_MEMBERS, self.tribe_members, len(self.tribe_members)),
            (TRIBE_OPEN_ROLES, self.tribe_open_roles, len(self.tribe_open_roles)),
            (FEED_EVENTS, self.feed_events, len(self.feed_events)),
        ]

"""What the generation steps share while they build one :class:`.ScaleDataSet`.

Each step (:mod:`.users`, :mod:`.projects`, :mod:`.tribes`, :mod:`.events`)
appends its rows to ``data`` and notes here what later steps draw on: the
builders and projects made so far, and the feed events their facts imply.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from random import Random

from tribe_service.enums import EventType, SkillCategory, UserRole
from tribe_service.scale.dataset import ScaleCounts, ScaleDataSet
from tribe_service.scale.skills import names_by_category
from tribe_service.scale.streams import IdMaker, stream, to_milliseconds


@dataclass(slots=True)
class UserFacts:
    """A generated builder, as later steps need it."""

    id: str
    created: int
    display_name: str
    headline: str
    role: UserRole
    skills: list[str]
    github: str | None


@dataclass(slots=True)
class ProjectFacts:
    """A generated project, as later steps need it (``owner``: an index into the users)."""

    id: str
    created: int
    owner: int
    title: str
    tech: list[str]
    shipped: int | None


@dataclass(slots=True)
class PlannedEvent:
    """A feed event a fact implies; :mod:`.events` picks among them and makes the records."""

    at: int
    event_type: EventType
    actor_id: str
    target_type: str
    target_id: str
    metadata: Mapping[str, object]


@dataclass(slots=True)
class BuildState:
    """The data set under construction and the facts the steps share."""

    seed: int
    until_ms: int
    skill_ids: Mapping[str, str]  # skill name -> the database's id
    data: ScaleDataSet
    skills_by_category: dict[SkillCategory, list[str]] = field(default_factory=names_by_category)
    users: list[UserFacts] = field(default_factory=list)
    projects: list[ProjectFacts] = field(default_factory=list)
    events: list[PlannedEvent] = field(default_factory=list)

    @classmethod
    def start(
        cls, seed: int, counts: ScaleCounts, until: datetime, skill_ids: Mapping[str, str]
    ) -> BuildState:
        """An empty data set for ``seed``, ``counts`` and ``until``."""
        data = ScaleDataSet(seed=seed, counts=counts, until=until)
        return cls(seed=seed, until_ms=to_milliseconds(until), skill_ids=skill_ids, data=data)

    @property
    def counts(self) -> ScaleCounts:
        """How many rows of each kind to make."""
        return self.data.counts

    def stream(self, name: str) -> Random:
        """The random stream ``name`` of this seed."""
        return stream(self.seed, name)

    def ids(self, name: str) -> IdMaker:
        """Ids drawn from the random stream ``name`` of this seed."""
        return IdMaker(stream(self.seed, name))

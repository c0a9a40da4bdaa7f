"""The distributions the scale data set draws from: roles, statuses and how many of each.

Changing a weight changes what every seed generates.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from random import Random

from tribe_service.enums import (
    AvailabilityStatus,
    CollaboratorStatus,
    MemberStatus,
    ProjectStatus,
    TribeStatus,
    UserRole,
)


class Weighted[T]:
    """A weighted choice among fixed options."""

    def __init__(self, weights: Mapping[T, int]) -> None:
        self.options = list(weights)
        self.cumulative = list(itertools.accumulate(weights.values()))

    def pick(self, rng: Random) -> T:
        """One option, drawn from ``rng``."""
        return rng.choices(self.options, cum_weights=self.cumulative)[0]


# How often each primary role occurs among generated builders.
ROLES = Weighted(
    {
        UserRole.ENGINEER: 40,
        UserRole.DESIGNER: 15,
        UserRole.PM: 10,
        UserRole.MARKETER: 8,
        UserRole.GROWTH: 7,
        UserRole.FOUNDER: 12,
        UserRole.OTHER: 8,
    }
)
AVAILABILITY = Weighted(
    {
        AvailabilityStatus.OPEN_TO_TRIBE: 35,
        AvailabilityStatus.AVAILABLE_FOR_PROJECTS: 30,
        AvailabilityStatus.JUST_BROWSING: 35,
    }
)
PROJECT_STATUS = Weighted(
    {ProjectStatus.SHIPPED: 35, ProjectStatus.IN_PROGRESS: 50, ProjectStatus.ARCHIVED: 15}
)
COLLABORATOR_COUNT = Weighted({0: 25, 1: 30, 2: 25, 3: 20})
COLLABORATOR_STATUS = Weighted(
    {
        CollaboratorStatus.CONFIRMED: 70,
        CollaboratorStatus.PENDING: 20,
        CollaboratorStatus.DECLINED: 10,
    }
)
TRIBE_STATUS = Weighted({TribeStatus.OPEN: 55, TribeStatus.ACTIVE: 35, TribeStatus.ALUMNI: 10})
MEMBER_STATUS = Weighted(
    {
        MemberStatus.ACTIVE: 70,
        MemberStatus.PENDING: 15,
        MemberStatus.REJECTED: 5,
        MemberStatus.LEFT: 6,
        MemberStatus.REMOVED: 4,
    }
)
OPEN_ROLE_COUNT = Weighted({0: 30, 1: 35, 2: 25, 3: 10})

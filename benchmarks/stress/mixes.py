"""The requests each phase cycles through."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from harness.load import HttpRequest
from harness.scenarios import HEALTH_QUERY, PAGE_SIZE, DatabaseShape, scenario_requests
from tribe_service.graphql.client_operations import BUILDER_PROFILE_QUERY, FEED_PAGE_QUERY

BUILDERS_QUERY = """
query Builders($first: Int!) {
  builders(first: $first) { nodes { username builderScore skills { name } } pageInfo { endCursor } }
}
"""


SKILLS_QUERY = "{ skills { name slug category } }"


@dataclass(frozen=True)
class Mix:
    """The requests of a phase, cycled through in order."""

    requests: list[HttpRequest]

    def paths(self) -> dict[str, str]:
        """Request name -> path."""
        return {request.name: request.path for request in self.requests}


def mixes(shape: DatabaseShape, profiles: Sequence[str]) -> dict[str, Mix]:
    """The mixed request sets: ``load`` (heavier), ``outage`` and ``memory`` (lighter)."""
    base = scenario_requests(shape)
    profile = [
        HttpRequest.graphql(f"profile {name}", BUILDER_PROFILE_QUERY, {"username": name})
        for name in [shape.profile_username, *profiles]
    ]
    feed_first = HttpRequest.graphql("feed first page", FEED_PAGE_QUERY, {"first": PAGE_SIZE})
    health = HttpRequest.graphql("health", HEALTH_QUERY)
    healthz = HttpRequest.get("/healthz", "/healthz")
    builders = HttpRequest.graphql("builders", BUILDERS_QUERY, {"first": PAGE_SIZE})
    skills = HttpRequest.graphql("skills", SKILLS_QUERY)
    unknown = HttpRequest.graphql(
        "unknown user", BUILDER_PROFILE_QUERY, {"username": "no-such-builder"}
    )
    landing, deep = base["landing"], base["feed-deep"]
    return {
        "load": Mix([landing, *profile[:2], feed_first, deep, health, healthz, builders]),
        "outage": Mix([health, healthz, profile[0], feed_first, health, healthz, landing, deep]),
        # What a visitor reads: the pages of the frontend at their default sizes.
        "abuse": Mix([landing, profile[0], feed_first, builders, deep]),
        "memory": Mix(
            [
                landing,
                *profile,
                feed_first,
                deep,
                health,
                healthz,
                builders,
                skills,
                unknown,
                health,
                healthz,
            ]
        ),
    }

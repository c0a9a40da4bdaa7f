"""Deterministic generation of the scale data set's rows (no database access here).

Everything comes from random streams seeded with the seed number and a stream
name, one stream per concern (:mod:`.streams`), so a row's content does not
depend on the order in which the loader consumes the tables: the same seed and
the same ``until`` (on a database with the same skills) give the same rows, ids
included. Times are whole milliseconds, spread over the year before ``until``.

The steps run in this order, each drawing on what the earlier ones made
(:class:`.state.BuildState`): builders (:mod:`.users`), projects and their
collaborators (:mod:`.projects`), tribes with members and open roles
(:mod:`.tribes`), and last the feed events those facts imply (:mod:`.events`).

Embeddings come from the built-in hashing embedder
(:mod:`tribe_service.embeddings.hashing`), made from the same skills, role,
headline, bio, tech stack, title and description as the rows, so they are the
vectors ``piccolo tribe_service embed`` would compute for them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from tribe_service.scale.dataset import ScaleCounts, ScaleDataSet
from tribe_service.scale.events import add_events
from tribe_service.scale.projects import add_projects
from tribe_service.scale.state import BuildState
from tribe_service.scale.tribes import add_tribes
from tribe_service.scale.users import add_users


def generate(
    seed: int,
    counts: ScaleCounts,
    until: datetime,
    skill_ids: Mapping[str, str],
) -> ScaleDataSet:
    """Every row of a scale load (``skill_ids`` maps skill names to the database's ids)."""
    counts.validate()
    state = BuildState.start(seed, counts, until, skill_ids)
    add_users(state)
    add_projects(state)
    add_tribes(state)
    add_events(state)
    return state.data

"""The prototype's seed data, and :func:`seed_database`, which loads it.

``piccolo tribe_service seed`` (``just seed``) clears the rows of the app's ten tables
and loads everything again in one transaction: skills, builders, projects, tribes
and the activity feed, as the spec's section 6 lists them. Running it twice leaves
the same content (new ids and timestamps). It never touches the schema: that
belongs to the migrations. ``ENVIRONMENT=production`` refuses to seed.

Choices where the prototype is ambiguous or the data model says less:

* **Availability.** "Open to collaborate" is ``open_to_tribe``; "Available for
  projects" and "Just browsing" map to their namesakes. James's "Collaborating" is
  no availability value: he is busy in a tribe and on his own project, not looking,
  so ``just_browsing``. Not given by the spec: Elena and Marcus, both in an active
  tribe and taking on project work, ``available_for_projects``; Aisha, new and in no
  tribe, and Tom, forming a tribe, ``open_to_tribe``.
* **Primary roles.** Developers and engineers (full-stack, backend, ML, frontend,
  DevOps) are ``engineer``; the product designer and the UX researcher ``designer``;
  the product manager ``pm``; the growth marketer ``marketer`` (his skills, SEO and
  Content Strategy, are marketing ones); "Founder/Engineer" ``founder`` (the first
  word of the title; the headline keeps the whole title).
* **Skills.** "Analytics" is listed under PRODUCT and DATA; names are unique, so it
  is one PRODUCT skill. "Python (Data)" is a DATA skill of its own (slug
  ``python-data``); builders and stacks that say "Python" have the ENGINEERING
  "Python". Slugs: lower case, dots dropped, other symbols one hyphen (``nextjs``,
  ``ui-ux``, ``ci-cd``). Every skill a builder, a tech stack or an open role names
  is in the taxonomy (OpenAI, TensorFlow: DATA; Storybook: ENGINEERING; Grafana:
  OPERATIONS; Partnerships: GROWTH). A builder's skill order is the order of their
  ``user_skills`` rows by ``added_at`` (and id).
* **Builders.** Usernames are first and last name run together (``mayachen``), also
  used as the fake GitHub login; emails ``first.last@example.com``;
  ``contact_links`` holds ``twitter`` and ``github`` profile URLs. Seeded builders
  have completed onboarding; no password, avatar or timezone.
* **Projects.** ``impact_metrics`` holds what a card shows as integers
  (``{"users": 1200, "stars": 340}`` for "1.2k users, 340 stars"; "2.1k stars" is
  2100), and ``github_stars`` the star count; the starred projects have a GitHub
  repository name and link. Each collaboration is one CONFIRMED
  ``project_collaborators`` row for the collaborator (owners are ``owner_id``).
* **"Alex started building a project"** names no project, and the prototype has
  exactly six: no seventh is invented. The PROJECT_CREATED event targets Alex
  (``target_type`` ``user``, a real row) with ``project_title`` null and an empty
  ``tech_stack``, so the feed can say "Alex started building a project".
* **"Priya formed Hospitality OS"** while Tom owns it (and "Tom created Hospitality
  OS" is event 8): as the spec's note says, the event targets the actual tribe,
  Tom's; its actor stays Priya, as the prototype shows. No second tribe is made.
* **"Elena and David confirmed collaboration"**: the actor is the collaborator who
  confirmed (Elena), as in "Priya confirmed collaboration on Tribe Finder"; the
  metadata names both (``collaborator_name``, ``owner_name``).
* **Time.** Everything is dated relative to the seeding instant. The feed keeps the
  listed order (event 1 an hour ago, event 15 four days ago) and each id is a ULID
  of its own ``created_at``. A row is never younger than a feed event about it;
  where the feed creates it (a builder joining, a project or tribe created, a
  member joining, a collaboration confirmed) the row's time is the event's time,
  except the projects Tribe Finder and Growth Analytics Dashboard: the prototype
  lists their collaboration as confirmed *before* the project was created, so
  those projects date from just before the collaboration. Shipped projects were
  last updated when the feed says they shipped. Users, projects and tribes have
  ULIDs of their ``created_at``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

from piccolo.engine import engine_finder

from tribe_service.embeddings import Embedder
from tribe_service.embeddings.filler import fill_missing_embeddings
from tribe_service.embeddings.hashing import HashingEmbedder
from tribe_service.engine import TribeEngine
from tribe_service.seed.common import SeedContext
from tribe_service.seed.feed_events import FEED_EVENTS, seed_feed_events
from tribe_service.seed.projects import PROJECTS, seed_projects
from tribe_service.seed.skills import SKILLS, seed_skills
from tribe_service.seed.tribes import TRIBES, seed_tribes
from tribe_service.seed.users import BUILDERS, seed_users
from tribe_service.tables import ALL_TABLES, Skill

__all__ = [
    "BUILDERS",
    "FEED_EVENTS",
    "PROJECTS",
    "SEEDED_TABLES",
    "SKILLS",
    "TRIBES",
    "count_rows",
    "seed_database",
]

# The app's ten tables, in dependency order.
SEEDED_TABLES: Final[tuple[str, ...]] = tuple(table._meta.tablename for table in ALL_TABLES)


def _engine() -> TribeEngine:
    engine = engine_finder()
    if not isinstance(engine, TribeEngine):
        raise RuntimeError("piccolo_conf.DB must be built by tribe_service.engine.build_engine")
    return engine


async def count_rows() -> dict[str, int]:
    """The number of rows in each of the app's tables, in one statement."""
    columns = ", ".join(f'(SELECT count(*) FROM "{name}") AS "{name}"' for name in SEEDED_TABLES)
    [row] = await Skill.raw(f"SELECT {columns}")
    return {name: int(row[name]) for name in SEEDED_TABLES}


async def seed_database(
    now: datetime | None = None, embedder: Embedder | None = None
) -> dict[str, int]:
    """Clear the app's tables and load the seed data, in one transaction.

    Every seeded time is relative to ``now`` (default: the current time). Builders
    and projects are embedded by ``embedder`` (default: the built-in hashing one)
    in the same transaction. Returns the number of rows in each table afterwards.
    """
    context = SeedContext(now=now or datetime.now(tz=UTC))
    engine = _engine()
    async with engine.transaction():
        tables = ", ".join(f'"{name}"' for name in SEEDED_TABLES)
        await Skill.raw(f"TRUNCATE {tables}")
        await seed_skills(context)
        await seed_users(context)
        await seed_projects(context)
        await seed_tribes(context)
        await seed_feed_events(context)
        await fill_missing_embeddings(engine, embedder or HashingEmbedder())
        counts = await count_rows()
    return counts

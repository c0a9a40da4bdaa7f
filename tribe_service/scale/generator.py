"""Deterministic generation of the scale data set's rows (no database access here).

Everything comes from :class:`random.Random` streams seeded with the seed
number and a stream name, one stream per concern, so a row's content does
not depend on the order in which the loader consumes the tables: the same
seed and the same ``until`` (on a database with the same skills) give the
same rows, ids included. Ids are ULIDs
whose time part is the row's creation time (so id order is time order) and
whose random part comes from the stream.

Times are whole milliseconds, spread over the year before ``until``.

Embeddings come from the built-in hashing embedder
(:mod:`tribe_service.embeddings.hashing`), made from the same skills, role,
headline, bio, tech stack, title and description as the rows, so they are the
vectors ``piccolo tribe_service embed`` would compute for them.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from random import Random

import msgspec

from tribe_service.embeddings import BuilderProfile, ProjectProfile
from tribe_service.embeddings.hashing import builder_vector, project_vector
from tribe_service.enums import (
    AvailabilityStatus,
    CollaboratorStatus,
    EventType,
    MemberRole,
    MemberStatus,
    ProjectStatus,
    SkillCategory,
    TribeStatus,
    UserRole,
)
from tribe_service.scale import vocabulary as words
from tribe_service.scale.records import (
    FEED_EVENTS,
    PROJECT_COLLABORATORS,
    PROJECTS,
    SKILLS,
    TRIBE_MEMBERS,
    TRIBE_OPEN_ROLES,
    TRIBES,
    USER_SKILLS,
    USERS,
    CopyLayout,
    Record,
)

DEFAULT_SEED = 42
SCALE_EMAIL_DOMAIN = "scale.example.com"
SPAN_MS = 365 * 86_400_000  # the data set covers the year before `until`
DAY_MS = 86_400_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


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


# --- small helpers -------------------------------------------------------------------

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CROCKFORD_PAIRS = [a + b for a in _CROCKFORD for b in _CROCKFORD]
_PAIR_SHIFTS = tuple(range(120, -1, -10))


def ulid_string(milliseconds: int, randomness: int) -> str:
    """The ULID with time part ``milliseconds`` and 80-bit random part ``randomness``.

    Same text as ``str(ulid.ULID.from_bytes(...))``, about three times faster.
    """
    value = (milliseconds << 80) | randomness
    return "".join([_CROCKFORD_PAIRS[(value >> shift) & 1023] for shift in _PAIR_SHIFTS])


def to_datetime(milliseconds: int) -> datetime:
    """A timezone-aware datetime from milliseconds since the epoch (exact)."""
    return EPOCH + timedelta(milliseconds=milliseconds)


def to_milliseconds(moment: datetime) -> int:
    """Milliseconds since the epoch of an aware datetime (truncated)."""
    return (moment - EPOCH) // timedelta(milliseconds=1)


def slugify(text: str) -> str:
    """``"Next.js"`` -> ``"next-js"``, ``"Müller"`` -> ``"muller"``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def skill_slug(name: str) -> str:
    """A skill's slug, by the seed taxonomy's rule: ``"Next.js"`` -> ``"nextjs"``."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower().replace(".", "")).strip("-")


def stream(seed: int, name: str) -> Random:
    """The random stream ``name`` of ``seed`` (str seeds hash with SHA-512: stable)."""
    return Random(f"tribe-scale:{seed}:{name}")


class IdMaker:
    """Deterministic, time-ordered ULIDs from one random stream."""

    def __init__(self, rng: Random) -> None:
        self._bits = rng.getrandbits

    def at(self, milliseconds: int) -> str:
        """A ULID whose time part is ``milliseconds``."""
        return ulid_string(milliseconds, self._bits(80))


class Weighted[T]:
    """A weighted choice among fixed options."""

    def __init__(self, weights: Mapping[T, int]) -> None:
        self.options = list(weights)
        self.cumulative = list(itertools.accumulate(weights.values()))

    def pick(self, rng: Random) -> T:
        """One option, drawn from ``rng``."""
        return rng.choices(self.options, cum_weights=self.cumulative)[0]


def to_json(value: object) -> str:
    """JSON text for a ``jsonb`` column (asyncpg's codec takes text)."""
    return msgspec.json.encode(value).decode()


ROLES = Weighted(words.ROLE_WEIGHTS)
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


def _after(rng: Random, start: int, end: int, share: float = 1.0) -> int:
    """A moment in ``[start, start + share * (end - start)]``."""
    return start + int(rng.random() * share * max(end - start, 0))


# --- the data set --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SkillSpec:
    """A skill of the catalogue (inserted if the database lacks it)."""

    name: str
    slug: str
    category: SkillCategory


def skill_catalogue() -> list[SkillSpec]:
    """Every skill the scale data uses, in a stable order."""
    return [
        SkillSpec(name=name, slug=skill_slug(name), category=category)
        for category, names in words.SKILLS.items()
        for name in names
    ]


@dataclass(slots=True)
class _User:
    id: str
    created: int
    display_name: str
    headline: str
    role: UserRole
    skills: list[str]
    github: str | None


@dataclass(slots=True)
class _Project:
    id: str
    created: int
    owner: int
    title: str
    tech: list[str]
    shipped: int | None


@dataclass(slots=True)
class _Event:
    at: int
    event_type: EventType
    actor_id: str
    target_type: str
    target_id: str
    metadata: Mapping[str, object]


Values = dict[str, object]  # a row's values by column name, before its embedding


@dataclass(slots=True)
class ScaleDataSet:
    """The rows of one scale load; built by :func:`generate`.

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


class _Builder:
    """Builds one :class:`ScaleDataSet`; each ``_add_*`` step owns its random stream."""

    def __init__(
        self,
        seed: int,
        counts: ScaleCounts,
        until: datetime,
        skill_ids: Mapping[str, str],
    ) -> None:
        self.seed = seed
        self.counts = counts
        self.until_ms = to_milliseconds(until)
        self.skill_ids = skill_ids
        catalogue = skill_catalogue()
        self.skills_by_category: dict[SkillCategory, list[str]] = {}
        for skill in catalogue:
            self.skills_by_category.setdefault(skill.category, []).append(skill.name)
        self.tech_pool = [
            name for category in words.TECH_CATEGORIES for name in words.SKILLS[category]
        ] + list(words.EXTRA_TECH)
        self.tech_names = set(self.tech_pool)
        self.data = ScaleDataSet(seed=seed, counts=counts, until=until)
        self.users: list[_User] = []
        self.projects: list[_Project] = []
        self.events: list[_Event] = []

    def build(self) -> ScaleDataSet:
        self._add_users()
        self._add_projects()
        self._add_tribes()
        self._add_events()
        return self.data

    # users

    def _pick_skills(self, rng: Random, role: UserRole) -> list[str]:
        categories = words.ROLE_CATEGORIES[role]
        chosen = [rng.choice(self.skills_by_category[categories[0]])]
        wanted = rng.randint(2, 6)
        while len(chosen) < wanted:
            if rng.random() < 0.75:  # mostly the role's categories, the first above all
                category = categories[int(rng.random() ** 2 * len(categories))]
            else:
                category = rng.choice(list(SkillCategory))
            name = rng.choice(self.skills_by_category[category])
            if name not in chosen:
                chosen.append(name)
        return chosen

    def _add_users(self) -> None:
        rng = stream(self.seed, "users")
        ids = IdMaker(stream(self.seed, "user-ids"))
        skill_ids = IdMaker(stream(self.seed, "user-skill-ids"))
        data = self.data
        for index in range(self.counts.users):
            role = ROLES.pick(rng)
            first, last = rng.choice(words.FIRST_NAMES), rng.choice(words.LAST_NAMES)
            username = f"{slugify(first)}.{slugify(last)}{index + 1}"
            # Sign-ups grow over the year: more recent moments are likelier.
            created = self.until_ms - int(SPAN_MS * rng.random() ** 1.5)
            updated = _after(rng, created, self.until_ms)
            user_id = ids.at(created)
            skills = self._pick_skills(rng, role)
            title = rng.choice(words.ROLE_TITLES[role])
            years = rng.randint(1, 15)
            headline = f"{title} · {rng.choice(words.HEADLINE_FOCUS)}"
            opener = rng.choice(words.BIO_OPENERS).format(
                years=years, title=title, title_lower=title.lower()
            )
            bio = f"{opener} Works with {', '.join(skills)}. {rng.choice(words.BIO_CLOSERS)}"
            github = username.replace(".", "-") if rng.random() < 0.7 else None
            links: dict[str, str] = {}
            if github:
                links["github"] = f"https://github.com/{github}"
            if rng.random() < 0.5:
                links["twitter"] = f"https://x.com/{username.replace('.', '_')}"
            if rng.random() < 0.2:
                links["website"] = f"https://{slugify(first)}{slugify(last)}.example.dev"
            availability = AVAILABILITY.pick(rng)
            score = round(min(100.0, max(0.0, rng.gauss(45.0, 18.0))), 1)
            avatar = f"https://avatars.example.com/{username}.png" if rng.random() < 0.7 else None
            data.user_rows.append(
                {
                    "id": user_id,
                    "created_at": to_datetime(created),
                    "updated_at": to_datetime(updated),
                    "email": f"{username}@{SCALE_EMAIL_DOMAIN}",
                    "password_hash": None,  # scale builders cannot log in
                    "username": username,
                    "display_name": f"{first} {last}",
                    "avatar_url": avatar,
                    "headline": headline,
                    "primary_role": role.value,
                    "timezone": rng.choice(words.TIMEZONES),
                    "availability_status": availability.value,
                    "builder_score": score,
                    "bio": bio,
                    "contact_links": to_json(links),
                    "github_username": github,
                    "github_access_token_encrypted": None,
                    "onboarding_completed": rng.random() < 0.9,
                }
            )
            held = [name for name in skills if name in self.skill_ids]
            data.user_profiles.append(BuilderProfile(tuple(held), role.value, headline, bio))
            for position, name in enumerate(skills):
                skill_id = self.skill_ids.get(name)
                if skill_id is not None:
                    added = created + 1000 * position
                    data.user_skills.append(
                        USER_SKILLS.record(
                            id=skill_ids.at(added),
                            user_id=user_id,
                            skill_id=skill_id,
                            added_at=to_datetime(added),
                        )
                    )
            self.users.append(
                _User(user_id, created, f"{first} {last}", headline, role, skills, github),
            )

    # projects and collaborators

    def _add_projects(self) -> None:
        rng = stream(self.seed, "projects")
        ids = IdMaker(stream(self.seed, "project-ids"))
        collaborator_rng = stream(self.seed, "collaborators")
        collaborator_ids = IdMaker(stream(self.seed, "collaborator-ids"))
        repositories: set[str] = set()
        data = self.data
        for _ in range(self.counts.projects):
            owner_index = rng.randrange(len(self.users))
            owner = self.users[owner_index]
            created = _after(rng, owner.created, self.until_ms)
            title = " ".join(
                (
                    rng.choice(words.PROJECT_PREFIXES),
                    rng.choice(words.PROJECT_DOMAINS),
                    rng.choice(words.PROJECT_KINDS),
                )
            )
            tech = [name for name in owner.skills if name in self.tech_names][:3]
            for _ in range(rng.randint(2, 5) - len(tech)):
                name = rng.choice(self.tech_pool)
                if name not in tech:
                    tech.append(name)
            if not tech:
                tech.append(rng.choice(self.tech_pool))
            status = PROJECT_STATUS.pick(rng)
            shipped = _after(rng, created, self.until_ms, 0.6)
            project_id = ids.at(created)
            slug = slugify(title)
            repository = None
            if owner.github and rng.random() < 0.6:
                repository = f"{owner.github}/{slug}"
                suffix = 2
                while repository in repositories:
                    repository = f"{owner.github}/{slug}-{suffix}"
                    suffix += 1
                repositories.add(repository)
            stars = int(3 * (rng.paretovariate(1.1) - 1)) if repository else None
            stars = min(stars, 25_000) if stars is not None else None
            links: dict[str, str] = {}
            if repository:
                links["github"] = f"https://github.com/{repository}"
            if status is ProjectStatus.SHIPPED:
                links["demo"] = f"https://{slug}.example.app"
            metrics: dict[str, int] = {}
            if status is ProjectStatus.SHIPPED:
                metrics["users"] = int(20 * rng.paretovariate(1.3))
            if stars is not None:
                metrics["stars"] = stars
            description = (
                f"{title} {rng.choice(words.PROJECT_PURPOSES)}. Built with {', '.join(tech)}."
            )
            thumbnail = (
                f"https://images.example.com/projects/{project_id.lower()}.png"
                if rng.random() < 0.4
                else None
            )
            updated = (
                shipped if status is ProjectStatus.SHIPPED else _after(rng, created, self.until_ms)
            )
            data.project_rows.append(
                {
                    "id": project_id,
                    "created_at": to_datetime(created),
                    "updated_at": to_datetime(updated),
                    "owner_id": owner.id,
                    "title": title,
                    "description": description,
                    "status": status.value,
                    "role": rng.choice(words.PROJECT_ROLES),
                    "thumbnail_url": thumbnail,
                    "links": to_json(links),
                    "tech_stack": to_json(tech),
                    "impact_metrics": to_json(metrics),
                    "github_repo_full_name": repository,
                    "github_stars": stars,
                }
            )
            data.project_profiles.append(ProjectProfile(tuple(tech), title, description))
            project = _Project(
                project_id,
                created,
                owner_index,
                title,
                tech,
                shipped if status is ProjectStatus.SHIPPED else None,
            )
            self.projects.append(project)
            self._add_collaborators(collaborator_rng, collaborator_ids, project)

    def _add_collaborators(self, rng: Random, ids: IdMaker, project: _Project) -> None:
        wanted = min(COLLABORATOR_COUNT.pick(rng), len(self.users) - 1)
        chosen: list[int] = []
        while len(chosen) < wanted:
            candidate = rng.randrange(len(self.users))
            if candidate != project.owner and candidate not in chosen:
                chosen.append(candidate)
        owner = self.users[project.owner]
        for user_index in chosen:
            user = self.users[user_index]
            invited = _after(rng, max(project.created, user.created), self.until_ms, 0.3)
            status = COLLABORATOR_STATUS.pick(rng)
            role = rng.choice(words.COLLABORATOR_ROLES)
            confirmed = None
            if status is CollaboratorStatus.CONFIRMED:
                confirmed = min(invited + int(rng.random() * 14 * DAY_MS), self.until_ms)
                self.events.append(
                    _Event(
                        confirmed,
                        EventType.COLLABORATION_CONFIRMED,
                        user.id,
                        "project",
                        project.id,
                        {
                            "project_title": project.title,
                            "owner_name": owner.display_name,
                            "collaborator_name": user.display_name,
                        },
                    )
                )
            self.data.project_collaborators.append(
                PROJECT_COLLABORATORS.record(
                    id=ids.at(invited),
                    project_id=project.id,
                    user_id=user.id,
                    role=role,
                    status=status.value,
                    invited_at=to_datetime(invited),
                    confirmed_at=to_datetime(confirmed) if confirmed is not None else None,
                )
            )

    # tribes, members, open roles

    def _add_tribes(self) -> None:
        rng = stream(self.seed, "tribes")
        ids = IdMaker(stream(self.seed, "tribe-ids"))
        member_ids = IdMaker(stream(self.seed, "tribe-member-ids"))
        role_ids = IdMaker(stream(self.seed, "tribe-role-ids"))
        titles = [(role, title) for role, names in words.ROLE_TITLES.items() for title in names]
        data = self.data
        for _ in range(self.counts.tribes):
            owner_index = rng.randrange(len(self.users))
            owner = self.users[owner_index]
            created = _after(rng, owner.created, self.until_ms)
            domain = rng.choice(words.TRIBE_DOMAINS)
            name = rng.choice(words.TRIBE_PATTERNS).format(domain=domain)
            mission = rng.choice(words.TRIBE_MISSIONS).format(domain_lower=domain.lower())
            others = min(rng.randint(1, 6), len(self.users) - 1)
            status = TRIBE_STATUS.pick(rng)
            max_members = max(rng.choice((6, 8, 8, 8, 10)), others + 1)
            tribe_id = ids.at(created)
            data.tribes.append(
                TRIBES.record(
                    id=tribe_id,
                    created_at=to_datetime(created),
                    updated_at=to_datetime(_after(rng, created, self.until_ms)),
                    owner_id=owner.id,
                    name=name,
                    mission=mission,
                    status=status.value,
                    max_members=max_members,
                )
            )
            data.tribe_members.append(
                TRIBE_MEMBERS.record(
                    id=member_ids.at(created),
                    tribe_id=tribe_id,
                    user_id=owner.id,
                    role=MemberRole.OWNER.value,
                    status=MemberStatus.ACTIVE.value,
                    joined_at=to_datetime(created),
                    requested_at=to_datetime(created),
                )
            )
            members: list[int] = [owner_index]
            active: list[str] = [owner.id]
            while len(members) < others + 1:
                candidate = rng.randrange(len(self.users))
                if candidate in members:
                    continue
                members.append(candidate)
                user = self.users[candidate]
                requested = _after(rng, max(created, user.created), self.until_ms, 0.5)
                member_status = MEMBER_STATUS.pick(rng)
                joined = None
                if member_status in (MemberStatus.ACTIVE, MemberStatus.LEFT, MemberStatus.REMOVED):
                    joined = min(requested + int(rng.random() * 7 * DAY_MS), self.until_ms)
                    self.events.append(
                        _Event(
                            joined,
                            EventType.MEMBER_JOINED_TRIBE,
                            user.id,
                            "tribe",
                            tribe_id,
                            {"tribe_name": name},
                        )
                    )
                    if member_status is MemberStatus.ACTIVE:
                        active.append(user.id)
                data.tribe_members.append(
                    TRIBE_MEMBERS.record(
                        id=member_ids.at(requested),
                        tribe_id=tribe_id,
                        user_id=user.id,
                        role=MemberRole.MEMBER.value,
                        status=member_status.value,
                        joined_at=to_datetime(joined) if joined is not None else None,
                        requested_at=to_datetime(requested),
                    )
                )
            for _ in range(OPEN_ROLE_COUNT.pick(rng)):
                role, title = rng.choice(titles)
                category = words.ROLE_CATEGORIES[role][0]
                needed = rng.sample(self.skills_by_category[category], rng.randint(1, 3))
                filled_by = rng.choice(active) if rng.random() < 0.15 else None
                data.tribe_open_roles.append(
                    TRIBE_OPEN_ROLES.record(
                        id=role_ids.at(created),
                        tribe_id=tribe_id,
                        title=title,
                        skills_needed=to_json(needed),
                        filled=filled_by is not None,
                        filled_by=filled_by,
                    )
                )
            self.events.append(
                _Event(
                    created,
                    EventType.TRIBE_CREATED,
                    owner.id,
                    "tribe",
                    tribe_id,
                    {"tribe_name": name, "mission": mission},
                )
            )

    # feed events

    def _natural_events(self) -> list[_Event]:
        """One event per fact: sign-ups, projects created and shipped, tribes, joins."""
        events: list[_Event] = []
        for user in self.users:
            events.append(
                _Event(
                    user.created,
                    EventType.BUILDER_JOINED,
                    user.id,
                    "user",
                    user.id,
                    {"display_name": user.display_name, "headline": user.headline},
                )
            )
        for project in self.projects:
            owner = self.users[project.owner]
            facts = {"project_title": project.title, "tech_stack": project.tech}
            events.append(
                _Event(
                    project.created,
                    EventType.PROJECT_CREATED,
                    owner.id,
                    "project",
                    project.id,
                    facts,
                )
            )
            if project.shipped is not None:
                events.append(
                    _Event(
                        project.shipped,
                        EventType.PROJECT_SHIPPED,
                        owner.id,
                        "project",
                        project.id,
                        facts,
                    )
                )
        # Collaboration, tribe and membership events were noted while building.
        return events + self.events

    def _add_events(self) -> None:
        rng = stream(self.seed, "events")
        wanted = self.counts.events
        natural = self._natural_events()
        if wanted <= len(natural):
            keep = sorted(rng.sample(range(len(natural)), wanted))
            events = [natural[index] for index in keep]
        else:
            events = natural + self._extra_events(rng, natural, wanted - len(natural))
        events.sort(key=lambda event: event.at)
        releases: dict[str, int] = {}
        ids = IdMaker(stream(self.seed, "event-ids"))
        records: list[Record] = []
        for event in events:
            metadata = event.metadata
            if event.event_type is EventType.PROJECT_SHIPPED:
                number = releases.get(event.target_id, 0)
                releases[event.target_id] = number + 1
                metadata = {**metadata, "release": f"v1.{number}"}
            records.append(
                FEED_EVENTS.record(
                    id=ids.at(event.at),
                    event_type=event.event_type.value,
                    actor_id=event.actor_id,
                    target_type=event.target_type,
                    target_id=event.target_id,
                    metadata=to_json(metadata),
                    created_at=to_datetime(event.at),
                )
            )
        # Id order is time order; within one millisecond, the random part decides.
        records.sort(key=FEED_EVENTS.getter("id"))
        self.data.feed_events = records

    def _extra_events(self, rng: Random, natural: list[_Event], count: int) -> list[_Event]:
        """More events than facts: later releases of shipped projects.

        (With no shipped project, copies of random facts at later moments.)
        """
        shipped = [project for project in self.projects if project.shipped is not None]
        extra: list[_Event] = []
        for _ in range(count):
            if shipped:
                project = rng.choice(shipped)
                assert project.shipped is not None
                extra.append(
                    _Event(
                        _after(rng, project.shipped, self.until_ms),
                        EventType.PROJECT_SHIPPED,
                        self.users[project.owner].id,
                        "project",
                        project.id,
                        {"project_title": project.title, "tech_stack": project.tech},
                    )
                )
            else:
                fact = rng.choice(natural)
                extra.append(
                    _Event(
                        _after(rng, fact.at, self.until_ms),
                        fact.event_type,
                        fact.actor_id,
                        fact.target_type,
                        fact.target_id,
                        fact.metadata,
                    )
                )
        return extra


def skill_rows(seed: int, until: datetime) -> list[Record]:
    """The ``skills`` records of the catalogue (ids deterministic, like every id here)."""
    ids = IdMaker(stream(seed, "skills"))
    start = to_milliseconds(until) - SPAN_MS
    return [
        SKILLS.record(
            id=ids.at(start), name=skill.name, slug=skill.slug, category=skill.category.value
        )
        for skill in skill_catalogue()
    ]


def generate(
    seed: int,
    counts: ScaleCounts,
    until: datetime,
    skill_ids: Mapping[str, str],
) -> ScaleDataSet:
    """Every row of a scale load (``skill_ids`` maps skill names to the database's ids)."""
    counts.validate()
    return _Builder(seed, counts, until, skill_ids).build()

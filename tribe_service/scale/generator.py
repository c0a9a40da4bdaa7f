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

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from random import Random

from tribe_service.embeddings import BuilderProfile, ProjectProfile
from tribe_service.enums import (
    CollaboratorStatus,
    EventType,
    MemberRole,
    MemberStatus,
    ProjectStatus,
    SkillCategory,
    UserRole,
)
from tribe_service.scale import vocabulary as words
from tribe_service.scale.dataset import SCALE_EMAIL_DOMAIN, ScaleCounts, ScaleDataSet
from tribe_service.scale.records import (
    FEED_EVENTS,
    PROJECT_COLLABORATORS,
    TRIBE_MEMBERS,
    TRIBE_OPEN_ROLES,
    TRIBES,
    USER_SKILLS,
    Record,
    to_json,
)
from tribe_service.scale.skills import skill_catalogue
from tribe_service.scale.slugs import slugify
from tribe_service.scale.streams import (
    DAY_MS,
    SPAN_MS,
    IdMaker,
    moment_between,
    stream,
    to_datetime,
    to_milliseconds,
)
from tribe_service.scale.weights import (
    AVAILABILITY,
    COLLABORATOR_COUNT,
    COLLABORATOR_STATUS,
    MEMBER_STATUS,
    OPEN_ROLE_COUNT,
    PROJECT_STATUS,
    ROLES,
    TRIBE_STATUS,
)


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
            updated = moment_between(rng, created, self.until_ms)
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
            created = moment_between(rng, owner.created, self.until_ms)
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
            shipped = moment_between(rng, created, self.until_ms, 0.6)
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
                shipped
                if status is ProjectStatus.SHIPPED
                else moment_between(rng, created, self.until_ms)
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
            invited = moment_between(rng, max(project.created, user.created), self.until_ms, 0.3)
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
            created = moment_between(rng, owner.created, self.until_ms)
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
                    updated_at=to_datetime(moment_between(rng, created, self.until_ms)),
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
                requested = moment_between(rng, max(created, user.created), self.until_ms, 0.5)
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
                        moment_between(rng, project.shipped, self.until_ms),
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
                        moment_between(rng, fact.at, self.until_ms),
                        fact.event_type,
                        fact.actor_id,
                        fact.target_type,
                        fact.target_id,
                        fact.metadata,
                    )
                )
        return extra


def generate(
    seed: int,
    counts: ScaleCounts,
    until: datetime,
    skill_ids: Mapping[str, str],
) -> ScaleDataSet:
    """Every row of a scale load (``skill_ids`` maps skill names to the database's ids)."""
    counts.validate()
    return _Builder(seed, counts, until, skill_ids).build()

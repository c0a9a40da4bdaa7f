"""Projects (``projects``) and their collaborators (``project_collaborators``).

Streams: ``projects`` and ``project-ids``; ``collaborators`` and
``collaborator-ids``. A confirmed collaboration is noted as a feed event.
"""

from __future__ import annotations

from random import Random

from tribe_service.embeddings import ProjectProfile
from tribe_service.enums import CollaboratorStatus, EventType, ProjectStatus
from tribe_service.scale import vocabulary as words
from tribe_service.scale.records import PROJECT_COLLABORATORS, to_json
from tribe_service.scale.slugs import slugify
from tribe_service.scale.state import BuildState, PlannedEvent, ProjectFacts
from tribe_service.scale.streams import DAY_MS, IdMaker, moment_between, to_datetime
from tribe_service.scale.weights import COLLABORATOR_COUNT, COLLABORATOR_STATUS, PROJECT_STATUS

# What a tech stack draws from: the engineering and data skills, then a few products.
TECH_POOL = tuple(
    [name for category in words.TECH_CATEGORIES for name in words.SKILLS[category]]
    + list(words.EXTRA_TECH)
)
TECH_NAMES = frozenset(TECH_POOL)


def add_projects(state: BuildState) -> None:
    """Add ``counts.projects`` projects of random owners, each with 0-3 collaborators."""
    rng = state.stream("projects")
    ids = state.ids("project-ids")
    collaborator_rng = state.stream("collaborators")
    collaborator_ids = state.ids("collaborator-ids")
    repositories: set[str] = set()
    data = state.data
    for _ in range(state.counts.projects):
        owner_index = rng.randrange(len(state.users))
        owner = state.users[owner_index]
        created = moment_between(rng, owner.created, state.until_ms)
        title = " ".join(
            (
                rng.choice(words.PROJECT_PREFIXES),
                rng.choice(words.PROJECT_DOMAINS),
                rng.choice(words.PROJECT_KINDS),
            )
        )
        tech = [name for name in owner.skills if name in TECH_NAMES][:3]
        for _ in range(rng.randint(2, 5) - len(tech)):
            name = rng.choice(TECH_POOL)
            if name not in tech:
                tech.append(name)
        if not tech:
            tech.append(rng.choice(TECH_POOL))
        status = PROJECT_STATUS.pick(rng)
        shipped = moment_between(rng, created, state.until_ms, 0.6)
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
        description = f"{title} {rng.choice(words.PROJECT_PURPOSES)}. Built with {', '.join(tech)}."
        thumbnail = (
            f"https://images.example.com/projects/{project_id.lower()}.png"
            if rng.random() < 0.4
            else None
        )
        updated = (
            shipped
            if status is ProjectStatus.SHIPPED
            else moment_between(rng, created, state.until_ms)
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
        project = ProjectFacts(
            project_id,
            created,
            owner_index,
            title,
            tech,
            shipped if status is ProjectStatus.SHIPPED else None,
        )
        state.projects.append(project)
        _add_collaborators(state, collaborator_rng, collaborator_ids, project)


def _add_collaborators(state: BuildState, rng: Random, ids: IdMaker, project: ProjectFacts) -> None:
    """0-3 collaborators of ``project`` (never its owner), each invited after both existed."""
    users = state.users
    wanted = min(COLLABORATOR_COUNT.pick(rng), len(users) - 1)
    chosen: list[int] = []
    while len(chosen) < wanted:
        candidate = rng.randrange(len(users))
        if candidate != project.owner and candidate not in chosen:
            chosen.append(candidate)
    owner = users[project.owner]
    for user_index in chosen:
        user = users[user_index]
        invited = moment_between(rng, max(project.created, user.created), state.until_ms, 0.3)
        status = COLLABORATOR_STATUS.pick(rng)
        role = rng.choice(words.COLLABORATOR_ROLES)
        confirmed = None
        if status is CollaboratorStatus.CONFIRMED:
            confirmed = min(invited + int(rng.random() * 14 * DAY_MS), state.until_ms)
            state.events.append(
                PlannedEvent(
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
        state.data.project_collaborators.append(
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

"""The six projects of the prototype landing page, plus the one the feed implies.

``tech_stack`` is a JSON list in the listed order. ``impact_metrics`` holds what a
project card shows, as integers: ``{"users": 1200, "stars": 340}`` for "1.2k users,
340 stars"; "2.1k stars" is 2100. ``github_stars`` repeats the star count.

Each collaboration is a CONFIRMED ``project_collaborators`` row (the owner is not a
collaborator row: ``projects.owner_id`` says who owns it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Final

from tribe_service.enums import CollaboratorStatus, ProjectStatus
from tribe_service.seed.common import SeedContext, insert_rows, row_id
from tribe_service.tables import Project, ProjectCollaborator


@dataclass(frozen=True, slots=True)
class CollaboratorSeed:
    """A confirmed collaborator; ``invited``/``confirmed`` are ages at seeding time."""

    username: str
    role: str
    invited: timedelta
    confirmed: timedelta


@dataclass(frozen=True, slots=True)
class ProjectSeed:
    """One seeded project; ``created``/``updated`` are ages at seeding time."""

    title: str
    owner: str  # username
    status: ProjectStatus
    tech_stack: tuple[str, ...]
    description: str
    role: str
    created: timedelta
    updated: timedelta
    github_stars: int | None = None
    impact_metrics: Mapping[str, int] = field(default_factory=dict)
    github_repo_full_name: str | None = None
    collaborators: tuple[CollaboratorSeed, ...] = ()

    @property
    def links(self) -> dict[str, str]:
        """The repository link, when the project has one."""
        if self.github_repo_full_name is None:
            return {}
        return {"github": f"https://github.com/{self.github_repo_full_name}"}


PROJECTS: Final[tuple[ProjectSeed, ...]] = (
    ProjectSeed(
        title="AI Resume Builder",
        owner="mayachen",
        status=ProjectStatus.SHIPPED,
        tech_stack=("React", "Python", "OpenAI", "PostgreSQL"),
        description="Paste a job post, get a tailored resume and cover letter in seconds.",
        role="Solo builder",
        created=timedelta(days=60),
        updated=timedelta(hours=1),  # shipped: feed event 1
        github_stars=340,
        impact_metrics={"users": 1200, "stars": 340},
        github_repo_full_name="mayachen/ai-resume-builder",
    ),
    ProjectSeed(
        title="Tribe Finder",
        owner="mayachen",
        status=ProjectStatus.IN_PROGRESS,
        tech_stack=("Next.js", "Go", "PostgreSQL"),
        description="Match builders into small teams by skills, goals and availability.",
        role="Full-stack lead",
        created=timedelta(hours=54),
        updated=timedelta(hours=54),
        collaborators=(
            CollaboratorSeed(
                username="priyasharma",
                role="Backend Engineer",
                invited=timedelta(hours=53),
                confirmed=timedelta(hours=52),  # feed event 11
            ),
        ),
    ),
    ProjectSeed(
        title="Open Source CRM",
        owner="davidmorales",
        status=ProjectStatus.IN_PROGRESS,
        tech_stack=("React", "Node.js", "PostgreSQL"),
        description="A lightweight, self-hostable CRM for small teams and solo founders.",
        role="Creator",
        created=timedelta(days=40),
        updated=timedelta(days=40),
        github_stars=89,
        impact_metrics={"stars": 89},
        github_repo_full_name="davidmorales/open-source-crm",
    ),
    ProjectSeed(
        title="Design System Kit",
        owner="jamesokafor",
        status=ProjectStatus.SHIPPED,
        tech_stack=("Figma", "React", "Storybook"),
        description="Figma components and matching React components, documented in Storybook.",
        role="Designer and maintainer",
        created=timedelta(days=45),
        updated=timedelta(hours=84),  # shipped: feed event 14
        github_stars=520,
        impact_metrics={"stars": 520},
        github_repo_full_name="jamesokafor/design-system-kit",
    ),
    ProjectSeed(
        title="ML Pipeline Framework",
        owner="sarahkim",
        status=ProjectStatus.SHIPPED,
        tech_stack=("Python", "TensorFlow", "Docker"),
        description="Composable, reproducible training and serving pipelines for TensorFlow.",
        role="Lead maintainer",
        created=timedelta(days=30),
        updated=timedelta(hours=12),  # shipped: feed event 5
        github_stars=2100,
        impact_metrics={"stars": 2100},
        github_repo_full_name="sarahkim/ml-pipeline-framework",
    ),
    ProjectSeed(
        title="Growth Analytics Dashboard",
        owner="davidmorales",
        status=ProjectStatus.IN_PROGRESS,
        tech_stack=("Next.js", "Python", "Grafana"),
        description="Acquisition, activation and retention metrics in one dashboard.",
        role="Growth lead",
        created=timedelta(hours=26),
        updated=timedelta(hours=26),
        collaborators=(
            CollaboratorSeed(
                username="elenavolkov",
                role="Product Manager",
                invited=timedelta(hours=25),
                confirmed=timedelta(hours=24),  # feed event 7
            ),
        ),
    ),
)


PROJECTS_BY_TITLE: Final[dict[str, ProjectSeed]] = {project.title: project for project in PROJECTS}


async def seed_projects(context: SeedContext) -> None:
    """Insert the projects and their collaborators; fills ``context.project_ids`` (title -> id)."""
    projects = []
    collaborators = []
    for project in PROJECTS:
        created_at = context.ago(project.created)
        project_id = row_id(created_at)
        context.project_ids[project.title] = project_id
        projects.append(
            {
                "id": project_id,
                "owner_id": context.user_ids[project.owner],
                "title": project.title,
                "description": project.description,
                "status": project.status,
                "role": project.role,
                "links": project.links,
                "tech_stack": list(project.tech_stack),
                "impact_metrics": dict(project.impact_metrics),
                "github_repo_full_name": project.github_repo_full_name,
                "github_stars": project.github_stars,
                "created_at": created_at,
                "updated_at": context.ago(project.updated),
            }
        )
        for collaborator in project.collaborators:
            invited_at = context.ago(collaborator.invited)
            collaborators.append(
                {
                    "id": row_id(invited_at),
                    "project_id": project_id,
                    "user_id": context.user_ids[collaborator.username],
                    "role": collaborator.role,
                    "status": CollaboratorStatus.CONFIRMED,
                    "invited_at": invited_at,
                    "confirmed_at": context.ago(collaborator.confirmed),
                }
            )
    await insert_rows(Project, projects)
    await insert_rows(ProjectCollaborator, collaborators)

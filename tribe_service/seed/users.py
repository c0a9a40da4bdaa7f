"""The ten builders of the prototype landing page, with their skills in the listed order.

A builder's skill order is the order of their ``user_skills`` rows by ``added_at``
(their ULID ids sort the same way).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from tribe_service.enums import AvailabilityStatus, UserRole
from tribe_service.seed.common import SeedContext, insert_rows, row_id
from tribe_service.tables import User, UserSkill

# Skills are "added" this far apart after the builder joins, in the listed order.
SKILL_ADDED_STEP: Final = timedelta(minutes=1)


@dataclass(frozen=True, slots=True)
class BuilderSeed:
    """One seeded builder; ``joined`` is how long before the seeding they signed up."""

    username: str
    display_name: str
    headline: str
    builder_score: float
    skills: tuple[str, ...]
    availability_status: AvailabilityStatus
    primary_role: UserRole
    bio: str
    joined: timedelta

    @property
    def email(self) -> str:
        """A fake address: ``first.last@example.com``."""
        return f"{self.display_name.lower().replace(' ', '.')}@example.com"

    @property
    def github_username(self) -> str:
        """The builder's (fake) GitHub login, the same as the username."""
        return self.username

    @property
    def contact_links(self) -> dict[str, str]:
        """Twitter and GitHub profile URLs."""
        return {
            "twitter": f"https://twitter.com/{self.username}",
            "github": f"https://github.com/{self.github_username}",
        }


BUILDERS: Final[tuple[BuilderSeed, ...]] = (
    BuilderSeed(
        username="mayachen",
        display_name="Maya Chen",
        headline="Full-Stack Developer",
        builder_score=72.0,
        skills=("React", "Python", "PostgreSQL", "FastAPI"),
        availability_status=AvailabilityStatus.OPEN_TO_TRIBE,
        primary_role=UserRole.ENGINEER,
        bio=(
            "Full-stack developer who ships fast and iterates faster. Built AI Resume "
            "Builder to 1.2k users; now building Tribe Finder with Priya."
        ),
        joined=timedelta(days=120),
    ),
    BuilderSeed(
        username="jamesokafor",
        display_name="James Okafor",
        headline="Product Designer",
        builder_score=58.0,
        skills=("Figma", "UI/UX", "Prototyping"),
        availability_status=AvailabilityStatus.JUST_BROWSING,
        primary_role=UserRole.DESIGNER,
        bio=(
            "Product designer obsessed with systems that scale. Maintainer of Design "
            "System Kit; designing for Hospitality OS."
        ),
        joined=timedelta(days=110),
    ),
    BuilderSeed(
        username="priyasharma",
        display_name="Priya Sharma",
        headline="Backend Engineer",
        builder_score=65.0,
        skills=("Go", "Kubernetes", "gRPC"),
        availability_status=AvailabilityStatus.OPEN_TO_TRIBE,
        primary_role=UserRole.ENGINEER,
        bio=(
            "Backend engineer who likes boring, reliable infrastructure. Writing the "
            "matching service behind Tribe Finder."
        ),
        joined=timedelta(days=100),
    ),
    BuilderSeed(
        username="davidmorales",
        display_name="David Morales",
        headline="Growth Marketer",
        builder_score=45.0,
        skills=("SEO", "Analytics", "Content Strategy"),
        availability_status=AvailabilityStatus.AVAILABLE_FOR_PROJECTS,
        primary_role=UserRole.MARKETER,
        bio=(
            "Growth marketer who codes a little. Building an open-source CRM and a "
            "growth analytics dashboard with Elena."
        ),
        joined=timedelta(days=90),
    ),
    BuilderSeed(
        username="sarahkim",
        display_name="Sarah Kim",
        headline="ML Engineer",
        builder_score=71.0,
        skills=("Python", "TensorFlow", "Data Engineering"),
        availability_status=AvailabilityStatus.OPEN_TO_TRIBE,
        primary_role=UserRole.ENGINEER,
        bio=(
            "ML engineer turning research into production pipelines. Author of ML "
            "Pipeline Framework; leading AI for Education."
        ),
        joined=timedelta(days=80),
    ),
    BuilderSeed(
        username="alexrivera",
        display_name="Alex Rivera",
        headline="Frontend Developer",
        builder_score=38.0,
        skills=("React", "TypeScript", "Next.js"),
        availability_status=AvailabilityStatus.JUST_BROWSING,
        primary_role=UserRole.ENGINEER,
        bio="Frontend developer new to the community, looking around and starting small.",
        joined=timedelta(hours=72),  # the feed's "Alex joined as builder"
    ),
    BuilderSeed(
        username="elenavolkov",
        display_name="Elena Volkov",
        headline="Product Manager",
        builder_score=52.0,
        skills=("Roadmapping", "Analytics", "User Stories"),
        availability_status=AvailabilityStatus.AVAILABLE_FOR_PROJECTS,
        primary_role=UserRole.PM,
        bio=(
            "Product manager who turns fuzzy ideas into roadmaps. Running Creator "
            "Economy Tools and co-building Growth Analytics Dashboard."
        ),
        joined=timedelta(days=70),
    ),
    BuilderSeed(
        username="marcusjohnson",
        display_name="Marcus Johnson",
        headline="DevOps Engineer",
        builder_score=61.0,
        skills=("Docker", "Kubernetes", "AWS", "CI/CD"),
        availability_status=AvailabilityStatus.AVAILABLE_FOR_PROJECTS,
        primary_role=UserRole.ENGINEER,
        bio="DevOps engineer who automates everything twice. Keeping Creator Economy Tools up.",
        joined=timedelta(days=60),
    ),
    BuilderSeed(
        username="aishapatel",
        display_name="Aisha Patel",
        headline="UX Researcher",
        builder_score=44.0,
        skills=("User Research", "Prototyping", "Analytics"),
        availability_status=AvailabilityStatus.OPEN_TO_TRIBE,
        primary_role=UserRole.DESIGNER,
        bio="UX researcher who talks to users before anyone writes code. Looking for a tribe.",
        joined=timedelta(hours=96),  # the feed's "Aisha joined as builder"
    ),
    BuilderSeed(
        username="tomnakamura",
        display_name="Tom Nakamura",
        headline="Founder/Engineer",
        builder_score=68.0,
        skills=("Python", "React", "PostgreSQL", "AWS"),
        availability_status=AvailabilityStatus.OPEN_TO_TRIBE,
        primary_role=UserRole.FOUNDER,
        bio=(
            "Founder and engineer, formerly in hotel operations. Building Hospitality "
            "OS and recruiting a tribe for it."
        ),
        joined=timedelta(days=50),
    ),
)

BUILDERS_BY_USERNAME: Final[dict[str, BuilderSeed]] = {
    builder.username: builder for builder in BUILDERS
}


async def seed_users(context: SeedContext) -> None:
    """Insert the builders and their skills; fills ``context.user_ids`` (username -> id)."""
    users = []
    user_skills = []
    for builder in BUILDERS:
        joined_at = context.ago(builder.joined)
        user_id = row_id(joined_at)
        context.user_ids[builder.username] = user_id
        users.append(
            {
                "id": user_id,
                "email": builder.email,
                "username": builder.username,
                "display_name": builder.display_name,
                "headline": builder.headline,
                "primary_role": builder.primary_role,
                "availability_status": builder.availability_status,
                "builder_score": builder.builder_score,
                "bio": builder.bio,
                "contact_links": builder.contact_links,
                "github_username": builder.github_username,
                "onboarding_completed": True,
                "created_at": joined_at,
                "updated_at": joined_at,
            }
        )
        for position, skill in enumerate(builder.skills):
            added_at = joined_at + position * SKILL_ADDED_STEP
            user_skills.append(
                {
                    "id": row_id(added_at),
                    "user_id": user_id,
                    "skill_id": context.skill_ids[skill],
                    "added_at": added_at,
                }
            )
    await insert_rows(User, users)
    await insert_rows(UserSkill, user_skills)

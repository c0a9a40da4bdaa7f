"""The skill taxonomy: 100 skills in the eight categories, each name and slug unique.

The spec's lists come first in each category, in its order; a few skills follow that
the seeded builders, tech stacks and open roles name (OpenAI, Storybook, Grafana,
TensorFlow, ...), then some common ones to round the taxonomy out. "Analytics" is
listed by the spec under both PRODUCT and DATA; names are unique, so it is one skill,
in PRODUCT (its first listing).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from tribe_service.enums import SkillCategory
from tribe_service.ids import new_ulid
from tribe_service.seed.common import SeedContext, insert_rows
from tribe_service.tables import Skill

# Slugs that the generic rule below would make ambiguous or ugly.
_SLUG_OVERRIDES: Final[dict[str, str]] = {"C++": "cpp", "C#": "csharp"}


def slugify(name: str) -> str:
    """A skill's slug: lower case, dots dropped, other runs of symbols made one ``-``.

    ``Next.js`` -> ``nextjs``, ``UI/UX`` -> ``ui-ux``, ``Python (Data)`` -> ``python-data``.
    """
    if name in _SLUG_OVERRIDES:
        return _SLUG_OVERRIDES[name]
    return re.sub(r"[^a-z0-9]+", "-", name.lower().replace(".", "")).strip("-")


@dataclass(frozen=True, slots=True)
class SkillSeed:
    """One skill of the taxonomy."""

    name: str
    category: SkillCategory

    @property
    def slug(self) -> str:
        """The URL-safe, unique slug."""
        return slugify(self.name)


SKILL_NAMES_BY_CATEGORY: Final[dict[SkillCategory, tuple[str, ...]]] = {
    SkillCategory.ENGINEERING: (
        "Python",
        "JavaScript",
        "TypeScript",
        "React",
        "Next.js",
        "Node.js",
        "Go",
        "Rust",
        "PostgreSQL",
        "FastAPI",
        "GraphQL",
        "Docker",
        "Kubernetes",
        "AWS",
        "gRPC",
        "Redis",
        "Storybook",
        "Django",
        "Vue.js",
        "React Native",
        "Swift",
        "Kotlin",
        "Java",
        "Tailwind CSS",
        "MongoDB",
        "GCP",
        "Terraform",
        "REST APIs",
    ),
    SkillCategory.DESIGN: (
        "Figma",
        "UI/UX",
        "Prototyping",
        "Design Systems",
        "User Research",
        "Interaction Design",
        "Visual Design",
        "Motion Design",
        "Wireframing",
        "Usability Testing",
        "Accessibility",
        "Illustration",
    ),
    SkillCategory.PRODUCT: (
        "Product Strategy",
        "Roadmapping",
        "User Stories",
        "Analytics",
        "A/B Testing",
        "Product Discovery",
        "Market Research",
        "Customer Interviews",
        "Prioritization",
        "Pricing Strategy",
    ),
    SkillCategory.MARKETING: (
        "Content Strategy",
        "SEO",
        "Social Media",
        "Brand Design",
        "Copywriting",
        "Email Marketing",
        "Content Marketing",
        "Product Marketing",
        "Public Relations",
        "Marketing Automation",
    ),
    SkillCategory.GROWTH: (
        "Growth Hacking",
        "Paid Acquisition",
        "Partnerships",
        "Community Building",
        "Funnel Optimization",
        "Retention",
        "Referral Programs",
        "Conversion Rate Optimization",
        "Lifecycle Marketing",
        "Sales",
    ),
    SkillCategory.DATA: (
        "Machine Learning",
        "Data Engineering",
        "SQL",
        "Python (Data)",
        "Visualization",
        "TensorFlow",
        "PyTorch",
        "OpenAI",
        "Deep Learning",
        "NLP",
        "Data Analysis",
        "Statistics",
    ),
    SkillCategory.OPERATIONS: (
        "Project Management",
        "Agile",
        "DevOps",
        "CI/CD",
        "Technical Writing",
        "Grafana",
        "Monitoring",
        "Scrum",
        "Incident Management",
        "Process Design",
    ),
    SkillCategory.OTHER: (
        "Public Speaking",
        "Fundraising",
        "Legal",
        "Recruiting",
        "Mentoring",
        "Finance",
        "Customer Support",
        "Entrepreneurship",
    ),
}

SKILLS: Final[tuple[SkillSeed, ...]] = tuple(
    SkillSeed(name=name, category=category)
    for category, names in SKILL_NAMES_BY_CATEGORY.items()
    for name in names
)

SKILL_NAMES: Final[frozenset[str]] = frozenset(skill.name for skill in SKILLS)


async def seed_skills(context: SeedContext) -> None:
    """Insert the taxonomy; fills ``context.skill_ids`` (name -> id)."""
    rows = []
    for skill in SKILLS:
        skill_id = new_ulid()
        context.skill_ids[skill.name] = skill_id
        rows.append(
            {"id": skill_id, "name": skill.name, "slug": skill.slug, "category": skill.category}
        )
    await insert_rows(Skill, rows)

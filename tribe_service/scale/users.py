"""Builders (``users``) and their skills (``user_skills``).

Streams: ``users``, ``user-ids`` and ``user-skill-ids``.
"""

from __future__ import annotations

from random import Random

from tribe_service.embeddings import BuilderProfile
from tribe_service.enums import SkillCategory, UserRole
from tribe_service.scale import vocabulary as words
from tribe_service.scale.dataset import SCALE_EMAIL_DOMAIN
from tribe_service.scale.records import USER_SKILLS, to_json
from tribe_service.scale.slugs import slugify
from tribe_service.scale.state import BuildState, UserFacts
from tribe_service.scale.streams import SPAN_MS, moment_between, to_datetime
from tribe_service.scale.weights import AVAILABILITY, ROLES


def add_users(state: BuildState) -> None:
    """Add ``counts.users`` builders, each with 2-6 skills, to ``state``."""
    rng = state.stream("users")
    ids = state.ids("user-ids")
    skill_ids = state.ids("user-skill-ids")
    data = state.data
    for index in range(state.counts.users):
        role = ROLES.pick(rng)
        first, last = rng.choice(words.FIRST_NAMES), rng.choice(words.LAST_NAMES)
        username = f"{slugify(first)}.{slugify(last)}{index + 1}"
        # Sign-ups grow over the year: more recent moments are likelier.
        created = state.until_ms - int(SPAN_MS * rng.random() ** 1.5)
        updated = moment_between(rng, created, state.until_ms)
        user_id = ids.at(created)
        skills = _pick_skills(state, rng, role)
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
                "github_id": None,  # scale builders never signed in with GitHub
                "onboarding_completed": rng.random() < 0.9,
            }
        )
        held = [name for name in skills if name in state.skill_ids]
        data.user_profiles.append(BuilderProfile(tuple(held), role.value, headline, bio))
        for position, name in enumerate(skills):
            skill_id = state.skill_ids.get(name)
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
        state.users.append(
            UserFacts(user_id, created, f"{first} {last}", headline, role, skills, github),
        )


def _pick_skills(state: BuildState, rng: Random, role: UserRole) -> list[str]:
    """2-6 distinct skill names, mostly of the role's categories."""
    categories = words.ROLE_CATEGORIES[role]
    chosen = [rng.choice(state.skills_by_category[categories[0]])]
    wanted = rng.randint(2, 6)
    while len(chosen) < wanted:
        if rng.random() < 0.75:  # mostly the role's categories, the first above all
            category = categories[int(rng.random() ** 2 * len(categories))]
        else:
            category = rng.choice(list(SkillCategory))
        name = rng.choice(state.skills_by_category[category])
        if name not in chosen:
            chosen.append(name)
    return chosen

"""Embeddings: the hashing embedder, the triggers that clear stale vectors, and the fillers
(two at once on one database, and the app's background one)."""

from __future__ import annotations

import asyncio
import math

import pytest

from tribe_service.config import load_settings
from tribe_service.embeddings import BuilderProfile, ProjectProfile, embedder_for, store
from tribe_service.embeddings.filler import BackgroundFiller, fill_missing_embeddings
from tribe_service.embeddings.hashing import HashingEmbedder, builder_vector, project_vector
from tribe_service.ids import new_ulid
from tribe_service.tables import Project, Skill, User, UserSkill

MAYA = BuilderProfile(
    skills=("React", "Python", "PostgreSQL", "FastAPI"),
    primary_role="engineer",
    headline="Full-Stack Developer",
    bio="Full-stack developer who ships fast.",
)


def cosine(a, b) -> float:
    return sum(x * y for x, y in zip(a.to_list(), b.to_list(), strict=True))


# --- the embedder ------------------------------------------------------------------------


def test_vectors_are_1536_dimensional_unit_vectors():
    for vector in (builder_vector(MAYA), project_vector(ProjectProfile(title="x")),
                   builder_vector(BuilderProfile())):  # fmt: skip
        values = vector.to_list()
        assert len(values) == 1536
        assert math.isclose(math.fsum(v * v for v in values), 1.0, rel_tol=1e-5)


def test_vectors_are_deterministic_and_case_blind_for_skills():
    assert builder_vector(MAYA) == builder_vector(MAYA)
    lower = BuilderProfile(
        skills=("react", "python", "postgresql", "fastapi"),
        primary_role="engineer",
        headline="full-stack developer",
        bio="FULL-STACK DEVELOPER WHO SHIPS FAST.",
    )
    assert builder_vector(lower) == builder_vector(MAYA)


def test_shared_skills_weigh_more_than_shared_words():
    same_skills = BuilderProfile(skills=MAYA.skills, headline="Gardener")
    same_words = BuilderProfile(skills=("Figma",), headline=MAYA.headline, bio=MAYA.bio)
    assert cosine(builder_vector(MAYA), builder_vector(same_skills)) > cosine(
        builder_vector(MAYA), builder_vector(same_words)
    )


def test_builders_and_projects_share_the_skill_space():
    project = project_vector(ProjectProfile(tech_stack=("React", "Python"), title="Resume tool"))
    unrelated = project_vector(ProjectProfile(tech_stack=("Figma",), title="Poster kit"))
    assert cosine(builder_vector(MAYA), project) > cosine(builder_vector(MAYA), unrelated)


def test_the_setting_selects_the_hashing_embedder():
    assert isinstance(embedder_for(load_settings({"EMBEDDER": "hashing"})), HashingEmbedder)


# --- stale-embedding triggers ------------------------------------------------------------


async def embedding_of(table, **where) -> list[float] | None:
    column = next(iter(where))
    [row] = await table.select(table.embedding).where(getattr(table, column) == where[column])
    return row["embedding"]


@pytest.mark.usefixtures("seeded")
@pytest.mark.parametrize(
    ("change", "cleared"),
    [
        ({User.headline: "Gardener"}, True),
        ({User.bio: "New bio"}, True),
        ({User.primary_role: "designer"}, True),
        ({User.builder_score: 99.0}, False),
        ({User.headline: "Full-Stack Developer"}, False),  # the same value: still fresh
    ],
)
async def test_a_change_to_a_builders_source_clears_only_that_embedding(engine, change, cleared):
    async with engine.transaction() as transaction:
        await User.update(change).where(User.username == "mayachen")
        maya = await embedding_of(User, username="mayachen")
        tom = await embedding_of(User, username="tomnakamura")
        await transaction.rollback()
    assert (maya is None) is cleared
    assert tom is not None


@pytest.mark.usefixtures("seeded")
async def test_adding_removing_or_renaming_a_skill_clears_the_holders_embeddings(engine):
    [maya] = await User.select(User.id).where(User.username == "mayachen")
    [figma] = await Skill.select(Skill.id).where(Skill.name == "Figma")
    async with engine.transaction() as transaction:
        await UserSkill.insert(UserSkill(user_id=maya["id"], skill_id=figma["id"]))
        assert await embedding_of(User, username="mayachen") is None
        assert await embedding_of(User, username="tomnakamura") is not None
        await transaction.rollback()
    async with engine.transaction() as transaction:
        await UserSkill.delete().where(UserSkill.user_id == maya["id"])
        assert await embedding_of(User, username="mayachen") is None
        await transaction.rollback()
    async with engine.transaction() as transaction:
        await Skill.update({Skill.name: "PostgreSQL 16"}).where(Skill.name == "PostgreSQL")
        assert await embedding_of(User, username="mayachen") is None  # holds PostgreSQL
        assert await embedding_of(User, username="tomnakamura") is None  # so does Tom
        assert await embedding_of(User, username="jamesokafor") is not None
        await transaction.rollback()


@pytest.mark.usefixtures("seeded")
async def test_a_change_to_a_projects_source_clears_its_embedding(engine):
    for change in (
        {Project.tech_stack: ["Rust"]},
        {Project.title: "X"},
        {Project.description: "Y"},
    ):
        async with engine.transaction() as transaction:
            await Project.update(change).where(Project.title == "Tribe Finder")
            assert (
                await embedding_of(Project, title=change.get(Project.title, "Tribe Finder")) is None
            )
            assert await embedding_of(Project, title="Open Source CRM") is not None
            await transaction.rollback()
    async with engine.transaction() as transaction:
        await Project.update({Project.github_stars: 5}).where(Project.title == "Tribe Finder")
        assert await embedding_of(Project, title="Tribe Finder") is not None
        await transaction.rollback()


# --- fillers -----------------------------------------------------------------------------

EXTRA_BUILDERS = 400


@pytest.fixture
async def builders_without_embeddings(seeded):
    """Extra builders with a skill and no embedding; removed afterwards."""
    skills = await Skill.select(Skill.id, Skill.name).order_by(Skill.name).limit(5)
    users = [
        User(
            id=new_ulid(),
            email=f"filler{i}@example.com",
            username=f"filler{i}",
            display_name=f"Filler {i}",
            headline=f"Builder number {i}",
            primary_role="engineer",
        )
        for i in range(EXTRA_BUILDERS)
    ]
    await User.insert(*users)
    await UserSkill.insert(
        *(UserSkill(user_id=u.id, skill_id=skills[i % 5]["id"]) for i, u in enumerate(users))
    )
    names = {u.id: skills[i % 5]["name"] for i, u in enumerate(users)}
    try:
        yield names
    finally:
        await User.delete().where(User.email.like("filler%@example.com"))
        # Deleted rows stay in the HNSW graph until a vacuum; 400 near-identical ones can
        # cut seeded builders off from their neighbours, for the tests that follow.
        await User.raw("VACUUM users")


async def test_two_fillers_at_once_fill_every_row_exactly_once(engine, builders_without_embeddings):
    expected = builders_without_embeddings
    missing = (await store.count_missing_embeddings(engine))["users"]
    assert missing >= EXTRA_BUILDERS
    embedder = HashingEmbedder()
    reports = await asyncio.wait_for(
        asyncio.gather(
            fill_missing_embeddings(engine, embedder, batch_size=7),
            fill_missing_embeddings(engine, embedder, batch_size=11),
        ),
        timeout=60,  # a deadlock would hang here
    )
    assert sum(report.users for report in reports) == missing
    assert all(report.users > 0 for report in reports)  # both really worked
    assert (await store.count_missing_embeddings(engine))["users"] == 0
    rows = await User.select(User.id, User.headline, User.embedding).where(
        User.id.is_in(list(expected))
    )
    for row in rows:
        profile = BuilderProfile(
            skills=(expected[row["id"]],), primary_role="engineer", headline=row["headline"]
        )
        assert row["embedding"] == pytest.approx(builder_vector(profile).to_list())


async def test_the_background_filler_fills_new_rows_and_stops_cleanly(
    engine, builders_without_embeddings
):
    filler = BackgroundFiller(engine, HashingEmbedder(), interval=0.05)
    await filler.start()
    try:
        for _ in range(200):
            if (await store.count_missing_embeddings(engine))["users"] == 0:
                break
            await asyncio.sleep(0.05)
        assert (await store.count_missing_embeddings(engine))["users"] == 0
        task = filler._task
    finally:
        await filler.stop()
    assert task is not None and task.done()
    await filler.stop()  # stopping twice is harmless

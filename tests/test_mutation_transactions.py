"""A mutation's transaction: committed only when the whole operation succeeded, and closed
to any statement still running when it ends.

These run without a surrounding test transaction (the mutation's own must decide), on
the shared seeded database: each asserts that nothing was written, so a failure would
show as a leftover row named by the test.
"""

from __future__ import annotations

import asyncio

import pytest

from tribe_service.config import load_settings
from tribe_service.engine import TransactionEndedError
from tribe_service.graphql.context import Context
from tribe_service.graphql.schema import build_schema

pytestmark = pytest.mark.usefixtures("seeded")

SCHEMAS = {
    compiled: build_schema(load_settings({"ENVIRONMENT": "test"}), compiled=compiled)
    for compiled in (True, False)
}
# A valid write whose payload selection is refused after it: `first: 0` below the row.
CREATE_THEN_BAD_PAGE = """
mutation Create($input: CreateProjectInput!) {
  createProject(input: $input) {
    project { title owner { projects(first: 0) { title } } }
    userErrors { code }
  }
}"""


async def _user_id(engine, username: str) -> str:
    rows = await engine.fetch("SELECT id FROM users WHERE username = $1", username)
    return str(rows[0]["id"])


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "resolvers"])
async def test_an_error_after_the_write_rolls_it_back_and_answers_no_data(engine, compiled):
    title = f"Rolled back {compiled}"
    context = Context(
        request=None,  # type: ignore[arg-type]
        response=None,  # type: ignore[arg-type]
        engine=engine,
        current_user_id=await _user_id(engine, "mayachen"),
    )
    result = await SCHEMAS[compiled].execute(
        CREATE_THEN_BAD_PAGE, {"input": {"title": title}}, context_value=context
    )
    assert result.data is None
    assert [e.extensions["code"] for e in result.errors or []] == ["INVALID_PAGE_SIZE"]
    found = await engine.fetch("SELECT count(*) FROM projects WHERE title = $1", title)
    assert found[0][0] == 0  # the project and, with it, its feed event were rolled back


async def test_a_statement_still_running_when_its_transaction_ends_is_refused(engine):
    """A field left running (graphql-core lets siblings run on after one fails) cannot reach
    the connection once the transaction ended, so it cannot run in the next request's."""
    release = asyncio.Event()
    transaction = engine.transaction()
    await transaction.__aenter__()

    async def straggler() -> object:
        await release.wait()
        return await engine.fetch("SELECT 1")

    task = asyncio.create_task(straggler())  # copies the context: the transaction with it
    await engine.end_transaction(transaction)
    await transaction.__aexit__(None, None, None)
    release.set()
    with pytest.raises(TransactionEndedError):
        await task
    # The connection went back to the pool clean: the next transaction works as usual.
    async with engine.transaction():
        assert (await engine.fetch("SELECT 1"))[0][0] == 1


async def test_ending_waits_for_the_statement_in_flight(engine):
    transaction = engine.transaction()
    await transaction.__aenter__()
    running = asyncio.create_task(engine.fetch("SELECT pg_sleep(0.2), 1"))
    await asyncio.sleep(0.05)  # the statement holds the connection now
    await engine.end_transaction(transaction)
    assert running.done()  # ending waited for it rather than racing it to COMMIT
    assert (await running)[0][1] == 1
    await transaction.__aexit__(None, None, None)


KILLED_AT_COMMIT = "Killed at commit"


@pytest.fixture
async def backend_killed_at_commit(engine):
    """A deferred trigger that ends its own server process at COMMIT, for one title."""
    await engine.fetch(
        "CREATE FUNCTION test_kill_at_commit() RETURNS trigger LANGUAGE plpgsql AS"
        " $$ BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NULL; END $$"
    )
    await engine.fetch(
        "CREATE CONSTRAINT TRIGGER test_kill_at_commit AFTER INSERT ON projects"
        " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW"
        f" WHEN (NEW.title = '{KILLED_AT_COMMIT}') EXECUTE FUNCTION test_kill_at_commit()"
    )
    try:
        yield
    finally:
        await engine.fetch("DROP TRIGGER test_kill_at_commit ON projects")
        await engine.fetch("DROP FUNCTION test_kill_at_commit()")


@pytest.mark.usefixtures("backend_killed_at_commit")
async def test_a_commit_that_fails_answers_database_unavailable_not_the_payload(engine):
    """The payload was read in the transaction, then COMMIT lost its server: the client
    must not be told the project exists (it does not); it may retry with its key."""
    context = Context(
        request=None,  # type: ignore[arg-type]
        response=None,  # type: ignore[arg-type]
        engine=engine,
        current_user_id=await _user_id(engine, "mayachen"),
    )
    result = await SCHEMAS[True].execute(
        "mutation Create($input: CreateProjectInput!) {"
        " createProject(input: $input) { project { id } userErrors { code } } }",
        {"input": {"title": KILLED_AT_COMMIT}},
        context_value=context,
    )
    assert result.data is None
    assert [e.extensions["code"] for e in result.errors or []] == ["DATABASE_UNAVAILABLE"]
    found = await engine.fetch("SELECT count(*) FROM projects WHERE title = $1", KILLED_AT_COMMIT)
    assert found[0][0] == 0
    # The dead connection went back to the pool (replaced), not kept: the pool still serves.
    assert engine.pool is None or engine.pool.get_size() - engine.pool.get_idle_size() == 0

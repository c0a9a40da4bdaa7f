"""Trusted documents: production answers only the frontend's operations, by hash."""

from __future__ import annotations

import json
import subprocess
import sys

import httpx
import pytest

from tests.conftest import REPO_ROOT
from tribe_service.app import create_app
from tribe_service.config import load_settings
from tribe_service.graphql.client_operations import LANDING_PAGE_QUERY, operation_names
from tribe_service.graphql.trusted_documents import document_hash, manifest

pytestmark = pytest.mark.usefixtures("seeded")

HEALTH_PAGE = "query HealthPage { health }"
FEED_PAGE = "query FeedPage($first: Int!) { feed(first: $first) { nodes { id } } }"


def persisted(text: str) -> dict:
    return {"persistedQuery": {"version": 1, "sha256Hash": document_hash(text)}}


@pytest.fixture
def manifest_path(tmp_path):
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest([("HealthPage", HEALTH_PAGE), ("FeedPage", FEED_PAGE)])))
    return path


def client_for(engine, **environ: str) -> httpx.AsyncClient:
    settings = load_settings({"ENVIRONMENT": "production", "ALLOWED_HOSTS": "api.test", **environ})
    transport = httpx.ASGITransport(app=create_app(settings, engine))
    return httpx.AsyncClient(transport=transport, base_url="http://api.test")


async def test_production_with_a_manifest_answers_a_listed_hash(engine, manifest_path):
    async with client_for(engine, TRUSTED_DOCUMENTS=str(manifest_path)) as client:
        response = await client.post(
            "/graphql", json={"extensions": persisted(FEED_PAGE), "variables": {"first": 2}}
        )
    assert response.status_code == 200
    assert len(response.json()["data"]["feed"]["nodes"]) == 2


async def test_production_with_a_manifest_answers_get_by_hash(engine, manifest_path):
    async with client_for(engine, TRUSTED_DOCUMENTS=str(manifest_path)) as client:
        response = await client.get(
            "/graphql", params={"extensions": json.dumps(persisted(HEALTH_PAGE))}
        )
    assert response.status_code == 200
    assert response.json()["data"] == {"health": "ok"}


async def test_production_with_a_manifest_refuses_free_text(engine, manifest_path):
    async with client_for(engine, TRUSTED_DOCUMENTS=str(manifest_path)) as client:
        response = await client.post("/graphql", json={"query": "{ health }"})
        unknown = await client.post("/graphql", json={"extensions": persisted("{ health }")})
        get_text = await client.get("/graphql", params={"query": HEALTH_PAGE})
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "PERSISTED_QUERY_NOT_IN_LIST"
    assert unknown.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert get_text.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_IN_LIST"


async def test_production_with_a_manifest_answers_the_exact_listed_text(engine, manifest_path):
    async with client_for(engine, TRUSTED_DOCUMENTS=str(manifest_path)) as client:
        response = await client.post("/graphql", json={"query": HEALTH_PAGE})
    assert response.json() == {"data": {"health": "ok"}}


async def test_production_without_a_manifest_refuses_get_queries(engine):
    async with client_for(engine) as client:
        get = await client.get("/graphql", params={"query": "{ health }"})
        post = await client.post("/graphql", json={"query": "{ health }"})
    assert get.status_code in (400, 405)
    assert post.json() == {"data": {"health": "ok"}}


async def test_a_hash_that_does_not_match_the_text_is_refused(client):
    response = await client.post(
        "/graphql", json={"query": "{ health }", "extensions": persisted(HEALTH_PAGE)}
    )
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "PERSISTED_QUERY_HASH_MISMATCH"


async def test_a_hash_with_its_text_runs_without_a_manifest(client):
    response = await client.post(
        "/graphql", json={"query": HEALTH_PAGE, "extensions": persisted(HEALTH_PAGE)}
    )
    assert response.json() == {"data": {"health": "ok"}}


def test_a_manifest_whose_hash_does_not_match_stops_start_up(tmp_path, engine):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"0" * 64: HEALTH_PAGE}))
    settings = load_settings({"ENVIRONMENT": "production", "TRUSTED_DOCUMENTS": str(path)})
    with pytest.raises(SystemExit, match="TRUSTED_DOCUMENTS"):
        create_app(settings, engine)


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "tribe_service.graphql.trusted_documents", "build", *args]
    return subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=False)


def test_the_cli_builds_the_manifest_of_the_clients_operations(tmp_path):
    output = tmp_path / "manifest.json"
    result = run_cli("--output", str(output))
    assert result.returncode == 0, result.stderr
    built = json.loads(output.read_text())
    assert built["format"] == "apollo-persisted-query-manifest"
    names = {op["name"]: op for op in built["operations"]}
    assert set(names) == set(operation_names())
    landing = names["LandingPage"]
    assert landing["body"] == LANDING_PAGE_QUERY  # what the tests and benchmarks send
    assert landing["id"] == document_hash(LANDING_PAGE_QUERY)


def test_the_cli_reads_a_directory_of_operations_and_fragments(tmp_path):
    (tmp_path / "Health.graphql").write_text(HEALTH_PAGE)
    (tmp_path / "Feed.graphql").write_text(
        "query Feed($first: Int!) { feed(first: $first) { nodes { ...Event } } }"
    )
    (tmp_path / "Event.graphql").write_text("fragment Event on FeedEvent { id }")
    result = run_cli(str(tmp_path))
    assert result.returncode == 0, result.stderr
    built = json.loads(result.stdout)
    bodies = {op["name"]: op["body"] for op in built["operations"]}
    assert set(bodies) == {"HealthPage", "Feed"}
    assert "fragment Event on FeedEvent" in bodies["Feed"]


def test_the_cli_refuses_an_invalid_or_too_costly_operation(tmp_path):
    (tmp_path / "Bad.graphql").write_text("query Bad { nosuchfield }")
    (tmp_path / "Costly.graphql").write_text(
        "query Costly { builders(first: 100) { nodes { projects(first: 100) {"
        " collaborators(first: 100) { user { id } } } } } }"
    )
    result = run_cli(str(tmp_path))
    assert result.returncode == 1
    assert "nosuchfield" in result.stderr
    assert "MAX_QUERY_COST" in result.stderr
    assert "Traceback" not in result.stderr


def test_docs_show_the_current_costs_of_the_clients_operations():
    from tribe_service.graphql.trusted_documents import cost_table

    assert cost_table() in (REPO_ROOT / "docs" / "limits.md").read_text()

"""A real Prometheus scrapes the app running with two workers (multiprocess mode).

After a known sequence of requests, Prometheus's query API must return exactly
the expected counts and histogram buckets, added up over both workers.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import msgspec
import pytest
from graphql import get_operation_ast, parse

from harness.server import NO_RATE_LIMIT, ServerProcess, uvicorn_server
from tests.real_servers import Prometheus, prometheus_server
from tests.test_operations_docs import dashboard_expressions
from tribe_service.config import Settings
from tribe_service.graphql.client_operations import LANDING_PAGE_QUERY
from tribe_service.graphql.cost import operation_cost
from tribe_service.graphql.schema import build_schema
from tribe_service.graphql.trusted_documents import build as build_manifest
from tribe_service.observability.metrics import COST_BUCKETS

WORKERS = 2
METRICS_TOKEN = "scrape-secret"
# The landing page renamed: the same work, but not a trusted document's text.
UNTRUSTED_LANDING = LANDING_PAGE_QUERY.replace("query LandingPage", "query MyOwnLandingPage")
VARIABLES = {"first": 5}
SETTLE_TIMEOUT_SECONDS = 60.0


@pytest.fixture(scope="module")
def app_server(
    database_url: str, seeded: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    """``just serve`` with 2 workers, metrics shared through a multiprocess directory."""
    directory = tmp_path_factory.mktemp("metrics")
    manifest = directory / "trusted-documents.json"
    document, problems = build_manifest()
    assert not problems, problems
    manifest.write_bytes(msgspec.json.encode(document))
    multiprocess_dir = directory / "multiprocess"
    multiprocess_dir.mkdir()
    env = {
        **NO_RATE_LIMIT,
        "DATABASE_URL": database_url,
        "TRUSTED_DOCUMENTS": str(manifest),
        "PROMETHEUS_MULTIPROC_DIR": str(multiprocess_dir),
        "METRICS_TOKEN": METRICS_TOKEN,
        "MAX_QUERY_COST": "2000",
    }
    with uvicorn_server("tribe_service.app:app", workers=WORKERS, env=env) as server:
        server.multiprocess_dir = multiprocess_dir  # type: ignore[attr-defined]
        yield server


def _serving_pids(directory: Path) -> set[str]:
    """Processes that have counted a request (prometheus-client writes counter_<pid>.db)."""
    return {path.stem.split("_")[-1] for path in directory.glob("counter_*.db")}


def _post(port: int, query: str, variables: dict[str, Any] | None = None) -> httpx.Response:
    """One request on a new connection, so that the kernel hands it to either worker."""
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        return client.post("/graphql", json={"query": query, "variables": variables or {}})


def _settled(
    prometheus: Prometheus, expression: str, labels: tuple[str, ...], expected: Any
) -> Any:
    """Prometheus's answer once it matches ``expected`` (scrapes land every second), else the last."""
    deadline = time.monotonic() + SETTLE_TIMEOUT_SECONDS
    while True:
        values = prometheus.values(expression, *labels)
        if values == expected or time.monotonic() > deadline:
            return values
        time.sleep(0.5)


def _landing_cost(variables: dict[str, Any]) -> int:
    """What the cost limit estimates for the landing page with these variables."""
    document = parse(LANDING_PAGE_QUERY)
    operation = get_operation_ast(document)
    assert operation is not None
    return operation_cost(build_schema(Settings())._schema, document, operation, variables)


async def _missing_embeddings(database_url: str) -> dict[str, int]:
    connection = await asyncpg.connect(database_url)
    try:
        row = await connection.fetchrow(
            "SELECT (SELECT count(*) FROM users WHERE embedding IS NULL) AS users,"
            " (SELECT count(*) FROM projects WHERE embedding IS NULL) AS projects"
        )
    finally:
        await connection.close()
    return {"users": row["users"], "projects": row["projects"]}


def test_metrics_need_the_token(app_server: ServerProcess):
    url = f"http://127.0.0.1:{app_server.port}/metrics"
    assert httpx.get(url).status_code == 401
    assert httpx.get(url, headers={"Authorization": "Bearer wrong"}).status_code == 401
    answer = httpx.get(url, headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert answer.status_code == 200
    assert "tribe_db_pool_connections" in answer.text


def test_prometheus_sees_exact_counts_from_both_workers(
    app_server: ServerProcess, database_url: str, tmp_path: Path
):
    port = app_server.port
    multiprocess_dir: Path = app_server.multiprocess_dir  # type: ignore[attr-defined]
    cost = _landing_cost(VARIABLES)
    assert cost < 2000 < cost * 4  # the landing page runs; four of its lists do not

    # Trusted landing pages on new connections until both workers have served some.
    landings = 0
    while len(_serving_pids(multiprocess_dir)) < WORKERS or landings < 4:
        assert landings < 200, "the kernel never handed a connection to the second worker"
        response = _post(port, LANDING_PAGE_QUERY, VARIABLES)
        assert response.status_code == 200 and "errors" not in response.json(), response.text
        landings += 1
    untrusted = 3
    for _ in range(untrusted):
        assert "errors" not in _post(port, UNTRUSTED_LANDING, VARIABLES).json()
    syntax = _post(port, "{ builders(first: 1) {").json()
    assert syntax["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    too_big = _post(port, LANDING_PAGE_QUERY, {"first": 20}).json()
    assert too_big["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    posts = landings + untrusted + 2
    missing = asyncio.run(_missing_embeddings(database_url))

    target = f"127.0.0.1:{port}"
    with prometheus_server(tmp_path, [target], bearer_token=METRICS_TOKEN) as prometheus:
        operations = _settled(
            prometheus,
            "sum by (operation, type, status) (tribe_graphql_operations_total)",
            ("operation", "type", "status"),
            {
                ("LandingPage", "query", "ok"): landings,
                ("LandingPage", "query", "refused"): 1,
                ("anonymous", "query", "ok"): untrusted,
                ("anonymous", "unknown", "error"): 1,
            },
        )
        assert operations == {
            ("LandingPage", "query", "ok"): landings,
            ("LandingPage", "query", "refused"): 1,
            ("anonymous", "query", "ok"): untrusted,
            ("anonymous", "unknown", "error"): 1,
        }
        # Histogram buckets: every landing page costs the same, so it sits in one bucket.
        buckets = prometheus.values(
            'sum by (le) (tribe_graphql_operation_cost_bucket{operation="LandingPage"})', "le"
        )
        # The refused one was estimated too: 4 times the lists' size.
        refused_cost = _landing_cost({"first": 20})
        expected_buckets = {
            (_le(bound),): float(
                (landings if cost <= bound else 0) + (1 if refused_cost <= bound else 0)
            )
            for bound in COST_BUCKETS
        }
        expected_buckets[("+Inf",)] = float(landings + 1)
        assert buckets == expected_buckets
        durations = prometheus.values(
            'sum by (le) (tribe_graphql_operation_duration_seconds_bucket{operation="LandingPage"})',
            "le",
        )
        assert durations[("+Inf",)] == landings + 1
        assert prometheus.values(
            "sum by (operation, code) (tribe_graphql_errors_total)", "operation", "code"
        ) == {("anonymous", "GRAPHQL_PARSE_FAILED"): 1, ("LandingPage", "QUERY_TOO_COMPLEX"): 1}
        assert prometheus.values("sum by (limit) (tribe_graphql_refusals_total)", "limit") == {
            ("QUERY_TOO_COMPLEX",): 1
        }
        # Every executed operation ran on its compiled plan (the client's operations never fall back).
        assert _settled(
            prometheus,
            "sum by (path) (tribe_graphql_answers_total)",
            ("path",),
            {("compiled",): landings + untrusted},
        ) == {("compiled",): landings + untrusted}
        assert prometheus.values(
            'sum by (method, path) (tribe_requests_total{path="/graphql"})', "method", "path"
        ) == {("POST", "/graphql"): posts}
        pools = prometheus.values("tribe_db_pool_connections", "pool")
        assert set(pools) == {("primary",)} and pools[("primary",)] >= WORKERS
        assert prometheus.values("tribe_db_pool_waiting", "pool") == {("primary",): 0}
        assert prometheus.values("tribe_embeddings_missing", "table") == {
            (table,): float(count) for table, count in missing.items()
        }
        # The dashboard's queries are valid PromQL on these series (Grafana's interval: 1m here).
        for expression in dashboard_expressions():
            prometheus.query(expression.replace("$__rate_interval", "1m"))


def _le(bound: float) -> str:
    """A bucket bound as Prometheus writes it (``le="100.0"``)."""
    return str(float(bound))

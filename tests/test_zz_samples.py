"""NOT COMMITTED: prints one scraped sample line per metric family for the report."""

from __future__ import annotations

import httpx
import msgspec
import pytest

from harness.scenarios import SCENARIO_QUERIES
from harness.server import uvicorn_server
from tests.conftest import database_name
from tribe_service.graphql.trusted_documents import build as build_manifest


def test_print_samples(primary_database, replica, tmp_path, redis_url):
    document, _ = build_manifest()
    manifest = tmp_path / "m.json"
    manifest.write_bytes(msgspec.json.encode(document))
    (tmp_path / "mp").mkdir()
    env = {
        "DATABASE_URL": primary_database,
        "DATABASE_REPLICA_URLS": replica.url(database_name(primary_database)),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "mp"),
        "TRUSTED_DOCUMENTS": str(manifest),
        "RATE_LIMIT_POINTS_PER_MINUTE": "3000",
        "REDIS_URL": redis_url,
        "METRICS_TOKEN": "t",
    }
    landing = SCENARIO_QUERIES["landing"]
    with uvicorn_server("tribe_service.app:app", workers=2, env=env) as server:
        base = f"http://127.0.0.1:{server.port}"
        for _ in range(4):
            with httpx.Client(base_url=base) as c:
                c.post("/graphql", json={"query": landing, "variables": {"first": 5}})
        with httpx.Client(base_url=base) as c:
            c.post("/graphql", json={"query": "{ builders(first: 1) {"})
            c.post("/graphql", json={"query": landing, "variables": {"first": 100}})
            for _ in range(12):
                c.post("/graphql", json={"query": landing, "variables": {"first": 20}})
        import time

        time.sleep(2.5)
        text = httpx.get(f"{base}/metrics", headers={"Authorization": "Bearer t"}).text
    seen = set()
    for line in text.splitlines():
        if line.startswith("#") or "_created" in line:
            continue
        family = line.split("{")[0].split(" ")[0]
        for suffix in ("_bucket", "_count", "_sum"):
            family = family.removesuffix(suffix)
        if family not in seen:
            seen.add(family)
            print("SAMPLE", line)


@pytest.fixture
def redis_url(tmp_path_factory):
    from tests.real_servers import redis_server

    with redis_server(tmp_path_factory.mktemp("r")) as url:
        yield url

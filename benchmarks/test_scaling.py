"""``just bench-scaling``'s own logic: how deployments are configured and how results merge."""

from __future__ import annotations

from collections import Counter

import pytest

from benchmarks.scaling import (
    END_MARKER,
    NO_CACHE,
    PGBOUNCER,
    START_MARKER,
    Deployment,
    app_env,
    merged,
    write_section,
)
from harness.load import LoadResult
from tribe_service.pgbouncer import LocalPgBouncer

PRIMARY = "postgresql://tribe:tribe@127.0.0.1:5432/tribe"
REPLICA = "postgresql://tribe:tribe@127.0.0.1:5433/tribe"


def test_each_deployment_gets_the_settings_it_names():
    direct = app_env(Deployment(1, replica=False), PRIMARY, REPLICA, None)
    assert direct["DATABASE_URL"] == PRIMARY
    assert direct["DATABASE_REPLICA_URLS"] == ""
    assert "DATABASE_POOLER" not in direct

    assert (
        app_env(Deployment(2, replica=True), PRIMARY, REPLICA, None)["DATABASE_REPLICA_URLS"]
        == REPLICA
    )
    no_cache = app_env(Deployment(1, replica=False, path=NO_CACHE), PRIMARY, REPLICA, None)
    assert (no_cache["DATABASE_URL"], no_cache["DATABASE_POOLER"]) == (PRIMARY, "pgbouncer")

    bouncer = LocalPgBouncer(5432)
    try:
        pooled = app_env(Deployment(1, replica=False, path=PGBOUNCER), PRIMARY, REPLICA, bouncer)
    finally:
        bouncer.stop()
    assert pooled["DATABASE_URL"] == bouncer.url("tribe")
    assert pooled["DATABASE_POOLER"] == "pgbouncer"


def test_two_instances_results_merge_into_one():
    a = LoadResult(concurrency=8, duration=10.0, latencies=[0.1, 0.2], statuses=Counter({200: 2}))
    b = LoadResult(concurrency=8, duration=10.5, latencies=[0.3], statuses=Counter({200: 1}))
    total = merged([a, b])
    assert (total.concurrency, total.requests, total.duration) == (16, 3, 10.5)
    assert total.rps == pytest.approx(3 / 10.5)


def test_only_the_measured_section_is_rewritten(tmp_path):
    doc = tmp_path / "scaling.md"
    doc.write_text(f"# Plan\n\n{START_MARKER}\nold\n{END_MARKER}\n\nprose stays\n")
    write_section(doc, f"{START_MARKER}\nnew\n{END_MARKER}")
    assert doc.read_text() == f"# Plan\n\n{START_MARKER}\nnew\n{END_MARKER}\n\nprose stays\n"

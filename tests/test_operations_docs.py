"""The operator docs stay true: the dashboard and the alerts name metrics the app exports."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import prometheus_client

from tests.conftest import REPO_ROOT

DASHBOARD = REPO_ROOT / "docs" / "grafana-dashboard.json"
ALERTS = REPO_ROOT / "docs" / "prometheus-alerts.yml"
METRIC_NAME = re.compile(r"\b(tribe_[a-z_]+)")
# Series Prometheus makes of a family: a histogram's buckets, a counter's total.
SUFFIXES = ("_bucket", "_count", "_sum", "_total", "_created")


def dashboard_expressions() -> list[str]:
    """Every query of the Grafana dashboard."""
    dashboard = json.loads(DASHBOARD.read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


def _family(series: str) -> str:
    for suffix in SUFFIXES:
        if series.endswith(suffix):
            return series.removesuffix(suffix)
    return series


async def _exported_families(client) -> set[str]:
    await client.post("/graphql", json={"query": "{ health }"})  # Litestar's families appear
    names = set(prometheus_client.REGISTRY._names_to_collectors)  # every registered series name
    return {_family(name) for name in names if name.startswith("tribe_")}


async def test_the_dashboard_and_alerts_name_only_exported_metrics(client):
    exported = await _exported_families(client)
    used = {
        _family(name)
        for text in [*dashboard_expressions(), ALERTS.read_text()]
        for name in METRIC_NAME.findall(text)
    }
    assert used <= exported, used - exported
    # Each signal the issue asks for is on the dashboard.
    for family in (
        "tribe_requests",
        "tribe_graphql_operation_duration_seconds",
        "tribe_graphql_errors",
        "tribe_db_pool_waiting",
        "tribe_replica_lag_seconds",
        "tribe_graphql_refusals",
        "tribe_rate_limit_refusals",
    ):
        assert any(family in expr for expr in dashboard_expressions()), family


def test_the_alert_rules_are_valid_for_prometheus():
    result = subprocess.run(
        ["promtool", "check", "rules", str(ALERTS)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 10 rules found" in result.stdout


def test_the_docs_exist():
    assert Path(REPO_ROOT / "docs" / "operations.md").is_file()

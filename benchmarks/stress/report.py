"""The stress test's report: every phase's checks, as Markdown (``docs/reliability.md``)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from benchmarks.stress.phase import Phase
from harness.scenarios import DatabaseShape
from harness.server import REPO_ROOT

DEFAULT_OUTPUT = REPO_ROOT / "docs" / "reliability.md"


@dataclass
class Report:
    """Every phase of one run."""

    started: str
    workers: int
    shape: DatabaseShape
    postgres: str
    phases: list[Phase] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """True if a check that ran failed."""
        return any(check.passed is False for phase in self.phases for check in phase.checks)


def render(report: Report) -> str:
    """The Markdown report."""
    import platform

    phases = sorted(report.phases, key=lambda phase: phase.title)  # numbered titles

    lines = [
        "# Reliability",
        "",
        "Written by `just stress` (`benchmarks/stress/`); run it again to refresh it.",
        "",
        f"- **Date**: {report.started}",
        f"- **Machine**: {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"PostgreSQL {report.postgres}",
        f"- **Data**: {report.shape.users:,} users, {report.shape.feed_events:,} feed events "
        "(`just scale`)",
        f"- **Server**: `uvicorn tribe_service.app:app --workers {report.workers}` as `just serve` "
        "runs it, `ENVIRONMENT=production` (the fuzzing phase: `development`, for introspection)",
        "",
        "## Summary",
        "",
        "| phase | check | result | details |",
        "|---|---|---|---|",
    ]
    for phase in phases:
        for check in phase.checks:
            verdict = {True: "pass", False: "**FAIL**", None: "not run"}[check.passed]
            detail = check.detail.splitlines()[0] if check.detail else ""
            lines.append(f"| {phase.title} | {check.name} | {verdict} | {detail} |")
    for phase in phases:
        lines += ["", f"## {phase.title}", "", *phase.lines]
        for check in phase.checks:
            if "\n" in check.detail:
                lines += ["", f"{check.name}:", "", check.detail]
    lines.append("")
    return "\n".join(lines)

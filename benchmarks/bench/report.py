"""The benchmark's report: its tables and the Markdown of ``docs/performance.md``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from benchmarks.bench import recall
from benchmarks.bench.figures import (
    Report,
    find_cell,
    ms,
    ratio,
    span,
    times,
    title_of,
)
from benchmarks.bench.measuring import COMPILED, REFERENCE, RESOLVERS, Cell
from benchmarks.bench.side_by_side import render_comparison
from benchmarks.bench.targets import analysis, targets, verdict
from benchmarks.bench.writes import JOIN_TRIBES, WriteFigures
from harness.scenarios import (
    BUILDERS_PAGE_SIZE,
    PAGE_SIZE,
    SCENARIO_QUERIES,
    SCENARIO_TITLES,
)
from harness.server import (
    REPO_ROOT,
)

DEFAULT_OUTPUT = REPO_ROOT / "docs" / "performance.md"
# Sections written by hand (what a change measured and why), carried over from the file
# a run replaces: `<!-- NAME:start -->` ... `<!-- NAME:end -->`.
KEPT_SECTIONS = ("issue-20-changes", "issue-16-against")


def kept_sections(path: Path) -> list[str]:
    """The hand-written sections of ``path``, as they are, to put back in its new text."""
    text = path.read_text() if path.exists() else ""
    kept = []
    for name in KEPT_SECTIONS:
        found = re.search(
            rf"<!-- {re.escape(name)}:start -->.*?<!-- {re.escape(name)}:end -->", text, re.DOTALL
        )
        if found:
            kept.append(found.group(0))
    return kept


def throughput_table(cells: Sequence[Cell]) -> list[str]:
    """The Markdown table of every cell."""
    lines = [
        "| scenario | path | workers | clients | req/s | p50 ms | p99 ms | requests | errors "
        "| app CPU ms/req | DB CPU ms/req | ÷ resolvers | ÷ reference |",
        "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for cell in cells:
        result = cell.result
        to_resolvers = to_reference = None
        if cell.path == COMPILED and cell.scenario != REFERENCE:
            to_resolvers = ratio(
                cell, find_cell(cells, cell.scenario, cell.workers, cell.concurrency, RESOLVERS)
            )
        if cell.scenario == "landing":
            to_reference = ratio(cell, find_cell(cells, REFERENCE, cell.workers, cell.concurrency))
        path = "-" if cell.scenario == REFERENCE else cell.path
        lines.append(
            f"| {title_of(cell)} | {path} | {cell.workers} | {cell.concurrency} "
            f"| {result.rps:.1f} | {ms(result.percentile_ms(50))} | {ms(result.percentile_ms(99))} "
            f"| {result.requests} | {result.failed} | {ms(cell.per_request_ms(cell.app_cpu_seconds))} "
            f"| {ms(cell.per_request_ms(cell.db_cpu_seconds))} | {times(to_resolvers)} "
            f"| {times(to_reference)} |"
        )
    return lines


def statements_table(report: Report) -> list[str]:
    """Statements per request: compiled at seed size and at scale, logged, the resolvers'."""
    scaled = report.statements_scaled["statements"]
    seeded = report.statements_seeded["statements"] if report.statements_seeded else None
    resolvers = report.statements_resolvers["statements"] if report.statements_resolvers else None
    lines = [
        "| scenario | compiled, seeded | compiled, scaled | as PostgreSQL logged them (scaled) "
        "| answered by | resolvers, scaled (logged) |",
        "|---|--:|--:|--:|---|--:|",
    ]
    for scenario in SCENARIO_QUERIES:
        small = span(seeded["sent"][scenario]) if seeded else "-"
        logged = scaled["logged"][scenario] if scaled["logged"] else None
        paths = scaled["paths"][scenario]
        answered = f"compiled {paths['compiled']}, resolvers {paths['fallback']}"
        if paths["reasons"]:
            answered += " (" + ", ".join(paths["reasons"]) + ")"
        baseline = "-"
        if resolvers:
            baseline = span(resolvers["sent"][scenario])
            if resolvers["logged"]:
                baseline += f" ({span(resolvers['logged'][scenario])})"
        lines.append(
            f"| {SCENARIO_TITLES[scenario]} | {small} | {span(scaled['sent'][scenario])} "
            f"| {span(logged) if logged else '-'} | {answered} | {baseline} |"
        )
    return lines


def render_writes(figures: WriteFigures) -> list[str]:
    """The Markdown section of the write scenarios."""
    lines = [
        "## Writes under load",
        "",
        "| mutation | workers | clients | req/s | p50 ms | p99 ms | requests | errors "
        "| app CPU ms/req | DB CPU ms/req |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for cell in figures.cells:
        result = cell.result
        lines.append(
            f"| `{cell.scenario}` | {cell.workers} | {cell.concurrency} | {result.rps:.1f} "
            f"| {ms(result.percentile_ms(50))} | {ms(result.percentile_ms(99))} "
            f"| {result.requests} | {result.failed} "
            f"| {ms(cell.per_request_ms(cell.app_cpu_seconds))} "
            f"| {ms(cell.per_request_ms(cell.db_cpu_seconds))} |"
        )
    lines.append("")
    for name, (logged, control) in figures.statements.items():
        lines.append(
            f"- `{name}`: **{logged - control} statements** (the write, its feed event and the "
            f"payload) plus {control} of transaction control, as PostgreSQL logged one request "
            f"(target: at most 4 plus the transaction)."
        )
    if not figures.statements:
        lines.append("- Statements were not counted: the database is not the embedded server.")
    lines += [
        "",
        "Each request is a different write: `createProject` (the client's `CreateProject`) with "
        "its own idempotency key, by 16 builders in turn; `respondToJoinRequest` (the client's "
        "`RespondToJoinRequest`) approving its own pending request, by the tribe's owner, in "
        f"{JOIN_TRIBES} tribes given room for them. They run on a scratch copy of the scaled "
        "database, dropped after; a response with `userErrors` counts as an error.",
        "",
    ]
    return lines


def render(report: Report, kept: Sequence[str] = ()) -> str:
    """The whole Markdown report (``kept``: hand-written sections, put before the targets)."""
    machine = report.machine
    shape = report.shape
    settings = report.settings
    load1, load5, _ = machine.load_average
    lines = [
        "# Performance",
        "",
        "Written by `just bench` (`benchmarks/bench/`); run it again to refresh every figure.",
        "",
        f"- **Date**: {machine.date}",
        f"- **Machine**: {machine.cpus} CPUs ({machine.cpu_model}), {machine.ram_gib:.0f} GiB RAM, "
        f"{machine.kernel}; load average {load1:.1f} / {load5:.1f} (1 / 5 min) when the run began",
        f"- **Software**: Python {machine.python}, PostgreSQL {machine.postgres}",
        f"- **Data**: {shape.users:,} users, {shape.feed_events:,} feed events "
        "(`just scale` on top of the seed)",
        f"- **Server**: `uvicorn tribe_service.app:app --no-access-log --workers N` as `just serve` runs it, "
        f"`ENVIRONMENT=production`, pool {settings['pool']} connections per worker; the load "
        "generator, the server and PostgreSQL share the machine's CPUs",
        f"- **Each cell**: {settings['warmup']:.0f} s warm-up, then {settings['duration']:.0f} s "
        "of clients sending back to back over keep-alive connections; latency is per request, "
        "client side; CPU columns are the server's (all its processes) and PostgreSQL's "
        "CPU time during the cell, divided by its requests",
        "",
        "## Throughput and latency",
        "",
        *throughput_table(report.cells),
        "",
        "Scenarios: the client's operations (`clients/typescript/src/operations/`): "
        f"`LandingPage` with `first: {PAGE_SIZE}`; `BuilderProfile` of "
        f"`{shape.profile_username}`; `FeedPage` after the cursor of the "
        f"{shape.feed_cursor_depth:,}th newest event; `TribePage` of the tribe with the most "
        f"active members; `Builders` with `first: {BUILDERS_PAGE_SIZE}`. *compiled* is the "
        "service as it runs; *resolvers* the same server with `COMPILED_EXECUTION=0` "
        "(Strawberry's resolvers and DataLoaders), whose answers the benchmark checks are "
        "byte-identical. The reference is `harness/reference_app.py`: the landing page's "
        "JSON built by one SQL statement (`json_build_object`/`json_agg`) behind a bare "
        "Litestar route; the benchmark checks that it parses to the same JSON.",
        "",
        "## SQL statements per request",
        "",
        *statements_table(report),
        "",
        "Sent: counted in-process with `tribe_service.engine.count_statements` (5 requests "
        "per scenario after one warm-up; a range would mean the count varied). Logged: what "
        "PostgreSQL itself logged for the same requests with `log_statement = 'all'` "
        "(`tribe_service.embedded_postgres.StatementLog`), so a reset or any statement the app "
        "does not count would show. The seeded database is a scratch database, migrated and "
        "seeded for the run, then dropped.",
        "",
    ]
    profile = report.statements_scaled.get("profile")
    if profile:
        shares = ", ".join(
            f"{name} {share:.0f} %"
            for name, share in profile["cpu_share_by_package"].items()
            if share >= 1
        )
        lines += [
            "## Where the landing page's time goes",
            "",
            f"In-process, one request at a time ({profile['requests']} requests, httpx's ASGI "
            f"transport): **{profile['wall_ms']:.1f} ms wall, {profile['cpu_ms']:.1f} ms CPU** per "
            f"request; at least one statement was in flight for {profile['statement_wait_ms']:.0f} "
            "ms of the wall time. Own CPU time by package (cProfile; C built-ins charged to "
            f"their caller; garbage-collector pauses to whatever allocated, so the split moves "
            f"a few points between runs): {shares}.",
            "",
        ]
    if report.calibration:
        cal = report.calibration
        lines += [
            "## The load generator",
            "",
            f"`harness/load.py` (asyncio streams on uvloop, HTTP/1.1 keep-alive) against a "
            f"null server answering {cal.body_bytes:,} bytes: {cal.rps:,.0f} req/s with "
            f"{cal.concurrency} clients (p50 {cal.p50_ms:.2f} ms), costing "
            f"{cal.client_cpu_us:.0f} µs of client CPU per request — small next to the "
            "milliseconds per request measured above, but it runs on the same CPUs.",
            "",
        ]
    if report.recall:
        lines += recall.render(report.recall)
    if report.comparison:
        lines += [*render_comparison(report.comparison), ""]
    if report.writes:
        lines += render_writes(report.writes)
    for section in kept:
        lines += [section, ""]
    lines += ["## Targets", "", "| target | measured | verdict |", "|---|---|---|"]
    for name, measured, met in targets(report):
        lines.append(f"| {name} | {measured} | {verdict(met)} |")
    lines += ["", *analysis(report)]
    if report.notes:
        lines += ["## Notes from this run", "", *(f"- {note}" for note in report.notes), ""]
    return "\n".join(lines)

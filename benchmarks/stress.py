"""``just stress``: load, a database outage, fuzzing and memory, against ``just serve``.

Four checks, each bounded in requests and time, all on 127.0.0.1:

1. **load**: 200 concurrent clients for 30 s of mixed requests (landing page,
   builder profiles, feed pages, ``{ health }``, ``/healthz``): no 5xx, no
   GraphQL error, p99 reported.
2. **outage**: the embedded PostgreSQL is stopped for 5 s in the middle of a
   load and started again. While it is down every request must answer within
   5 s with the ``DATABASE_UNAVAILABLE`` GraphQL error (HTTP 200) or
   ``/healthz`` 503, never a 500 and never a hang; within 5 s of its return
   answers must be correct again; the app keeps its PIDs; its pool ends
   between ``DB_POOL_MIN_SIZE`` and ``DB_POOL_MAX_SIZE`` connections per worker.
   Only possible when ``DATABASE_URL`` is the embedded server whose data
   directory ``--pg-data-dir`` (or ``STRESS_PG_DATA_DIR``, default
   ``.data/postgres``) names; otherwise reported as not run.
3. **fuzz**: schemathesis' GraphQL mode (Python API, Hypothesis) generates at
   least 1,000 queries from the introspected schema against a development
   server: no 5xx, and no unexpected error logged by the server.
4. **memory**: the serving processes' RSS over 20,000 mixed requests stays
   within 10 % of its level after a warm-up.
5. **abuse** (:mod:`benchmarks.abuse`): 8 normal clients read pages for 45 s
   while attackers send issue 11's attacks (heavy queries, fragment bombs,
   100 MB bodies, wrong admin logins), on a server with production defaults:
   the normal clients see no error and a p99 under 250 ms; every attack is
   refused with its code.

Phases 1-4 measure capacity, not limits: their server has the per-client
budget off (every request comes from 127.0.0.1) and a 60 s deadline (200
clients queue for longer than the default 5 s). Phase 5 keeps the defaults.

It prints a summary and writes ``docs/reliability.md``; exits 1 if a check fails.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg

from benchmarks.abuse import NORMAL_PAUSE_SECONDS, run_abuse
from benchmarks.load import (
    LOCALHOST,
    HttpRequest,
    HttpResponse,
    LoadResult,
    Outcome,
    percentile,
    round_robin,
    run_async,
    run_load,
)
from benchmarks.scenarios import (
    HEALTH_QUERY,
    PAGE_SIZE,
    SCALED_USERS,
    DatabaseShape,
    fetch_shape,
    scenario_requests,
)
from benchmarks.server import (
    NO_RATE_LIMIT,
    REPO_ROOT,
    ServerProcess,
    StopOnSignal,
    uvicorn_server,
)
from tribe_service.embedded_postgres import DEFAULT_DATA_DIR, EmbeddedPostgres
from tribe_service.graphql.client_operations import BUILDER_PROFILE_QUERY, FEED_PAGE_QUERY

DEFAULT_OUTPUT = REPO_ROOT / "docs" / "reliability.md"
APPLICATION_NAME = "tribe-stress"
UNAVAILABLE_CODE = "DATABASE_UNAVAILABLE"
OUTAGE_ANSWER_LIMIT_SECONDS = 5.0
RECOVERY_LIMIT_SECONDS = 5.0
MEMORY_TOLERANCE = 0.10
MAX_REQUESTS = 1_000_000  # a bound no phase reaches: they stop on time or on their own count
ABUSE_P99_TARGET_MS = 250.0
REFUSAL_LIMIT_SECONDS = 1.0
# What each attack must get: its refusal code (or, for a valid but merged bomb
# or an allowed page, data) and never a 5xx.
ABUSE_ANSWERS = {
    "heavy queries": {"200 QUERY_TOO_COMPLEX", "429 RATE_LIMITED", "200 data"},
    "fragment bombs": {"200 QUERY_TOO_LARGE", "429 RATE_LIMITED"},
    "100 MB bodies": {"HTTP 413 (announced)", "HTTP 413 (chunked)"},
    "wrong admin logins": {"HTTP 401", "HTTP 429"},
}

BUILDERS_QUERY = """
query Builders($first: Int!) {
  builders(first: $first) { nodes { username builderScore skills { name } } pageInfo { endCursor } }
}
"""
SKILLS_QUERY = "{ skills { name slug category } }"
MORE_PROFILES_SQL = """
SELECT username FROM users WHERE username <> $1 ORDER BY builder_score DESC, id LIMIT $2
"""


class StressError(RuntimeError):
    """The stress test cannot go on (the message says why)."""


# -- classifying answers --------------------------------------------------------


def graphql_error_codes(body: bytes) -> list[str] | None:
    """The ``extensions.code`` of each error in a GraphQL body (``"none"`` if absent).

    None if the body is not a GraphQL response at all.
    """
    try:
        document = json.loads(body)
    except ValueError:
        return None
    if not isinstance(document, dict):
        return None
    errors = document.get("errors") or []
    return [str((error.get("extensions") or {}).get("code", "none")) for error in errors]


def classify(request: HttpRequest, response: HttpResponse) -> str | None:
    """What is wrong with an answer under normal conditions (None: a correct answer)."""
    if response.status >= 500:
        return f"HTTP {response.status}"
    if request.path == "/healthz":
        return None if response.status == 200 else f"/healthz {response.status}"
    if response.status != 200:
        return f"HTTP {response.status}"
    codes = graphql_error_codes(response.body)
    if codes is None:
        return "not a GraphQL response"
    if codes:
        return "GraphQL error " + ",".join(sorted(set(codes)))
    return None


def is_clear_unavailability(outcome: Outcome, path: str) -> bool:
    """True for the answers allowed while the database is down."""
    if path == "/healthz":
        return outcome.status == 503
    if outcome.status != 200:
        return False
    codes = graphql_error_codes(outcome.body)
    return codes is not None and set(codes) == {UNAVAILABLE_CODE}


# -- the requests ---------------------------------------------------------------


@dataclass(frozen=True)
class Mix:
    """The requests of a phase, cycled through in order."""

    requests: list[HttpRequest]

    def paths(self) -> dict[str, str]:
        """Request name -> path."""
        return {request.name: request.path for request in self.requests}


def mixes(shape: DatabaseShape, profiles: Sequence[str]) -> dict[str, Mix]:
    """The mixed request sets: ``load`` (heavier), ``outage`` and ``memory`` (lighter)."""
    base = scenario_requests(shape)
    profile = [
        HttpRequest.graphql(f"profile {name}", BUILDER_PROFILE_QUERY, {"username": name})
        for name in [shape.profile_username, *profiles]
    ]
    feed_first = HttpRequest.graphql("feed first page", FEED_PAGE_QUERY, {"first": PAGE_SIZE})
    health = HttpRequest.graphql("health", HEALTH_QUERY)
    healthz = HttpRequest.get("/healthz", "/healthz")
    builders = HttpRequest.graphql("builders", BUILDERS_QUERY, {"first": PAGE_SIZE})
    skills = HttpRequest.graphql("skills", SKILLS_QUERY)
    unknown = HttpRequest.graphql(
        "unknown user", BUILDER_PROFILE_QUERY, {"username": "no-such-builder"}
    )
    landing, deep = base["landing"], base["feed-deep"]
    return {
        "load": Mix([landing, *profile[:2], feed_first, deep, health, healthz, builders]),
        "outage": Mix([health, healthz, profile[0], feed_first, health, healthz, landing, deep]),
        # What a visitor reads: the pages of the frontend at their default sizes.
        "abuse": Mix([landing, profile[0], feed_first, builders, deep]),
        "memory": Mix(
            [
                landing,
                *profile,
                feed_first,
                deep,
                health,
                healthz,
                builders,
                skills,
                unknown,
                health,
                healthz,
            ]
        ),
    }


# -- results --------------------------------------------------------------------


@dataclass
class Check:
    """One pass/fail line of the report."""

    name: str
    passed: bool | None  # None: not run
    detail: str


@dataclass
class Phase:
    """A phase's checks and the lines that explain them."""

    title: str
    checks: list[Check] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def check(self, name: str, passed: bool | None, detail: str) -> None:
        """Record one check."""
        self.checks.append(Check(name, passed, detail))


# -- phase 5: abuse -------------------------------------------------------------


def phase_abuse(database_url: str, mix: Mix, workers: int, seconds: float) -> Phase:
    """Normal clients under attack, on a server with production defaults (see the docstring)."""
    phase = Phase(f"5. Under attack: 8 normal clients for {seconds:.0f} s")
    env = {"DATABASE_URL": database_url, "ENVIRONMENT": "production", "TRUSTED_PROXIES": LOCALHOST}
    with uvicorn_server("tribe_service.app:app", workers=workers, env=env, name="abuse") as server:
        result = run_async(run_abuse(server.port, mix.requests, seconds, classify))
        server.check_alive()
    normal, baseline = result.normal, result.baseline
    p50, p99 = normal.percentile_ms(50), normal.percentile_ms(99)
    phase.check(
        "normal clients: no errors", normal.failed == 0, _problems(normal.problems) or "none"
    )
    phase.check(
        f"normal clients: p99 under {ABUSE_P99_TARGET_MS:.0f} ms",
        p99 < ABUSE_P99_TARGET_MS,
        f"p50 {p50:,.0f} ms, p99 {p99:,.0f} ms over {normal.requests:,} pages "
        f"(alone, before the attacks: p50 {baseline.percentile_ms(50):,.0f} ms, "
        f"p99 {baseline.percentile_ms(99):,.0f} ms)",
    )
    for attack in result.attacks:
        unexpected = set(attack.outcomes) - ABUSE_ANSWERS[attack.name]
        slow = sum(1 for latency in attack.refusal_latencies if latency > REFUSAL_LIMIT_SECONDS)
        phase.check(
            f"{attack.name}: refused with a code, refusals within {REFUSAL_LIMIT_SECONDS:.0f} s",
            bool(attack.outcomes) and not unexpected and slow == 0,
            attack.summary()
            + (f"; unexpected: {sorted(unexpected)}" if unexpected else "")
            + (f"; {slow} slower than {REFUSAL_LIMIT_SECONDS:.0f} s" if slow else ""),
        )
    phase.lines += [
        f"The same normal clients alone for 20 s first: {baseline.requests:,} pages, "
        f"p50 {baseline.percentile_ms(50):,.0f} ms, p99 {baseline.percentile_ms(99):,.0f} ms, "
        f"{baseline.failed} errors.",
        "",
        f"Normal clients: {normal.requests:,} pages ({', '.join(r.name for r in mix.requests)}), "
        f"each client on its own address, one page about every "
        f"{NORMAL_PAUSE_SECONDS:.0f} s: latency p50 {p50:,.0f} ms, p99 **{p99:,.0f} ms**, "
        f"max {max(normal.latencies, default=math.nan) * 1000:,.0f} ms; "
        f"{normal.failed} errors.",
        "",
        "Attackers, back to back, each from its own address:",
        "",
        *(f"- **{attack.name}**: {attack.summary()}" for attack in result.attacks),
        "",
        "Server: production defaults (cost limit, deadline, body limit, per-client budget, "
        "admin lockout) with `TRUSTED_PROXIES=127.0.0.1`, so `X-Forwarded-For` names each "
        "simulated client.",
    ]
    return phase


# -- phase 1: load --------------------------------------------------------------


def phase_load(server: ServerProcess, mix: Mix, clients: int, seconds: float) -> Phase:
    """``clients`` concurrent clients for ``seconds``: no 5xx, no GraphQL errors."""
    phase = Phase(f"1. {clients} concurrent clients for {seconds:.0f} s")
    result = run_async(
        run_load(
            server.port,
            round_robin(mix.requests),
            concurrency=clients,
            duration=seconds,
            max_requests=MAX_REQUESTS,
            request_timeout=120.0,
            check=classify,
        )
    )
    server_errors = sum(count for status, count in result.statuses.items() if status >= 500)
    graphql_errors = sum(c for p, c in result.problems.items() if p.startswith("GraphQL"))
    other = result.failed - graphql_errors - server_errors
    phase.check("no 5xx", server_errors == 0, f"{server_errors} of {result.requests} answers")
    phase.check("no GraphQL errors", graphql_errors == 0, f"{graphql_errors} answers with errors")
    phase.check("no timeouts or transport errors", other == 0, _problems(result.problems) or "none")
    phase.lines += [
        f"{result.requests:,} answers in {result.duration:.1f} s ({result.rps:.1f} req/s), "
        f"latency p50 {result.percentile_ms(50):,.0f} ms, p99 **{result.percentile_ms(99):,.0f} ms**, "
        f"max {max(result.latencies, default=math.nan) * 1000:,.0f} ms.",
        "Mix, in turn: " + ", ".join(request.name for request in mix.requests) + ".",
        "With 200 clients on a server that answers a few dozen requests per second, latency "
        "is mostly queueing: uvicorn accepts every connection and the requests wait their "
        "turn; nothing is refused or dropped.",
    ]
    return phase


def _problems(problems: Counter[str]) -> str:
    return ", ".join(f"{name}: {count}" for name, count in problems.most_common())


# -- phase 2: outage ------------------------------------------------------------


def with_application_name(url: str, name: str) -> str:
    """``url`` with ``application_name`` set (asyncpg passes it to the server)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "application_name"]
    query.append(("application_name", name))
    return urlunsplit(parts._replace(query=urlencode(query)))


async def app_connections(url: str) -> tuple[int, int]:
    """The app's server-side connections (by application name), and those idle in transaction."""
    connection = await asyncpg.connect(url, timeout=10)
    try:
        rows = await connection.fetch(
            "SELECT state FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = $1",
            APPLICATION_NAME,
        )
    finally:
        await connection.close()
    idle_in_transaction = sum(1 for row in rows if (row["state"] or "").startswith("idle in"))
    return len(rows), idle_in_transaction


def embedded_server_for(url: str, data_dir: Path) -> tuple[EmbeddedPostgres | None, str]:
    """The embedded server behind ``url``, or None and why the outage cannot be staged."""
    server = EmbeddedPostgres(data_dir)
    parts = urlsplit(url)
    if not (data_dir / "PG_VERSION").exists():
        return None, f"{data_dir} is not an embedded PostgreSQL data directory"
    if parts.hostname not in {"127.0.0.1", "localhost"} or parts.port != server.port:
        return None, (
            f"DATABASE_URL ({parts.hostname}:{parts.port}) is not the embedded server of "
            f"{data_dir} (port {server.port}); pass --pg-data-dir or STRESS_PG_DATA_DIR"
        )
    if not server.is_running():
        return None, f"the embedded server of {data_dir} is not running"
    return server, ""


@dataclass
class OutageTimeline:
    """When the database went down and came back, in seconds from the load's start."""

    stop_began: float = math.nan
    stopped: float = math.nan
    start_began: float = math.nan
    started: float = math.nan
    connections_before: int = -1  # the app's connections under load, just before the stop
    connections_after: int = -1  # the same, at the end of the load after the restart


async def _load_through_outage(
    port: int,
    mix: Mix,
    pg: EmbeddedPostgres,
    database_url: str,
    *,
    clients: int,
    before: float,
    down: float,
    after: float,
) -> tuple[LoadResult, OutageTimeline]:
    stop = asyncio.Event()
    load = asyncio.create_task(
        run_load(
            port,
            round_robin(mix.requests),
            concurrency=clients,
            duration=before + down + after + 120.0,  # bounded; `stop` ends it sooner
            max_requests=MAX_REQUESTS,
            request_timeout=30.0,
            check=classify,
            record=True,
            keep_bodies=True,
            stop=stop,
        )
    )
    timeline = OutageTimeline()
    origin = time.perf_counter()
    try:
        await asyncio.sleep(before)
        timeline.connections_before, _ = await app_connections(database_url)
        timeline.stop_began = time.perf_counter() - origin
        await asyncio.to_thread(pg.stop)
        timeline.stopped = time.perf_counter() - origin
        await asyncio.sleep(down)
    finally:
        timeline.start_began = time.perf_counter() - origin
        await asyncio.to_thread(pg.start)  # whatever happened: the database comes back
        timeline.started = time.perf_counter() - origin
    await asyncio.sleep(after)
    timeline.connections_after, _ = await app_connections(database_url)
    stop.set()
    result = await load
    shift = result.started - origin  # outcome times count from the load's own start
    for name in ("stop_began", "stopped", "start_began", "started"):
        setattr(timeline, name, getattr(timeline, name) - shift)
    return result, timeline


def phase_outage(
    server: ServerProcess,
    mix: Mix,
    database_url: str,
    data_dir: Path,
    *,
    workers: int,
    down_seconds: float,
) -> Phase:
    """Stop the embedded database for ``down_seconds`` under load; check the answers."""
    phase = Phase(f"2. The database stopped for {down_seconds:.0f} s under load")
    pg, reason = embedded_server_for(database_url, data_dir)
    if pg is None:
        phase.check("outage ridden out", None, f"not run: {reason}")
        return phase
    pids_before = sorted(process.pid for process in server.processes())
    try:
        result, timeline = asyncio.run(
            _load_through_outage(
                server.port,
                mix,
                pg,
                database_url,
                clients=16,
                before=5.0,
                down=down_seconds,
                after=10.0,
            )
        )
    finally:
        if not pg.is_running():  # interrupted between the stop and the start
            pg.start()
    time.sleep(2.0)  # let the last connections settle
    connections_idle, idle_in_transaction = asyncio.run(app_connections(database_url))
    pids_after = sorted(process.pid for process in server.processes())
    paths = mix.paths()

    def ended(outcome: Outcome) -> float:
        return outcome.started + outcome.latency

    outcomes = result.outcomes
    # Requests that were in flight at some moment while the database was down.
    during = [
        o for o in outcomes if ended(o) >= timeline.stop_began and o.started <= timeline.started
    ]
    correct = [o for o in outcomes if o.problem is None]
    bad_during = [
        o for o in during if o.problem is not None and not is_clear_unavailability(o, paths[o.name])
    ]
    slow_during = [o for o in during if o.latency > OUTAGE_ANSWER_LIMIT_SECONDS or o.status == 0]
    clear_during = [o for o in during if is_clear_unavailability(o, paths[o.name])]
    after = [o for o in outcomes if o.started >= timeline.started]
    failing_after = [o for o in after if o.problem is not None]
    recovery = max((ended(o) - timeline.started for o in failing_after), default=0.0)
    late = [o for o in after if o.started >= timeline.started + RECOVERY_LIMIT_SECONDS]
    late_failures = [o for o in late if o.problem is not None]
    server_errors = [  # /healthz's 503 is the answer it should give
        o for o in outcomes if o.status >= 500 and not is_clear_unavailability(o, paths[o.name])
    ]
    before_ok = [o for o in outcomes if ended(o) < timeline.stop_began]

    phase.check(
        "never a 500 (5xx other than /healthz's 503)",
        not server_errors,
        f"{len(server_errors)} of {len(outcomes):,} answers",
    )
    phase.check(
        "while down: only the clear error",
        not bad_during and bool(clear_during),
        f"{len(clear_during)} DATABASE_UNAVAILABLE / 503 answers, "
        f"{len(during) - len(clear_during) - len(bad_during)} correct (finished before the stop "
        f"bit), {len(bad_during)} other"
        + (f" ({_problems(Counter(o.problem or '' for o in bad_during))})" if bad_during else ""),
    )
    worst = max((o.latency for o in during), default=0.0)
    phase.check(
        f"while down: every answer within {OUTAGE_ANSWER_LIMIT_SECONDS:.0f} s, no hang",
        not slow_during,
        f"slowest {worst:.2f} s; {len(slow_during)} over the limit or unanswered",
    )
    phase.check(
        f"correct again within {RECOVERY_LIMIT_SECONDS:.0f} s",
        recovery <= RECOVERY_LIMIT_SECONDS and not late_failures and bool(late),
        f"last failing answer ended {recovery:.2f} s after the database was back; "
        f"{len(late) - len(late_failures)} of {len(late)} requests started after that "
        "limit were correct",
    )
    phase.check(
        "never restarted (same PIDs)",
        pids_before == pids_after and bool(pids_before),
        f"{pids_before} before, {pids_after} after",
    )
    low = int(os.environ.get("DB_POOL_MIN_SIZE", "2")) * workers
    high = int(os.environ.get("DB_POOL_MAX_SIZE", "10")) * workers
    pool_before, pool_after = timeline.connections_before, timeline.connections_after
    pool_ok = low <= connections_idle <= high and pool_after <= max(pool_before, low)
    phase.check(
        "pool back to its normal size",
        pool_ok and idle_in_transaction == 0,
        f"under the same load {pool_before} connections before the outage, {pool_after} after; "
        f"{connections_idle} once idle (bounds {low}-{high} for {workers} worker(s)); "
        f"{idle_in_transaction} idle in transaction",
    )
    phase.lines += [
        f"16 clients, mixed requests ({', '.join(sorted(set(paths)))}). Timeline (s from the "
        f"load's start): stop began {timeline.stop_began:.2f}, database down "
        f"{timeline.stopped:.2f}, start began {timeline.start_began:.2f}, database back "
        f"{timeline.started:.2f}. {len(before_ok):,} answers before the stop, {len(during):,} "
        f"in flight while it was down, {len(after):,} after it was back "
        f"({len(correct):,} correct in all).",
        f"Latency while down: p50 {percentile([o.latency for o in during], 50) * 1000:,.0f} ms, "
        f"max {worst * 1000:,.0f} ms.",
    ]
    return phase


# -- phase 3: fuzzing -----------------------------------------------------------


def traceback_count(text: str) -> int:
    """Unexpected errors in a server log: each is logged with a traceback."""
    return text.count("Traceback (most recent call last)")


@dataclass
class FuzzStats:
    """What the fuzzer's requests got back."""

    statuses: Counter[int] = field(default_factory=Counter)
    codes: Counter[str] = field(default_factory=Counter)
    per_operation: Counter[str] = field(default_factory=Counter)
    samples: list[str] = field(default_factory=list)

    @property
    def sent(self) -> int:
        """Requests sent so far."""
        return sum(self.statuses.values())

    def record(self, label: str, body: Any, status: int, content: bytes) -> None:
        """Count one answer."""
        self.statuses[status] += 1
        self.per_operation[label] += 1
        if status >= 500 and len(self.samples) < 5:
            self.samples.append(f"{label}: HTTP {status} for {body!r:.300}")
        for code in graphql_error_codes(content) or []:
            self.codes[code] += 1


def fuzz_test(operation: Any, stats: FuzzStats, examples: int, seed: int) -> Callable[[], None]:
    """A Hypothesis test sending up to ``examples`` generated queries for ``operation``."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import Phase as HypothesisPhase
    from hypothesis import seed as hypothesis_seed

    @hypothesis_seed(seed)
    @given(case=operation.as_strategy())
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[HypothesisPhase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def send(case: Any) -> None:
        response = case.call(timeout=30)
        stats.record(operation.label, case.body, response.status_code, response.content)

    return send


def phase_fuzz(database_url: str, examples: int, minimum: int, seed: int) -> Phase:
    """schemathesis' GraphQL mode against a development server (introspection on)."""
    import schemathesis

    phase = Phase("3. schemathesis, GraphQL mode")
    stats = FuzzStats()
    # Fuzzing sends ~1,200 queries from one address: the budget would refuse most.
    env = {"DATABASE_URL": database_url, "ENVIRONMENT": "development", **NO_RATE_LIMIT}
    with uvicorn_server("tribe_service.app:app", workers=1, env=env, name="fuzz") as server:
        log_before = traceback_count(server.log_tail(1_000_000))
        url = f"http://127.0.0.1:{server.port}/graphql"
        schema = schemathesis.graphql.from_url(url, timeout=30)
        operations = [
            result.ok()  # type: ignore[union-attr]  # an Err would be a schema bug: let it raise
            for result in schema.get_all_operations()
        ]
        started = time.monotonic()
        rounds = 0
        while stats.sent < minimum and rounds < 3:  # bounded: at most 3 rounds
            for operation in operations:
                fuzz_test(operation, stats, examples, seed + rounds)()
            rounds += 1
        seconds = time.monotonic() - started
        server_log = server.log_tail(1_000_000)
        unexpected = traceback_count(server_log) - log_before
    total = stats.sent
    server_errors = sum(count for status, count in stats.statuses.items() if status >= 500)
    phase.check(f"at least {minimum:,} generated queries", total >= minimum, f"{total:,} sent")
    phase.check(
        "no 5xx",
        server_errors == 0,
        f"{server_errors}" + (f": {stats.samples}" if stats.samples else ""),
    )
    tail = f"; log tail:\n{_indent(server_log[-3000:])}" if unexpected else ""
    phase.check(
        "no unhandled errors (no traceback in the server log)",
        unexpected == 0,
        f"{unexpected} logged{tail}",
    )
    version = getattr(schemathesis, "__version__", "")
    phase.lines += [
        f"{total:,} queries generated from the introspected schema by schemathesis {version} "
        f"(Hypothesis, seed {seed}, {rounds} round(s) of up to {examples} examples per root "
        f"field) in {seconds:.0f} s against a development server (introspection on, errors "
        "unmasked, so a bug would show).",
        "HTTP statuses: "
        + ", ".join(f"{s}: {c:,}" for s, c in sorted(stats.statuses.items()))
        + ".",
        "Errors in GraphQL answers by `extensions.code` (none: a GraphQL validation error): "
        + (", ".join(f"{c}: {n:,}" for c, n in stats.codes.most_common()) or "none")
        + ".",
        "Queries per root field: "
        + ", ".join(f"{op} {n}" for op, n in sorted(stats.per_operation.items()))
        + ".",
    ]
    return phase


def _indent(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


# -- phase 4: memory ------------------------------------------------------------


def phase_memory(server: ServerProcess, mix: Mix, requests: int, warmup: int) -> Phase:
    """RSS of the serving processes after a warm-up, then every tenth of ``requests``."""
    phase = Phase(f"4. Memory over {requests:,} requests")
    chunk = max(requests // 10, 1)

    def send(count: int) -> LoadResult:
        return run_async(
            run_load(
                server.port,
                round_robin(mix.requests),
                concurrency=16,
                duration=600.0,  # bounded by count; this is only a safety net
                max_requests=count,
                request_timeout=60.0,
                check=classify,
            )
        )

    send(warmup)
    baseline = server.rss_bytes()
    samples: list[tuple[int, int]] = []
    sent = failed = 0
    started = time.monotonic()
    while sent < requests:
        result = send(min(chunk, requests - sent))
        sent += result.requests
        failed += result.failed
        samples.append((sent, server.rss_bytes()))
        if result.requests == 0:
            break
    seconds = time.monotonic() - started
    worst = max((abs(rss - baseline) / baseline for _, rss in samples), default=math.inf)
    final = samples[-1][1] if samples else 0
    phase.check(
        f"RSS within {MEMORY_TOLERANCE:.0%} of the warmed-up level",
        worst <= MEMORY_TOLERANCE and sent >= requests,
        f"baseline {baseline / 2**20:.2f} MiB, end {final / 2**20:.2f} MiB, "
        f"largest deviation {worst:.2%}",
    )
    phase.check("no failed requests", failed == 0, f"{failed} of {sent:,}")
    phase.lines += [
        f"{warmup:,} warm-up requests, then {sent:,} in {seconds:.0f} s (16 clients, in turn: "
        + ", ".join(request.name for request in mix.requests)
        + f"). RSS of the {len(server.worker_processes())} serving processes together (MiB): "
        + f"after the warm-up {baseline / 2**20:.2f}, then after each step "
        + ", ".join(f"{n:,}: {rss / 2**20:.2f}" for n, rss in samples)
        + "."
    ]
    return phase


# -- the run --------------------------------------------------------------------


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
        "Written by `just stress` (`benchmarks/stress.py`); run it again to refresh it.",
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


def run_stress(args: argparse.Namespace) -> Report:
    """Every phase; servers are stopped and the database restarted whatever happens."""
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url:
        raise StressError("DATABASE_URL is not set (run it through `just stress`)")
    try:
        shape = asyncio.run(fetch_shape(database_url))
        profiles, postgres = asyncio.run(_more_facts(database_url, shape.profile_username))
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        raise StressError(f"cannot read the database: {error}") from None
    if shape.users < SCALED_USERS:
        raise StressError(
            f"the database has {shape.users:,} users, the stress test needs the scaled data "
            f"({SCALED_USERS:,}+): run `just scale` first"
        )
    report = Report(
        started=datetime.now(tz=UTC).strftime("%Y-%m-%d %H:%M UTC"),
        workers=args.workers,
        shape=shape,
        postgres=postgres,
    )
    request_mixes = mixes(shape, profiles)
    app_url = with_application_name(database_url, APPLICATION_NAME)
    env = {
        "DATABASE_URL": app_url,
        "ENVIRONMENT": "production",
        "OPERATION_TIMEOUT_SECONDS": "60",
        **NO_RATE_LIMIT,
    }
    if {"load", "outage", "memory"} & set(args.phases):
        with uvicorn_server("tribe_service.app:app", workers=args.workers, env=env) as server:
            if "load" in args.phases:
                say(f"load: {args.clients} clients for {args.load_seconds:.0f} s")
                report.phases.append(
                    phase_load(server, request_mixes["load"], args.clients, args.load_seconds)
                )
            if "outage" in args.phases:
                say(f"outage: database down for {args.outage_seconds:.0f} s under load")
                report.phases.append(
                    phase_outage(
                        server,
                        request_mixes["outage"],
                        database_url,
                        args.pg_data_dir,
                        workers=args.workers,
                        down_seconds=args.outage_seconds,
                    )
                )
            if "memory" in args.phases:
                say(f"memory: {args.memory_requests:,} requests")
                report.phases.append(
                    phase_memory(
                        server, request_mixes["memory"], args.memory_requests, args.memory_warmup
                    )
                )
            server.check_alive()
    if "abuse" in args.phases:
        say(f"abuse: 8 normal clients for {args.abuse_seconds:.0f} s under attack")
        report.phases.append(
            phase_abuse(app_url, request_mixes["abuse"], args.workers, args.abuse_seconds)
        )
    if "fuzz" in args.phases:
        say(f"fuzz: schemathesis, at least {args.fuzz_minimum:,} queries")
        report.phases.append(
            phase_fuzz(database_url, args.fuzz_examples, args.fuzz_minimum, args.seed)
        )
    return report


async def _more_facts(url: str, username: str) -> tuple[list[str], str]:
    connection = await asyncpg.connect(url, timeout=10)
    try:
        rows = await connection.fetch(MORE_PROFILES_SQL, username, 3)
        version = await connection.fetchval("SHOW server_version")
    finally:
        await connection.close()
    return [row["username"] for row in rows], str(version)


def say(message: str) -> None:
    """Progress, on stderr."""
    print(f"[stress {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


PHASES = ("load", "outage", "fuzz", "memory", "abuse")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options (the defaults are what ``just stress`` runs)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WORKERS", "2")))
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--load-seconds", type=float, default=30.0)
    parser.add_argument("--outage-seconds", type=float, default=5.0)
    parser.add_argument(
        "--pg-data-dir",
        type=Path,
        default=Path(os.environ.get("STRESS_PG_DATA_DIR") or REPO_ROOT / DEFAULT_DATA_DIR),
        help="data directory of the embedded server behind DATABASE_URL (for the outage)",
    )
    parser.add_argument("--fuzz-examples", type=int, default=150, help="per operation")
    parser.add_argument("--fuzz-minimum", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=20261126)
    parser.add_argument("--memory-requests", type=int, default=20_000)
    parser.add_argument("--abuse-seconds", type=float, default=45.0)
    parser.add_argument("--memory-warmup", type=int, default=2_000)
    parser.add_argument("--phases", nargs="+", choices=PHASES, default=list(PHASES))
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    if not 1 <= args.workers <= 8 or not 1 <= args.clients <= 1000:
        parser.error("--workers must be in 1..8 and --clients in 1..1000")
    if not 0 < args.load_seconds <= 600 or not 0 < args.outage_seconds <= 60:
        parser.error("--load-seconds must be in (0, 600] and --outage-seconds in (0, 60]")
    if not 1 <= args.memory_requests <= 200_000 or not 1 <= args.fuzz_examples <= 2_000:
        parser.error("--memory-requests must be in 1..200000, --fuzz-examples in 1..2000")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the stress test, print the report, write ``docs/reliability.md``."""
    args = parse_args(argv)
    started = time.monotonic()
    try:
        with StopOnSignal():
            report = run_stress(args)
    except StressError as error:
        print(f"stress: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("stress: interrupted; servers stopped, database started again", file=sys.stderr)
        return 130
    text = render(report)
    print(text)
    if not args.no_write:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text)
        say(f"wrote {args.output} ({time.monotonic() - started:.0f} s)")
    return 1 if report.failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

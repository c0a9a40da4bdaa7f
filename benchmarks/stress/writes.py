"""Phase 6: concurrent writers while the primary, the replica and a worker fail underneath.

``--writers`` clients (at least 32), each signed in as a builder of its own
(:mod:`harness.sessions`), send random mutations (:mod:`harness.writers`) for
``--writes-seconds`` against ``uvicorn --workers 2`` with a streaming replica in
``DATABASE_REPLICA_URLS``. Meanwhile, on a fixed timeline:

1. the primary is stopped for ``--outage-seconds`` and started again (a probe
   builder writes every 50 ms from then on, to time the return);
2. the replica is stopped, started, made to lag (``pg_wal_replay_pause()``)
   and restarted (which resumes replay);
3. one app worker is killed with SIGKILL; uvicorn's supervisor starts another;
4. all along, some attempts hang up right after sending (a closed tab).

Then :func:`harness.write_audit.audit_writes` checks the database against every
answer the clients got, and the answers themselves are checked: only
``DATABASE_UNAVAILABLE``, ``TIMEOUT``, ``RATE_LIMITED``, a lost connection or the
client's own ``userErrors`` while things fail, never another 5xx or a traceback.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import random
import secrets
import signal
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import psutil

from benchmarks.stress.outage import embedded_server_for
from benchmarks.stress.phase import Phase
from harness.database_urls import with_application_name
from harness.server import NO_RATE_LIMIT, ServerProcess, uvicorn_server
from harness.sessions import SignedInBuilder, sign_in_builders
from harness.write_audit import Audit, audit_writes, examples
from harness.write_history import Answer, Attempt
from harness.writers import NO_ANSWER, World, Writer, run_writers
from tribe_service.embedded_postgres import EmbeddedPostgres, temporary_server

APPLICATION_NAME = "tribe-stress-writes"
RECOVERY_LIMIT_SECONDS = 1.0
PROBE_INTERVAL_SECONDS = 0.05
HANG_UP_RATE = 0.03
SKILLS_SQL = "SELECT slug FROM skills ORDER BY slug LIMIT 12"
ALLOWED_UNKNOWN = ("DATABASE_UNAVAILABLE", "HTTP 503 DATABASE_UNAVAILABLE", "TIMEOUT")


@dataclass
class Fault:
    """One failure staged under the writers: from when it began to when it was over."""

    name: str
    began: float = float("nan")
    ended: float = float("nan")
    note: str = ""


@dataclass
class Timeline:
    """The faults, and when the primary accepted connections again."""

    faults: list[Fault] = field(default_factory=list)
    primary_back: float = float("nan")
    worker_replaced: bool = False


@dataclass
class Servers:
    """What the faults act on."""

    primary: EmbeddedPostgres
    replica: EmbeddedPostgres
    app: ServerProcess
    workers: int

    def __post_init__(self) -> None:
        self.primary_port = self.primary.port
        self.replica_port = self.replica.port


async def _stage(
    timeline: Timeline, name: str, origin: float, act: Callable[[], Awaitable[str]]
) -> None:
    fault = Fault(name, began=time.monotonic() - origin)
    timeline.faults.append(fault)
    try:
        fault.note = await act()
    finally:
        fault.ended = time.monotonic() - origin


async def _primary_outage(servers: Servers, timeline: Timeline, origin: float, down: float) -> str:
    await asyncio.to_thread(servers.primary.stop)
    try:
        await asyncio.sleep(down)
    finally:
        # On its own port: another server may have taken a free port meanwhile (start refuses).
        await asyncio.to_thread(servers.primary.start, servers.primary_port)
        timeline.primary_back = time.monotonic() - origin
    return f"down {down:.0f} s"


async def _replica_stopped(servers: Servers, seconds: float) -> str:
    await asyncio.to_thread(servers.replica.stop)
    try:
        await asyncio.sleep(seconds)
    finally:
        await asyncio.to_thread(servers.replica.start, servers.replica_port)
    return f"stopped {seconds:.0f} s"


async def _replica_lagging(servers: Servers, seconds: float) -> str:
    await asyncio.to_thread(servers.replica.psql, "SELECT pg_wal_replay_pause()")
    await asyncio.sleep(seconds)
    lag = await asyncio.to_thread(
        servers.replica.psql,
        "SELECT coalesce(round(extract(epoch FROM now() - pg_last_xact_replay_timestamp())), 0)",
    )
    await asyncio.to_thread(servers.replica.stop)  # a restart resumes replay
    await asyncio.to_thread(servers.replica.start, servers.replica_port)
    return f"replay paused {seconds:.0f} s (last replayed commit {lag} s old), then restarted"


async def _kill_worker(servers: Servers, timeline: Timeline) -> str:
    before = {p.pid for p in servers.app.worker_processes()}
    victim = min(before)
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 30.0
    while time.monotonic() < deadline:
        await asyncio.sleep(0.2)
        now = {p.pid for p in servers.app.worker_processes() if _serving(p)}
        if victim not in now and len(now) == servers.workers:
            timeline.worker_replaced = True
            return f"worker {victim} killed; {sorted(now - before)} took its place"
    return f"worker {victim} killed; not replaced within 30 s"


def _serving(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


async def _faults(
    servers: Servers, timeline: Timeline, origin: float, down: float, probe: Writer
) -> None:
    """The fixed timeline of faults (seconds from the writers' start)."""

    async def at(second: float) -> None:
        await asyncio.sleep(max(0.0, second - (time.monotonic() - origin)))

    await at(8.0)
    probing = asyncio.create_task(_probe(probe, origin, timeline, down + 3.0 + 2.0))
    await _stage(
        timeline,
        "primary stopped",
        origin,
        lambda: _primary_outage(servers, timeline, origin, down),
    )
    await probing
    await at(26.0)
    await _stage(timeline, "replica stopped", origin, lambda: _replica_stopped(servers, 4.0))
    await at(34.0)
    await _stage(
        timeline, "replica lagging, restarted", origin, lambda: _replica_lagging(servers, 8.0)
    )
    await at(50.0)
    await _stage(timeline, "worker killed", origin, lambda: _kill_worker(servers, timeline))


async def _probe(probe: Writer, origin: float, timeline: Timeline, seconds: float) -> None:
    """A write every 50 ms through the outage and for a while after the return."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        await probe.probe("completeOnboarding", {})
        await asyncio.sleep(PROBE_INTERVAL_SECONDS)


async def _run(
    servers: Servers, world: World, *, seconds: float, down: float, seed: int
) -> Timeline:
    origin = time.monotonic()
    timeline = Timeline()
    probe_builder, *writers = world.builders
    probe = Writer(
        world,
        probe_builder,
        servers.app.port,
        origin=origin,
        deadline=origin + seconds,
        hang_up_rate=0.0,
        rng=random.Random(seed),
    )
    faults = asyncio.create_task(_faults(servers, timeline, origin, down, probe))
    try:
        await run_writers(
            servers.app.port,
            world,
            writers,
            seconds=seconds,
            origin=origin,
            hang_up_rate=HANG_UP_RATE,
            seed=seed,
        )
    finally:
        await faults
    return timeline


async def _prepare(url: str, count: int, secret: str) -> tuple[list[SignedInBuilder], list[str]]:
    connection = await asyncpg.connect(url, timeout=10)
    try:
        prefix = f"writer-{secrets.token_hex(3)}-"
        builders = await sign_in_builders(
            connection, count=count, prefix=prefix, session_secret=secret
        )
        skills = [row["slug"] for row in await connection.fetch(SKILLS_SQL)]
    finally:
        await connection.close()
    return builders, skills


async def _audit(url: str, world: World) -> Audit:
    connection = await asyncpg.connect(url, timeout=10)
    try:
        return await audit_writes(connection, [b.user_id for b in world.builders], world.history)
    finally:
        await connection.close()


def phase_writes(
    database_url: str,
    data_dir: Path,
    *,
    workers: int,
    writers: int,
    seconds: float,
    down_seconds: float,
    seed: int,
    base_env: dict[str, str],
) -> Phase:
    """Run the writers through the faults; audit the database and the answers."""
    phase = Phase(
        f"6. {writers} writers for {seconds:.0f} s through database, replica and worker failures"
    )
    primary, reason = embedded_server_for(database_url, data_dir)
    if primary is None:
        phase.check("writes survive failures", None, f"not run: {reason}")
        return phase
    secret = secrets.token_urlsafe(32)
    builders, skills = asyncio.run(_prepare(database_url, writers + 1, secret))
    world = World(builders=builders, skills=skills)
    database = database_url.rsplit("/", 1)[-1].split("?", 1)[0]
    with temporary_server("stress-replica-", replica_of=primary) as replica:
        env = {
            **base_env,
            "DATABASE_URL": with_application_name(database_url, APPLICATION_NAME),
            "DATABASE_REPLICA_URLS": replica.url(database),
            "SESSION_SECRET": secret,
            "OPERATION_TIMEOUT_SECONDS": "5",
            **NO_RATE_LIMIT,
        }
        with uvicorn_server("tribe_service.app:app", workers=workers, env=env) as app:
            servers = Servers(primary, replica, app, workers)
            try:
                timeline = asyncio.run(
                    _run(servers, world, seconds=seconds, down=down_seconds, seed=seed)
                )
            finally:
                if not primary.is_running():
                    primary.start(servers.primary_port)
                if not replica.is_running():
                    replica.start(servers.replica_port)
            app.check_alive()
            keep_evidence(world, app.log_tail(lines=1_000_000))
    audit = asyncio.run(_audit(database_url, world))
    report_writes(phase, world, timeline, audit, writers=writers, seconds=seconds)
    return phase


EVIDENCE_DIR = Path(tempfile.gettempdir()) / "tribe-stress-writes"


def keep_evidence(world: World, server_log: str) -> None:
    """Every write with its attempts, and the server's log, for a failed check to be traced."""
    EVIDENCE_DIR.mkdir(exist_ok=True)
    with (EVIDENCE_DIR / "history.jsonl").open("w") as out:
        for write in world.history:
            out.write(json.dumps(dataclasses.asdict(write), default=str) + "\n")
    (EVIDENCE_DIR / "server.log").write_text(server_log)


def _in_flight(attempt: Attempt, began: float, ended: float) -> bool:
    return attempt.ended >= began and attempt.started <= ended


def _answers(attempts: list[Attempt]) -> str:
    counts = Counter(a.label for a in attempts)
    return ", ".join(f"{label} {n}" for label, n in counts.most_common()) or "none"


def _recovery(attempts: list[Attempt], back: float) -> tuple[float, list[Attempt]]:
    """Seconds from the primary's return to the first correct answer; failures after 1 s."""
    after = [a for a in attempts if a.started >= back]
    correct = [a.ended - back for a in after if a.answer in {Answer.ACKNOWLEDGED, Answer.REFUSED}]
    late = [
        a
        for a in after
        if back + RECOVERY_LIMIT_SECONDS <= a.started <= back + 8.0 and a.label in ALLOWED_UNKNOWN
    ]
    return min(correct, default=float("inf")), late


def report_writes(
    phase: Phase, world: World, timeline: Timeline, audit: Audit, *, writers: int, seconds: float
) -> None:
    """The phase's checks and lines."""
    attempts = [a for w in world.history for a in w.attempts]
    # A client that waited REQUEST_TIMEOUT_SECONDS for nothing met a hang: as bad as a 500.
    bad = [a for a in attempts if a.answer is Answer.BAD or a.label == NO_ANSWER]
    phase.check(
        "every acknowledged write is there, exactly once",
        not audit.lost and not audit.duplicates,
        f"{audit.found:,} of {audit.checked:,} checked acknowledged writes found "
        f"({audit.superseded:,} more superseded by a later one of their owner); "
        f"{len(audit.duplicates)} duplicates, {len(audit.lost)} lost"
        + (
            f": {examples(audit.duplicates + audit.lost)}" if audit.lost or audit.duplicates else ""
        ),
    )
    phase.check(
        "nothing refused or failed is half-applied",
        not audit.half_applied,
        f"{len(audit.half_applied)} half-applied"
        + (f": {examples(audit.half_applied)}" if audit.half_applied else ""),
    )
    unexplained = audit.unmatched_events + audit.phantoms
    phase.check(
        "every feed event and row matches a write",
        not unexplained,
        f"{len(audit.unmatched_events)} feed events and {len(audit.phantoms)} rows no write explains"
        + (f": {examples(unexplained)}" if unexplained else ""),
    )
    phase.check(
        "the state-machine test's invariants hold",
        not audit.invariants,
        "all hold"
        if not audit.invariants
        else examples(f"{k}: {v[:3]}" for k, v in audit.invariants.items()),
    )
    phase.check(
        "only DATABASE_UNAVAILABLE, TIMEOUT, a lost connection or userErrors: never another 5xx,"
        " a traceback or a hang",
        not bad,
        f"{len(bad)} of {len(attempts):,} answers otherwise"
        + (f" ({_answers(bad)})" if bad else ""),
    )
    recovery, late = _recovery(attempts, timeline.primary_back)
    phase.check(
        f"correct again within {RECOVERY_LIMIT_SECONDS:.0f} s of the primary's return",
        recovery <= RECOVERY_LIMIT_SECONDS and not late,
        f"first correct answer {recovery * 1000:,.0f} ms after the primary accepted connections; "
        f"{len(late)} unavailable/timeout answers to requests sent 1-8 s after it",
    )
    kill = next((f for f in timeline.faults if f.name == "worker killed"), None)
    phase.check(
        "a worker killed with SIGKILL is replaced",
        timeline.worker_replaced,
        kill.note if kill else "not staged",
    )
    _lines(
        phase, world, timeline, audit, attempts, writers=writers, seconds=seconds, recovery=recovery
    )


def _lines(
    phase: Phase,
    world: World,
    timeline: Timeline,
    audit: Audit,
    attempts: list[Attempt],
    *,
    writers: int,
    seconds: float,
    recovery: float,
) -> None:
    phase.lines += [
        f"{writers} clients, each signed in as a builder of its own, sent random mutations for "
        f"{seconds:.0f} s (and finished their retries) to `uvicorn --workers 2` with a streaming "
        "replica in `DATABASE_REPLICA_URLS`; every create carried an idempotency key and was "
        f"retried with it while its outcome was unknown; {HANG_UP_RATE:.0%} of the requests hung up "
        "0-0.6 s after sending (before or after the commit). A probe builder completed its onboarding every 50 ms from the primary's "
        "stop until 5 s after its return. Then the database was checked against every answer "
        "(`harness/write_audit.py`).",
        "",
        "| attempted | acknowledged | refused | outcome unknown | retried | requests | checked "
        "| found | duplicates | lost | half-applied |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
        f"| {audit.attempted:,} | {audit.acknowledged:,} | {audit.refused:,} | {audit.ambiguous:,} "
        f"| {audit.retried:,} | {audit.requests:,} | {audit.checked:,} | {audit.found:,} "
        f"| {len(audit.duplicates)} | {len(audit.lost)} | {len(audit.half_applied)} |",
        "",
        "*Checked*: the acknowledged writes whose effect the database can show on its own "
        "(created rows, the last value of a field only its owner writes, closed and filled roles, "
        "the feed event of an accepted invitation or approved request); the others (invitations, "
        "requests, removals, leaving) are covered by the invariants and the feed-event bounds.",
        "",
        "Answers the clients got while each fault lasted (and 1 s after):",
        "",
        "| fault | from (s) | to (s) | what happened | answers |",
        "|---|---|---|---|---|",
    ]
    windows = [(f.began, f.ended + 1.0) for f in timeline.faults]
    for fault in timeline.faults:
        during = [a for a in attempts if _in_flight(a, fault.began, fault.ended + 1.0)]
        phase.lines.append(
            f"| {fault.name} | {fault.began:.1f} | {fault.ended:.1f} | {fault.note} | {_answers(during)} |"
        )
    calm = [a for a in attempts if not any(_in_flight(a, b, e) for b, e in windows)]
    hung_up = [a for a in calm if a.label == "client disconnected"]
    phase.lines.append(f"| none | | | | {_answers(calm)} |")
    phase.lines += [
        "",
        f"Clients that hung up mid-request: {sum(1 for a in attempts if a.label == 'client disconnected'):,} "
        f"requests ({len(hung_up):,} outside the faults). The primary accepted connections again "
        f"at {timeline.primary_back:.2f} s; the first correct answer came {recovery * 1000:,.0f} ms later.",
        "",
        "Per mutation (acknowledged / refused / outcome unknown):",
        "",
        "| mutation | acknowledged | refused | unknown |",
        "|---|---|---|---|",
    ]
    per: dict[str, Counter[str]] = defaultdict(Counter)
    for write in world.history:
        kind = "ack" if write.acknowledged else "refused" if write.cleanly_refused else "unknown"
        per[write.operation][kind] += 1
    for operation in sorted(per):
        c = per[operation]
        phase.lines.append(f"| {operation} | {c['ack']:,} | {c['refused']:,} | {c['unknown']:,} |")
    bad = Counter(a.detail for a in attempts if a.answer is Answer.BAD)
    if bad:
        phase.lines += ["", "Bad answers (the start of their bodies):", ""]
        phase.lines += [f"- {n} x `{detail}`" for detail, n in bad.most_common(5)]
    seen = sum(1 for r in world.read_backs if r.seen)
    phase.lines += [
        "",
        f"Reads of an object right after its writer was told it was written (measured, not a "
        f"check: read-your-writes across workers and replicas is its own issue): {seen:,} of "
        f"{len(world.read_backs):,} saw it.",
    ]
    misses = Counter(f"{r.kind}: {r.label}" for r in world.read_backs if r.seen is not True)
    if misses:
        phase.lines += ["", "Reads that did not see it, or failed:", ""]
        phase.lines += [f"- {n} x `{label}`" for label, n in misses.most_common(5)]

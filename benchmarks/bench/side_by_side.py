"""Side by side: several servers measured in alternating rounds, medians reported.

A comparison between two servers measured one after the other on this shared
2-CPU machine mostly measures the machine's mood. Here every contender is up at
once; each round measures every contender once per scenario and client count,
in an order that rotates from round to round, and the report gives each
figure's median over the rounds, with the ratios to the first contender.

Before measuring, every contender's answer to every scenario is checked against
the first's (:attr:`Contender.answer_key` against :attr:`Contender.first_key`):
the same bytes for two versions of this service, the same rows for another engine.
Statements per request, as PostgreSQL logs them, are counted for every contender
in a pass of their own (:func:`count_statements`), since logging slows the server.
"""

from __future__ import annotations

import contextlib
import re
import statistics
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.bench.measuring import BenchError, fetch_once
from harness.load import HttpRequest, LoadResult
from harness.server import ServerProcess
from tribe_service.embedded_postgres import StatementLog

LOG_SETTLE_SECONDS = 0.1
Measure = Callable[..., tuple[LoadResult, float, float | None]]


AnswerKey = Callable[[str, bytes], object]  # (scenario, body) -> what must be equal


def same_bytes(scenario: str, body: bytes) -> object:
    """The answer key of a contender that must answer byte for byte like the first."""
    return body


@dataclass(frozen=True)
class Contender:
    """A server to compare: how to start it, what it is asked, how its answers compare.

    ``answer_key`` reduces this contender's answers, ``first_key`` the first
    contender's, to what must be equal (bytes, or rows for another schema).
    """

    name: str
    server: Callable[[], contextlib.AbstractContextManager[ServerProcess]]
    requests: Mapping[str, HttpRequest]  # scenario -> this server's request for it
    answer_key: AnswerKey = same_bytes
    first_key: AnswerKey = same_bytes
    statements: Mapping[str, int] = field(default_factory=dict)  # scenario -> as PostgreSQL logs


@dataclass
class Sample:
    """One contender's measurements of one scenario at one client count, a round each."""

    contender: str
    scenario: str
    concurrency: int
    results: list[LoadResult] = field(default_factory=list)
    app_cpu_seconds: list[float] = field(default_factory=list)
    db_cpu_seconds: list[float | None] = field(default_factory=list)

    def median(self, per_round: Callable[[int], float]) -> float:
        """The median over the rounds of ``per_round(round index)``."""
        return statistics.median(per_round(i) for i in range(len(self.results)))

    @property
    def rps(self) -> float:
        """Median requests per second."""
        return self.median(lambda i: self.results[i].rps)

    def latency_ms(self, q: float) -> float:
        """Median of the rounds' ``q``-th percentile latency."""
        return self.median(lambda i: self.results[i].percentile_ms(q))

    def cpu_ms(self, seconds: Sequence[float | None]) -> float | None:
        """Median CPU milliseconds per request (None where not measured)."""
        if any(value is None for value in seconds):
            return None
        return self.median(lambda i: (seconds[i] or 0.0) / max(self.results[i].requests, 1) * 1e3)

    @property
    def failed(self) -> int:
        """Failed requests over every round."""
        return sum(result.failed for result in self.results)


def check_answers(contenders: Sequence[Contender], servers: Mapping[str, ServerProcess]) -> None:
    """Every contender answers every scenario like the first, or the benchmark stops."""
    first = contenders[0]
    for scenario, request in first.requests.items():
        first_body = fetch_once(servers[first.name], request)
        for other in contenders[1:]:
            if scenario not in other.requests:
                continue
            expected = other.first_key(scenario, first_body)
            answer = other.answer_key(
                scenario, fetch_once(servers[other.name], other.requests[scenario])
            )
            if answer != expected:
                raise BenchError(f"{scenario}: {other.name} answers differently from {first.name}")


def count_statements(
    contenders: Sequence[Contender], log: StatementLog, runs: int = 5
) -> dict[str, dict[str, int]]:
    """Statements PostgreSQL logs per request, per contender and scenario.

    The servers start inside ``log`` (its setting reaches new connections only).
    Each scenario is sent twice to warm up, then ``runs`` times; the fewest
    statements of one request is reported, so that a statement of a periodic
    task that lands beside a request (the app's embedding filler) is not counted.
    """
    counts: dict[str, dict[str, int]] = {}
    with started(contenders) as servers:
        for contender in contenders:
            server = servers[contender.name]
            for scenario, request in contender.requests.items():
                for _ in range(2):
                    fetch_once(server, request)
                seen = [len(logged_statements(server, log, request)) for _ in range(runs)]
                counts.setdefault(contender.name, {})[scenario] = min(seen)
    return counts


def logged_statements(server: ServerProcess, log: StatementLog, request: HttpRequest) -> list[str]:
    """The statements PostgreSQL logged while ``server`` answered ``request`` once."""
    mark = log.mark()
    fetch_once(server, request)
    time.sleep(LOG_SETTLE_SECONDS)  # the server writes its log as it executes
    return log.since(mark)


@contextlib.contextmanager
def started(contenders: Sequence[Contender]) -> Iterator[dict[str, ServerProcess]]:
    """Every contender's server, up together; all stopped on the way out."""
    with contextlib.ExitStack() as stack:
        yield {c.name: stack.enter_context(c.server()) for c in contenders}


def run_rounds(
    contenders: Sequence[Contender],
    concurrencies: Sequence[int],
    rounds: int,
    measure: Measure,
    say: Callable[[str], None],
) -> list[Sample]:
    """Measure every contender ``rounds`` times, alternating; the samples, in table order."""
    samples: dict[tuple[str, str, int], Sample] = {}
    with started(contenders) as servers:
        check_answers(contenders, servers)
        for round_index in range(rounds):
            order = [
                *contenders[round_index % len(contenders) :],
                *contenders[: round_index % len(contenders)],
            ]
            for scenario in contenders[0].requests:
                for concurrency in concurrencies:
                    for contender in order:
                        if scenario not in contender.requests:
                            continue
                        say(
                            f"round {round_index + 1}/{rounds}: {scenario}, {contender.name}, {concurrency} client(s)"
                        )
                        result, app_cpu, db_cpu = measure(
                            servers[contender.name],
                            contender.requests[scenario],
                            concurrency=concurrency,
                        )
                        key = (scenario, contender.name, concurrency)
                        sample = samples.setdefault(
                            key, Sample(contender.name, scenario, concurrency)
                        )
                        sample.results.append(result)
                        sample.app_cpu_seconds.append(app_cpu)
                        sample.db_cpu_seconds.append(db_cpu)
    names = [c.name for c in contenders]
    return sorted(
        samples.values(),
        key=lambda s: (
            list(contenders[0].requests).index(s.scenario),
            s.concurrency,
            names.index(s.contender),
        ),
    )


START_MARKER = "<!-- side-by-side:start -->"
END_MARKER = "<!-- side-by-side:end -->"


@dataclass
class Comparison:
    """A side-by-side run: its contenders (the first is the one the ratios divide by)."""

    contenders: list[str]
    rounds: int
    samples: list[Sample]
    explanation: list[str] = field(default_factory=list)
    statements: dict[str, Mapping[str, int]] = field(default_factory=dict)


def _ms(value: float | None) -> str:
    if value is None or value != value:  # NaN
        return "-"
    return f"{value:.0f}" if value >= 100 else f"{value:.1f}"


def render_comparison(comparison: Comparison) -> list[str]:
    """The Markdown section, between markers so that a side-by-side-only run can replace it."""
    first = comparison.contenders[0]
    lines = [
        START_MARKER,
        "## Side by side",
        "",
        f"Contenders: {', '.join(f'*{name}*' for name in comparison.contenders)}, all up at once, "
        f"measured in {comparison.rounds} alternating rounds (the order rotates each round); each "
        "figure is the median over the rounds; ratios are req/s ÷ the same row's "
        f"*{first}* req/s. Answers were checked before measuring.",
        *comparison.explanation,
        "",
        "| scenario | clients | contender | req/s | ÷ " + first + " | p50 ms | p99 ms "
        "| app CPU ms/req | DB CPU ms/req | statements | failed |",
        "|---|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    base: dict[tuple[str, int], float] = {
        (s.scenario, s.concurrency): s.rps for s in comparison.samples if s.contender == first
    }
    for sample in comparison.samples:
        reference = base.get((sample.scenario, sample.concurrency))
        share = f"{sample.rps / reference:.2f}x" if reference else "-"
        statements = comparison.statements.get(sample.contender, {}).get(sample.scenario)
        lines.append(
            f"| {sample.scenario} | {sample.concurrency} | {sample.contender} "
            f"| {sample.rps:.1f} | {share} | {_ms(sample.latency_ms(50))} "
            f"| {_ms(sample.latency_ms(99))} | {_ms(sample.cpu_ms(sample.app_cpu_seconds))} "
            f"| {_ms(sample.cpu_ms(sample.db_cpu_seconds))} "
            f"| {statements if statements is not None else '-'} | {sample.failed} |"
        )
    lines += ["", END_MARKER]
    return lines


def replace_section(path: Path, section: str) -> None:
    """Put ``section`` in place of the marked one in ``path`` (appended if it has none)."""
    text = path.read_text() if path.exists() else ""
    pattern = re.compile(re.escape(START_MARKER) + ".*?" + re.escape(END_MARKER), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: section, text)
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    path.write_text(text)

"""Phase 3: schemathesis' generated GraphQL queries against a development server."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from benchmarks.stress.phase import Phase
from harness.responses import graphql_error_codes
from harness.server import NO_RATE_LIMIT, uvicorn_server


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

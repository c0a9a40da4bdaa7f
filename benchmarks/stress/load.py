"""Phase 1: many concurrent clients of mixed requests; no 5xx, no GraphQL error."""

from __future__ import annotations

import math

from benchmarks.stress.mixes import Mix
from benchmarks.stress.phase import MAX_REQUESTS, Phase, describe_problems
from harness.load import round_robin, run_async, run_load
from harness.responses import classify
from harness.server import ServerProcess


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
    phase.check(
        "no timeouts or transport errors", other == 0, describe_problems(result.problems) or "none"
    )
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

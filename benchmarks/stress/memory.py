"""Phase 4: the serving processes' memory over many mixed requests."""

from __future__ import annotations

import math
import time

from benchmarks.stress.mixes import Mix
from benchmarks.stress.phase import Phase
from harness.load import LoadResult, round_robin, run_async, run_load
from harness.responses import classify
from harness.server import ServerProcess

MEMORY_TOLERANCE = 0.10


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

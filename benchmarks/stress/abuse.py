"""Phase 5: normal clients while attackers send issue 11's attacks (production defaults)."""

from __future__ import annotations

import math

from benchmarks.stress.attackers import NORMAL_PAUSE_SECONDS, run_abuse
from benchmarks.stress.mixes import Mix
from benchmarks.stress.phase import Phase, describe_problems
from harness.load import LOCALHOST, run_async
from harness.responses import classify
from harness.server import uvicorn_server

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
        "normal clients: no errors",
        normal.failed == 0,
        describe_problems(normal.problems) or "none",
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

"""``just bench-overhead``: what metrics and tracing cost the landing page.

Two ``just serve``-style servers on the scaled data (``just scale`` first), one
with ``METRICS=false`` and no ``OTEL_*`` variables (off), one with metrics in
multiprocess mode and every request traced and exported over OTLP/HTTP to a
null collector on 127.0.0.1 (on). Both log one line per operation, as in
production. The landing page is loaded at 16 clients, alternating off and on
for several rounds so that drift on a shared machine hits both alike; the
target is at most 5 % fewer requests per second with both on.

It writes the table between the ``overhead`` markers of docs/operations.md
(``--no-write`` prints only).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import statistics
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.load import LoadResult, run_async, run_load
from benchmarks.scenarios import fetch_shape, scenario_request
from benchmarks.server import NO_RATE_LIMIT, StopOnSignal, null_server, uvicorn_server

DEFAULT_OUTPUT = Path("docs/operations.md")
START_MARKER = "<!-- overhead:start -->"
END_MARKER = "<!-- overhead:end -->"
TARGET_LOSS = 0.05  # at most 5 % fewer requests per second with metrics and tracing on
MAX_REQUESTS = 1_000_000
OFF, ON = "off", "metrics + tracing"


@dataclass
class Measurement:
    """Every round of one configuration."""

    name: str
    rounds: list[LoadResult]

    @property
    def rps(self) -> float:
        """Median requests per second over the rounds."""
        return statistics.median(result.rps for result in self.rounds)

    @property
    def p50_ms(self) -> float:
        """Median of the rounds' median latencies."""
        return statistics.median(result.percentile_ms(50) for result in self.rounds)

    @property
    def p99_ms(self) -> float:
        """Median of the rounds' 99th percentiles."""
        return statistics.median(result.percentile_ms(99) for result in self.rounds)

    @property
    def failed(self) -> int:
        """Requests that failed in any round."""
        return sum(result.failed for result in self.rounds)


def server_environment(on: bool, collector_port: int, multiprocess_dir: str) -> dict[str, str]:
    """The environment of the off or on server (logs as in production, JSON lines)."""
    env = {**NO_RATE_LIMIT, "LOG_FORMAT": "json", "METRICS": "true" if on else "false"}
    for name in [name for name in os.environ if name.startswith("OTEL_")]:
        env[name] = ""  # nothing from the caller's shell: off means off
    if on:
        env.update(
            {
                "PROMETHEUS_MULTIPROC_DIR": multiprocess_dir,
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": f"http://127.0.0.1:{collector_port}/v1/traces",
                "OTEL_SERVICE_NAME": "tribe-bench",
                "OTEL_TRACES_SAMPLER": "always_on",  # the worst case: every request traced
            }
        )
    return env


def measure(args: argparse.Namespace) -> tuple[Measurement, Measurement]:
    """Alternate off and on for ``args.rounds`` rounds each; the two measurements."""
    shape = run_async(fetch_shape(args.database_url))
    request = scenario_request("landing", shape)
    lifetime = args.rounds * 2 * (args.duration + args.warmup) + 120
    off, on = Measurement(OFF, []), Measurement(ON, [])
    with (
        StopOnSignal(),
        tempfile.TemporaryDirectory(prefix="tribe-metrics-") as multiprocess_dir,
        contextlib.ExitStack() as stack,
    ):
        collector = stack.enter_context(null_server(body_size=16, lifetime=lifetime))
        servers = {}
        for measurement in (off, on):
            env = server_environment(measurement is on, collector.port, multiprocess_dir)
            env["DATABASE_URL"] = args.database_url
            servers[measurement.name] = stack.enter_context(
                uvicorn_server(
                    "tribe_service.app:app",
                    workers=args.workers,
                    env=env,
                    name=f"overhead {measurement.name}",
                )
            )
        for round_number in range(args.rounds):
            for measurement in (off, on) if round_number % 2 == 0 else (on, off):
                port = servers[measurement.name].port
                say(f"round {round_number + 1}/{args.rounds}: {measurement.name}")
                load(port, request, args.clients, args.warmup)
                measurement.rounds.append(load(port, request, args.clients, args.duration))
    return off, on


def load(port: int, request: object, clients: int, seconds: float) -> LoadResult:
    """The landing page at ``clients`` clients for ``seconds``."""
    return run_async(
        run_load(
            port,
            lambda _: request,  # type: ignore[arg-type,return-value]
            concurrency=clients,
            duration=seconds,
            max_requests=MAX_REQUESTS,
        )
    )


def render(off: Measurement, on: Measurement, args: argparse.Namespace) -> str:
    """The markdown section for docs/operations.md."""
    loss = 1 - on.rps / off.rps if off.rps else float("nan")
    verdict = "met" if loss <= TARGET_LOSS else "missed"
    lines = [
        START_MARKER,
        f"The landing page at {args.clients} clients, `WORKERS={args.workers}`, "
        f"{args.rounds} alternating rounds of {args.duration:.0f} s each (median of the rounds); "
        "written by `just bench-overhead`.",
        "",
        "| configuration | req/s | p50 ms | p99 ms | failed |",
        "|---|---:|---:|---:|---:|",
    ]
    for measurement in (off, on):
        lines.append(
            f"| {measurement.name} | {measurement.rps:.0f} | {measurement.p50_ms:.1f}"
            f" | {measurement.p99_ms:.1f} | {measurement.failed} |"
        )
    rounds = ", ".join(
        f"{a.rps:.0f}/{b.rps:.0f}" for a, b in zip(off.rounds, on.rounds, strict=True)
    )
    lines += [
        "",
        f"Throughput with metrics and tracing on: **{-loss:+.1%}** against off "
        f"(target: at most {TARGET_LOSS:.0%} fewer req/s; {verdict}). Per round, off/on req/s: {rounds}.",
        END_MARKER,
    ]
    return "\n".join(lines)


def write_section(path: Path, section: str) -> None:
    """Replace the text between the markers of ``path`` with ``section``."""
    text = path.read_text()
    pattern = re.compile(re.escape(START_MARKER) + ".*?" + re.escape(END_MARKER), re.DOTALL)
    if not pattern.search(text):
        raise SystemExit(f"{path} has no {START_MARKER} ... {END_MARKER} section")
    path.write_text(pattern.sub(lambda _: section, text))


def say(message: str) -> None:
    """Progress, on stderr."""
    print(message, file=sys.stderr, flush=True)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per round")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds before each round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per configuration")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn workers per server")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    args.database_url = os.environ.get("DATABASE_URL", "")
    if not args.database_url:
        parser.error("DATABASE_URL is not set (run it through `just bench-overhead`)")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Measure off and on, print the section and write it into docs/operations.md."""
    args = parse_args(argv)
    off, on = measure(args)
    section = render(off, on, args)
    print(section)
    if not args.no_write:
        write_section(args.output, section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

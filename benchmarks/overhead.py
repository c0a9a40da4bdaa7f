"""``just bench-overhead``: what metrics and tracing cost the landing page.

``just serve``-style servers on the scaled data (``just scale`` first), one per
configuration (:data:`CONFIGURATIONS`): ``METRICS=false`` and no ``OTEL_*``
variables (off); metrics (multiprocess mode); metrics and traces of a tenth of
the requests, as production would run them; metrics and traces of every
request. Traces go over OTLP/HTTP to a null collector on 127.0.0.1; every server
logs one JSON line per operation, as in production. The landing page is loaded
at 16 clients, the configurations taking turns for several rounds so that drift
on a shared machine hits all alike; the target is at most 5 % fewer requests
per second with metrics and (sampled) tracing on.

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
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.bench.measuring import CpuMeter
from harness.load import LoadResult, run_async, run_load
from harness.scenarios import fetch_shape, scenario_request
from harness.server import NO_RATE_LIMIT, StopOnSignal, null_server, uvicorn_server

DEFAULT_OUTPUT = Path("docs/operations.md")
START_MARKER = "<!-- overhead:start -->"
END_MARKER = "<!-- overhead:end -->"
TARGET_LOSS = 0.05  # at most 5 % fewer requests per second with metrics and tracing on
MAX_REQUESTS = 1_000_000


@dataclass(frozen=True)
class Configuration:
    """What one server has on (its environment on top of the caller's)."""

    name: str
    metrics: bool
    sampler: str | None = None  # OTEL_TRACES_SAMPLER; None: no tracing
    sampler_arg: str | None = None

    def environment(self, collector_port: int, multiprocess_dir: str) -> dict[str, str]:
        """The server's environment (logs as in production: JSON lines)."""
        env = {**NO_RATE_LIMIT, "LOG_FORMAT": "json", "METRICS": str(self.metrics).lower()}
        for name in [name for name in os.environ if name.startswith("OTEL_")]:
            env[name] = ""  # nothing from the caller's shell: off means off
        if self.metrics:
            env["PROMETHEUS_MULTIPROC_DIR"] = multiprocess_dir
        if self.sampler is not None:
            endpoint = f"http://127.0.0.1:{collector_port}/v1/traces"
            env.update(
                {
                    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": endpoint,
                    "OTEL_SERVICE_NAME": "tribe-bench",
                    "OTEL_TRACES_SAMPLER": self.sampler,
                    "OTEL_TRACES_SAMPLER_ARG": self.sampler_arg or "",
                }
            )
        return env


OFF = Configuration("off", metrics=False)
CONFIGURATIONS = [
    OFF,
    Configuration("metrics", metrics=True),
    # What production would run: every metric, a tenth of the requests traced.
    Configuration(
        "metrics + tracing (10 % sampled)",
        metrics=True,
        sampler="parentbased_traceidratio",
        sampler_arg="0.1",
    ),
    Configuration("metrics + tracing (every request)", metrics=True, sampler="always_on"),
]
JUDGED = CONFIGURATIONS[2]


@dataclass
class Measurement:
    """Every round of one configuration, and the app's CPU seconds in each."""

    name: str
    rounds: list[LoadResult]
    cpu_seconds: list[float] = field(default_factory=list)

    @property
    def cpu_ms(self) -> float:
        """Median over the rounds of the app's CPU time per request (its workers, user + system)."""
        return statistics.median(
            seconds * 1000 / result.requests
            for seconds, result in zip(self.cpu_seconds, self.rounds, strict=True)
            if result.requests
        )

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


def measure(args: argparse.Namespace) -> list[Measurement]:
    """Every configuration, ``args.rounds`` rounds each, in a rotating order."""
    shape = run_async(fetch_shape(args.database_url))
    request = scenario_request("landing", shape)
    count = len(CONFIGURATIONS)
    lifetime = args.rounds * count * (args.duration + args.warmup) + 180
    measurements = [Measurement(configuration.name, []) for configuration in CONFIGURATIONS]
    with (
        StopOnSignal(),
        tempfile.TemporaryDirectory(prefix="tribe-metrics-") as multiprocess_dir,
        contextlib.ExitStack() as stack,
    ):
        collector = stack.enter_context(null_server(body_size=16, lifetime=lifetime))
        servers = []
        for index, configuration in enumerate(CONFIGURATIONS):
            # Each server its own metrics directory: they must not add up each other's.
            directory = Path(multiprocess_dir) / str(index)
            directory.mkdir()
            env = configuration.environment(collector.port, str(directory))
            env["DATABASE_URL"] = args.database_url
            server = uvicorn_server(
                "tribe_service.app:app",
                workers=args.workers,
                env=env,
                name=f"overhead {configuration.name}",
            )
            servers.append(stack.enter_context(server))
        for round_number in range(args.rounds):
            for step in range(count):
                index = (step + round_number) % count  # each configuration leads once in a while
                say(f"round {round_number + 1}/{args.rounds}: {CONFIGURATIONS[index].name}")
                port = servers[index].port
                load(port, request, args.clients, args.warmup)
                meter = CpuMeter(servers[index].worker_processes)
                meter.start()
                result = load(port, request, args.clients, args.duration)
                measurements[index].cpu_seconds.append(meter.seconds())
                measurements[index].rounds.append(result)
    return measurements


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


def render(measurements: Sequence[Measurement], args: argparse.Namespace) -> str:
    """The markdown section for docs/operations.md."""
    off = measurements[0]
    lines = [
        START_MARKER,
        f"The landing page at {args.clients} clients, `WORKERS={args.workers}`, "
        f"{args.rounds} rounds of {args.duration:.0f} s per configuration in a rotating order "
        "(medians of the rounds); JSON logs in every configuration; traces exported over "
        "OTLP/HTTP to a null collector on 127.0.0.1. Written by `just bench-overhead`.",
        "",
        "| configuration | req/s | vs off | app CPU ms/request | vs off | p50 ms | p99 ms | failed"
        " | req/s per round |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for measurement in measurements:
        change = measurement.rps / off.rps - 1 if off.rps else float("nan")
        cpu_change = measurement.cpu_ms / off.cpu_ms - 1 if off.cpu_ms else float("nan")
        rounds = ", ".join(f"{result.rps:.0f}" for result in measurement.rounds)
        lines.append(
            f"| {measurement.name} | {measurement.rps:.0f} | {change:+.1%}"
            f" | {measurement.cpu_ms:.2f} | {cpu_change:+.1%}"
            f" | {measurement.p50_ms:.1f} | {measurement.p99_ms:.1f} | {measurement.failed}"
            f" | {rounds} |"
        )
    judged = next(m for m in measurements if m.name == JUDGED.name)
    loss = 1 - judged.rps / off.rps if off.rps else float("nan")
    # With the CPU saturated, req/s follow the CPU per request: the same comparison, less noisy.
    cpu_loss = 1 - off.cpu_ms / judged.cpu_ms if judged.cpu_ms else float("nan")
    verdict = "met" if loss <= TARGET_LOSS else "missed"
    lines += [
        "",
        f"Target: at most {TARGET_LOSS:.0%} fewer req/s with metrics and tracing on, as production"
        f" would run them ({JUDGED.name}): **{-loss:+.1%} req/s, {verdict}**; from the app's CPU"
        f" time per request, the throughput it would lose on a saturated CPU: {-cpu_loss:+.1%}.",
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
    parser.add_argument("--rounds", type=int, default=4, help="rounds per configuration")
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
    measurements = measure(args)
    section = render(measurements, args)
    print(section)
    if not args.no_write:
        write_section(args.output, section)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""One measurement cell: a server under load for a while, with its CPU and latency."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import psutil

from harness.load import (
    Check,
    HttpRequest,
    LoadResult,
    Picker,
    run_async,
    run_load,
    status_and_errors_check,
)
from harness.server import (
    ServerProcess,
    null_server,
)

REFERENCE = "reference"
REQUEST_TIMEOUT_SECONDS = 30.0
MAX_REQUESTS_PER_CELL = 200_000
COMPILED = "compiled"
RESOLVERS = "resolvers"


class BenchError(RuntimeError):
    """The benchmark cannot go on (the message says why)."""


class CpuMeter:
    """CPU seconds (user + system) used by a changing set of processes between two reads."""

    def __init__(self, processes: Callable[[], Iterable[psutil.Process]]) -> None:
        self._processes = processes
        self._before: dict[int, float] = {}

    def _read(self) -> dict[int, float]:
        times = {}
        for process in self._processes():
            try:
                cpu = process.cpu_times()
                times[process.pid] = cpu.user + cpu.system
            except psutil.Error:
                continue
        return times

    def start(self) -> None:
        """Remember the CPU time so far."""
        self._before = self._read()

    def seconds(self) -> float:
        """CPU seconds since :meth:`start` (processes born meanwhile count in full)."""
        after = self._read()
        return sum(max(cpu - self._before.get(pid, 0.0), 0.0) for pid, cpu in after.items())


def postgres_processes(postmaster_pid: int | None) -> Callable[[], list[psutil.Process]]:
    """The PostgreSQL server's processes (postmaster and children), if it runs on this machine."""

    def processes() -> list[psutil.Process]:
        if postmaster_pid is None:
            return []
        try:
            postmaster = psutil.Process(postmaster_pid)
            return [postmaster, *postmaster.children()]
        except psutil.Error:
            return []

    return processes


@dataclass
class Cell:
    """One measurement: a scenario on a server, at a concurrency."""

    scenario: str
    workers: int
    concurrency: int
    result: LoadResult
    app_cpu_seconds: float
    db_cpu_seconds: float | None
    path: str = COMPILED  # compiled plans, the resolvers, or the reference (its own scenario)

    def per_request_ms(self, seconds: float | None) -> float:
        """``seconds`` of CPU spread over the requests, in milliseconds (NaN if unknown)."""
        if seconds is None or not self.result.requests:
            return math.nan
        return seconds / self.result.requests * 1000


@dataclass
class Calibration:
    """The load generator against a null server: its own ceiling and CPU cost."""

    body_bytes: int
    concurrency: int
    rps: float
    p50_ms: float
    client_cpu_us: float


def measure(
    server: ServerProcess,
    request: HttpRequest | Picker,
    *,
    concurrency: int,
    warmup: float,
    duration: float,
    postmaster_pid: int | None,
    check: Check = status_and_errors_check,
) -> tuple[LoadResult, float, float | None]:
    """Warm up, then load ``server`` with ``request`` (the same one every time, or a
    picker's); returns result, app and DB CPU seconds."""
    pick: Picker = (lambda _: request) if isinstance(request, HttpRequest) else request

    def load(seconds: float) -> LoadResult:
        return run_async(
            run_load(
                server.port,
                pick,
                concurrency=concurrency,
                duration=seconds,
                max_requests=MAX_REQUESTS_PER_CELL,
                request_timeout=REQUEST_TIMEOUT_SECONDS,
                check=check,
            )
        )

    if warmup > 0:
        load(warmup)
    app_meter = CpuMeter(server.processes)
    db_meter = CpuMeter(postgres_processes(postmaster_pid))
    app_meter.start()
    db_meter.start()
    result = load(duration)
    db_seconds = db_meter.seconds() if postmaster_pid is not None else None
    return result, app_meter.seconds(), db_seconds


def fetch_once(server: ServerProcess, request: HttpRequest) -> bytes:
    """One request; its body. Raises unless it answered 200 without GraphQL errors."""
    result = run_async(
        run_load(
            server.port,
            lambda _: request,
            concurrency=1,
            duration=REQUEST_TIMEOUT_SECONDS,
            max_requests=1,
            request_timeout=REQUEST_TIMEOUT_SECONDS,
            record=True,
            keep_bodies=True,
        )
    )
    [outcome] = result.outcomes
    if outcome.problem or outcome.status != 200:
        raise BenchError(
            f"{server.name}: {request.name} answered {outcome.status} "
            f"({outcome.problem}): {outcome.body[:300]!r}"
        )
    return outcome.body


def calibrate(body_bytes: int, concurrency: int, duration: float) -> Calibration:
    """The load generator against the null server (what it can drive, what it costs)."""
    with null_server(body_bytes, lifetime=duration * 3 + 30) as server:
        request = HttpRequest.get("null", "/")
        run_async(
            run_load(
                server.port,
                lambda _: request,
                concurrency=concurrency,
                duration=1.0,
                max_requests=MAX_REQUESTS_PER_CELL,
            )
        )
        result = run_async(
            run_load(
                server.port,
                lambda _: request,
                concurrency=concurrency,
                duration=duration,
                max_requests=MAX_REQUESTS_PER_CELL,
            )
        )
    return Calibration(
        body_bytes=body_bytes,
        concurrency=concurrency,
        rps=result.rps,
        p50_ms=result.percentile_ms(50),
        client_cpu_us=result.client_cpu_us_per_request,
    )

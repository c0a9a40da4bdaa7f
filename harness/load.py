"""A bounded HTTP/1.1 load generator on asyncio streams, for 127.0.0.1 only.

Why not httpx: on a 2-core machine the client shares the CPUs with the server
and PostgreSQL, so every microsecond it spends per request is taken from what
it measures. A keep-alive connection per simulated client, pre-encoded
requests and a minimal response parser (status line, ``Content-Length`` or
chunked body) cost a few tens of microseconds per request; :func:`calibrate`
measures that against a null server (``python -m harness.load null``) so
the report can state the client's own ceiling and CPU cost.

Every run is bounded twice: by a deadline and by a maximum request count; every
request by a timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import time
from collections import Counter
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

LOCALHOST = "127.0.0.1"
MAX_HEADER_BYTES = 64 * 1024
RECONNECT_PAUSE_SECONDS = 0.02


class HttpProtocolError(Exception):
    """The server's answer was not an HTTP/1.1 response we understand."""


@dataclass(frozen=True)
class HttpRequest:
    """A request, encoded once: the load generator sends the same bytes every time."""

    name: str
    method: str
    path: str
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    raw: bytes = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        lines = [
            f"{self.method} {self.path} HTTP/1.1",
            f"Host: {LOCALHOST}",
            "Accept: application/json",
            "User-Agent: tribe-benchmarks",
            *(f"{name}: {value}" for name, value in self.headers),
        ]
        if self.body or self.method in {"POST", "PUT", "PATCH"}:
            lines += ["Content-Type: application/json", f"Content-Length: {len(self.body)}"]
        head = "\r\n".join(lines).encode("ascii") + b"\r\n\r\n"
        object.__setattr__(self, "raw", head + self.body)

    def forwarded_for(self, address: str) -> HttpRequest:
        """This request as a trusted proxy would forward it from ``address``."""
        return replace(self, headers=(*self.headers, ("X-Forwarded-For", address)))

    @classmethod
    def get(cls, name: str, path: str) -> HttpRequest:
        """A GET of ``path``."""
        return cls(name=name, method="GET", path=path)

    @classmethod
    def graphql(cls, name: str, query: str, variables: dict[str, Any] | None = None) -> HttpRequest:
        """A GraphQL POST to ``/graphql``."""
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        return cls(name=name, method="POST", path="/graphql", body=body)


@dataclass(frozen=True)
class HttpResponse:
    """Status and body of one response."""

    status: int
    body: bytes


def parse_head(head: bytes) -> tuple[int, dict[str, str]]:
    """Status code and lower-cased headers of a response head (up to the blank line)."""
    try:
        text = head.decode("latin-1")
        status_line, *header_lines = text.split("\r\n")
        version, code, *_ = status_line.split(" ", 2)
        if not version.startswith("HTTP/1."):
            raise ValueError(version)
        status = int(code)
    except ValueError as error:
        raise HttpProtocolError(f"bad status line: {head[:80]!r}") from error
    headers: dict[str, str] = {}
    for line in header_lines:
        if not line:
            continue
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers


class HttpConnection:
    """One keep-alive connection to ``127.0.0.1:port``, (re)opened on demand."""

    def __init__(self, port: int) -> None:
        self.port = port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def send(self, request: HttpRequest) -> HttpResponse:
        """Send ``request`` and read the whole response; closes the connection on error."""
        try:
            if self._reader is None or self._writer is None:
                self._reader, self._writer = await asyncio.open_connection(
                    LOCALHOST, self.port, limit=MAX_HEADER_BYTES
                )
            self._writer.write(request.raw)
            head = await self._reader.readuntil(b"\r\n\r\n")
            status, headers = parse_head(head)
            body = await self._read_body(self._reader, headers)
        except BaseException:
            self.close()
            raise
        if headers.get("connection", "").lower() == "close":
            self.close()
        return HttpResponse(status=status, body=body)

    @staticmethod
    async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
        if "content-length" in headers:
            return await reader.readexactly(int(headers["content-length"]))
        if headers.get("transfer-encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size_line = await reader.readuntil(b"\r\n")
                size = int(size_line.split(b";", 1)[0], 16)
                chunk = await reader.readexactly(size + 2)
                if size == 0:
                    return b"".join(chunks)
                chunks.append(chunk[:-2])
        raise HttpProtocolError("response without Content-Length or chunked body")

    def close(self) -> None:
        """Drop the connection (the next send reconnects)."""
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None


# A check looks at a response and names what is wrong with it (None: nothing).
Check = Callable[[HttpRequest, HttpResponse], str | None]


def status_and_errors_check(request: HttpRequest, response: HttpResponse) -> str | None:
    """Cheap check for the benchmark: HTTP 200, and no ``"errors"`` key in a GraphQL body."""
    if response.status != 200:
        return f"HTTP {response.status}"
    if request.path == "/graphql" and b'"errors"' in response.body:
        return "GraphQL error"
    return None


@dataclass(frozen=True)
class Outcome:
    """One request: when it started (seconds into the run), how long it took, what came back."""

    name: str
    started: float
    latency: float
    status: int  # 0: no HTTP response (timeout, refused, reset)
    problem: str | None
    body: bytes = b""


@dataclass
class LoadResult:
    """What a run measured."""

    concurrency: int
    started: float = 0.0  # time.perf_counter() when the run began (Outcome times count from it)
    duration: float = 0.0
    latencies: list[float] = field(default_factory=list)  # seconds, completed requests
    statuses: Counter[int] = field(default_factory=Counter)
    problems: Counter[str] = field(default_factory=Counter)
    client_cpu_seconds: float = 0.0
    outcomes: list[Outcome] = field(default_factory=list)  # only when recording

    @property
    def requests(self) -> int:
        """Requests that got an HTTP response."""
        return len(self.latencies)

    @property
    def failed(self) -> int:
        """Requests with a problem (HTTP error, GraphQL error, timeout, transport error)."""
        return sum(self.problems.values())

    @property
    def rps(self) -> float:
        """Responses per second."""
        return self.requests / self.duration if self.duration > 0 else 0.0

    def percentile_ms(self, q: float) -> float:
        """The ``q``-th percentile latency in milliseconds (NaN without samples)."""
        return percentile(self.latencies, q) * 1000

    @property
    def client_cpu_us_per_request(self) -> float:
        """The load generator's own CPU time per request, in microseconds."""
        return self.client_cpu_seconds / self.requests * 1e6 if self.requests else math.nan


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank ``q``-th percentile (0 < q <= 100) of ``values``; NaN if empty."""
    if not 0 < q <= 100:
        raise ValueError(f"percentile must be in (0, 100], got {q}")
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = math.ceil(q / 100 * len(ordered))
    return ordered[max(rank, 1) - 1]


# Chooses the i-th request of a run (round-robin over a mix, say).
Picker = Callable[[int], HttpRequest]


def round_robin(requests: Sequence[HttpRequest]) -> Picker:
    """Cycle through ``requests``."""
    if not requests:
        raise ValueError("no requests to send")
    return lambda i: requests[i % len(requests)]


async def run_load(
    port: int,
    pick: Picker,
    *,
    concurrency: int,
    duration: float,
    max_requests: int,
    request_timeout: float = 10.0,
    check: Check = status_and_errors_check,
    record: bool = False,
    keep_bodies: bool = False,
    stop: asyncio.Event | None = None,
    pause: float = 0.0,
) -> LoadResult:
    """``concurrency`` clients send requests back to back for ``duration`` seconds.

    Stops at the deadline, after ``max_requests`` or when ``stop`` is set,
    whichever comes first; a request still running then is awaited (up to
    ``request_timeout``). With ``record``, every request's :class:`Outcome` is
    kept (with its body if ``keep_bodies``). ``pause``: each client's think time
    between an answer and its next request (a person reading a page).
    """
    if concurrency < 1 or duration <= 0 or max_requests < 1:
        raise ValueError("concurrency, duration and max_requests must be positive")
    result = LoadResult(concurrency=concurrency)
    issued = 0
    start = time.perf_counter()
    result.started = start
    deadline = start + duration

    async def client() -> None:
        nonlocal issued
        connection = HttpConnection(port)
        try:
            while (
                issued < max_requests
                and time.perf_counter() < deadline
                and not (stop is not None and stop.is_set())
            ):
                request = pick(issued)
                issued += 1
                began = time.perf_counter()
                status, problem, body = 0, None, b""
                try:
                    async with asyncio.timeout(request_timeout):
                        response = await connection.send(request)
                    status, body = response.status, response.body
                    problem = check(request, response)
                except TimeoutError:
                    problem = "timeout"
                except (OSError, asyncio.IncompleteReadError, HttpProtocolError) as error:
                    problem = f"transport: {type(error).__name__}"
                elapsed = time.perf_counter() - began
                if status:
                    result.latencies.append(elapsed)
                    result.statuses[status] += 1
                if problem:
                    result.problems[problem] += 1
                if record:
                    kept = body if keep_bodies else b""
                    result.outcomes.append(
                        Outcome(request.name, began - start, elapsed, status, problem, kept)
                    )
                if not status:  # the server is not answering: do not spin
                    await asyncio.sleep(RECONNECT_PAUSE_SECONDS)
                elif pause:
                    await asyncio.sleep(pause)
        finally:
            connection.close()

    cpu_before = time.process_time()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    result.client_cpu_seconds = time.process_time() - cpu_before
    result.duration = time.perf_counter() - start
    return result


def run_async[T](coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` on uvloop when it is installed (cheaper per request), else asyncio."""
    try:  # uvloop comes with uvicorn[standard]; plain asyncio works too
        import uvloop
    except ImportError:  # pragma: no cover
        return asyncio.run(coroutine)
    return asyncio.run(coroutine, loop_factory=uvloop.new_event_loop)


# -- the null server: measures the load generator itself ------------------------


async def serve_null(port: int, body_size: int, lifetime: float) -> None:
    """Answer every request on ``127.0.0.1:port`` with 200 and ``body_size`` bytes of JSON.

    Runs for at most ``lifetime`` seconds.
    """
    body = b'{"data":"' + b"x" * max(body_size - 11, 0) + b'"}'
    response = (
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
        + f"content-length: {len(body)}\r\n\r\n".encode()
        + body
    )

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                _, headers = _parse_request_head(head)
                length = int(headers.get("content-length", "0"))
                if length:
                    await reader.readexactly(length)
                writer.write(response)
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, LOCALHOST, port, limit=MAX_HEADER_BYTES)
    async with server:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(lifetime):
                await server.serve_forever()


def _parse_request_head(head: bytes) -> tuple[str, dict[str, str]]:
    request_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        if name:
            headers[name.strip().lower()] = value.strip()
    return request_line, headers


def main(argv: list[str] | None = None) -> int:
    """``python -m harness.load null --port P``: run the null server (for calibration)."""
    parser = argparse.ArgumentParser(description="benchmark load generator helpers")
    parser.add_argument("action", choices=["null"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--body-size", type=int, default=50_000)
    parser.add_argument("--lifetime", type=float, default=120.0)
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        run_async(serve_null(args.port, args.body_size, args.lifetime))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

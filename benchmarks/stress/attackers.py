"""The abuse phase of ``just stress``: normal clients load pages while attackers send issue 11's attacks.

The server runs with production defaults and ``TRUSTED_PROXIES=127.0.0.1``,
so every simulated client (normal or not) is its own address through
``X-Forwarded-For``, as behind a load balancer. Normal clients read a page
every two seconds or so, each with its own budget; the attackers send, back to
back: the amplification and nested-list queries, an expensive page the cost
limit allows, fragment bombs changed at every request (no cache helps),
100 MB bodies (announced, or streamed without a length; the first megabyte is
sent, then the answer read), and wrong admin logins. What counts: the normal clients' errors and latency, and that every
attack is refused with its code, quickly.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx

from harness.attacks import AMPLIFICATION, NESTED_LISTS, fragment_bomb
from harness.load import LOCALHOST, Check, HttpRequest, LoadResult, percentile, run_load
from tribe_service.graphql.client_operations import LANDING_PAGE_QUERY

NORMAL_PAUSE_SECONDS = 2.0
HUGE_BODY_BYTES = 100 * 1024 * 1024
CHUNK = b"x" * (1024 * 1024)
ATTACK_TIMEOUT_SECONDS = 30.0
# Answers that are a limit refusing the request (a wrong password is not: its
# check takes the time PBKDF2 takes, by design).
REFUSALS = ("413", "429", "QUERY_TOO_")


@dataclass
class Attack:
    """What one attacker got back."""

    name: str
    outcomes: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)

    refusal_latencies: list[float] = field(default_factory=list)

    def record(self, outcome: str, seconds: float) -> None:
        """One answer (a refusal by a limit is also timed on its own)."""
        self.outcomes[outcome] += 1
        self.latencies.append(seconds)
        if any(mark in outcome for mark in REFUSALS):
            self.refusal_latencies.append(seconds)

    def summary(self) -> str:
        """``N answers: CODE x n, ...; p50 / max latency``."""
        counts = ", ".join(f"{name} x {count:,}" for name, count in self.outcomes.most_common())
        p50 = percentile(self.latencies, 50) * 1000
        worst = max(self.latencies, default=float("nan")) * 1000
        return f"{sum(self.outcomes.values()):,} answers: {counts}; p50 {p50:,.0f} ms, max {worst:,.0f} ms"


@dataclass
class AbuseResult:
    """The normal clients' load result with and without the attacks, and each attack's answers."""

    baseline: LoadResult
    normal: LoadResult
    attacks: list[Attack]


def _outcome(response: httpx.Response) -> str:
    try:
        errors = response.json().get("errors") or []
    except ValueError:
        return f"HTTP {response.status_code}"
    codes = sorted({str((e.get("extensions") or {}).get("code")) for e in errors})
    return f"{response.status_code} {','.join(codes) or 'data'}"


async def _graphql_attacker(
    client: httpx.AsyncClient,
    attack: Attack,
    requests: list[dict[str, object]],
    stop: asyncio.Event,
) -> None:
    sent = 0
    while not stop.is_set():
        began = time.perf_counter()
        response = await client.post("/graphql", json=requests[sent % len(requests)])
        attack.record(_outcome(response), time.perf_counter() - began)
        sent += 1


async def _bomb_attacker(client: httpx.AsyncClient, attack: Attack, stop: asyncio.Event) -> None:
    sent = 0
    while not stop.is_set():
        leaf = "a: id" if sent % 2 else "id"  # refused (aliases), then valid but merged
        began = time.perf_counter()
        response = await client.post(
            "/graphql", json={"query": fragment_bomb(leaf=leaf, variant=sent)}
        )
        attack.record(_outcome(response), time.perf_counter() - began)
        sent += 1


async def _huge_body(port: int, address: str, chunked: bool) -> str:
    """Send (or start sending) a 100 MB body; the status line the server answers with."""
    reader, writer = await asyncio.open_connection(LOCALHOST, port)
    length = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {HUGE_BODY_BYTES}"
    head = (
        f"POST /graphql HTTP/1.1\r\nHost: {LOCALHOST}\r\nContent-Type: application/json\r\n"
        f"X-Forwarded-For: {address}\r\n{length}\r\n\r\n"
    )
    writer.write(head.encode())

    # An announced 100 MB is refused on its headers; a streamed one after 256 kB,
    # so it gets its first megabyte. Writing all 100 MB after the server has
    # answered would only get a reset in place of the answer.
    if chunked:
        writer.write(b"%x\r\n%s\r\n" % (len(CHUNK), CHUNK))
    try:
        with contextlib.suppress(OSError):
            await writer.drain()
        status_line = await reader.readline()
    finally:
        writer.close()
    parts = status_line.decode("latin-1").split()
    return f"HTTP {parts[1]}" if len(parts) > 1 else "no answer"


async def _body_attacker(port: int, address: str, attack: Attack, stop: asyncio.Event) -> None:
    sent = 0
    while not stop.is_set():
        began = time.perf_counter()
        try:
            outcome = await _huge_body(port, address, chunked=bool(sent % 2))
        except OSError as error:
            outcome = f"transport: {type(error).__name__}"
        attack.record(
            outcome + (" (chunked)" if sent % 2 else " (announced)"), time.perf_counter() - began
        )
        sent += 1


async def _login_attacker(client: httpx.AsyncClient, attack: Attack, stop: asyncio.Event) -> None:
    await client.get("/admin/")
    token = client.cookies.get("csrftoken") or ""
    sent = 0
    while not stop.is_set():
        began = time.perf_counter()
        response = await client.post(
            "/admin/public/login/",
            json={"username": "admin" if sent % 2 else f"guess{sent}", "password": "wrong"},
            headers={"X-CSRFToken": token},
        )
        attack.record(f"HTTP {response.status_code}", time.perf_counter() - began)
        sent += 1


async def run_abuse(
    port: int,
    normal_requests: list[HttpRequest],
    seconds: float,
    check: Check,
    baseline_seconds: float = 20.0,
) -> AbuseResult:
    """8 paced normal clients alone for ``baseline_seconds``, then for ``seconds`` while the
    attackers run; every attack's answers."""
    stop = asyncio.Event()
    base = f"http://{LOCALHOST}:{port}"
    heavy_requests: list[dict[str, object]] = [
        {"query": AMPLIFICATION},
        {"query": NESTED_LISTS},
        # Allowed by the cost limit, but a big page: the budget is what stops it.
        {"query": LANDING_PAGE_QUERY, "variables": {"first": 75}},
    ]
    attacks = {
        name: Attack(name)
        for name in ("heavy queries", "fragment bombs", "100 MB bodies", "wrong admin logins")
    }

    def attacker_client(address: str) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=base,
            headers={"X-Forwarded-For": address},
            timeout=ATTACK_TIMEOUT_SECONDS,
        )

    async def normal_client(index: int, duration: float) -> LoadResult:
        own = [request.forwarded_for(f"10.1.0.{index}") for request in normal_requests]
        return await run_load(
            port,
            lambda i: own[(i + index) % len(own)],
            concurrency=1,
            duration=duration,
            max_requests=1_000_000,
            request_timeout=ATTACK_TIMEOUT_SECONDS,
            pause=NORMAL_PAUSE_SECONDS,
            check=check,
        )

    baseline = _merge(await asyncio.gather(*(normal_client(i, baseline_seconds) for i in range(8))))
    async with (
        attacker_client("10.9.0.1") as heavy,
        attacker_client("10.9.0.2") as bombs,
        attacker_client("10.9.0.4") as logins,
    ):
        attackers = [
            asyncio.create_task(
                _graphql_attacker(heavy, attacks["heavy queries"], heavy_requests, stop)
            ),
            asyncio.create_task(_bomb_attacker(bombs, attacks["fragment bombs"], stop)),
            asyncio.create_task(_body_attacker(port, "10.9.0.3", attacks["100 MB bodies"], stop)),
            asyncio.create_task(_login_attacker(logins, attacks["wrong admin logins"], stop)),
        ]
        await asyncio.sleep(1.0)  # the attacks are under way before the first page is read
        results = await asyncio.gather(*(normal_client(i, seconds) for i in range(8)))
        stop.set()
        for task in attackers:
            with contextlib.suppress(httpx.HTTPError, OSError):
                await asyncio.wait_for(task, ATTACK_TIMEOUT_SECONDS)
    return AbuseResult(baseline=baseline, normal=_merge(results), attacks=list(attacks.values()))


def _merge(results: list[LoadResult]) -> LoadResult:
    merged = LoadResult(concurrency=len(results))
    for result in results:
        merged.latencies += result.latencies
        merged.statuses.update(result.statuses)
        merged.problems.update(result.problems)
        merged.duration = max(merged.duration, result.duration)
    return merged

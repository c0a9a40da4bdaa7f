"""Real Prometheus and Redis servers for the tests (Debian's ``prometheus`` and ``redis-server``).

Each starts on a free port of 127.0.0.1 with its data in a temporary directory,
waits until it answers, and is stopped (SIGTERM, then SIGKILL) when its block ends.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx

from tribe_service.embedded_postgres import free_port

START_TIMEOUT_SECONDS = 30.0


def _binary(name: str) -> str:
    path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")
    if path is None:
        raise RuntimeError(f"{name} is not installed: apt-get install {name} (see .ci/run)")
    return path


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(15)


def _wait(process: subprocess.Popen[bytes], log: Path, ready: Any, what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}:\n{log.read_text()}")
        with contextlib.suppress(OSError, httpx.HTTPError):
            if ready():
                return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not start in {START_TIMEOUT_SECONDS:.0f} s:\n{log.read_text()}")


class Prometheus:
    """A Prometheus server scraping ``targets`` every ``interval``, and its query API."""

    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"

    def query(self, expression: str) -> list[dict[str, Any]]:
        """The instant vector of ``expression`` (``/api/v1/query``)."""
        response = httpx.get(f"{self.url}/api/v1/query", params={"query": expression}, timeout=10)
        response.raise_for_status()
        body = response.json()
        assert body["status"] == "success", body
        return list(body["data"]["result"])

    def values(self, expression: str, *labels: str) -> dict[tuple[str, ...], float]:
        """``expression``'s samples as ``{(label values...): value}``."""
        return {
            tuple(sample["metric"].get(label, "") for label in labels): float(sample["value"][1])
            for sample in self.query(expression)
        }


@contextlib.contextmanager
def prometheus_server(
    directory: Path, targets: Sequence[str], interval: str = "1s", bearer_token: str = ""
) -> Iterator[Prometheus]:
    """Prometheus scraping ``targets`` (``host:port``) every ``interval``, stopped after."""
    port = free_port()
    auth = f"    authorization:\n      credentials: {bearer_token}\n" if bearer_token else ""
    config = directory / "prometheus.yml"
    config.write_text(
        "global:\n"
        f"  scrape_interval: {interval}\n"
        f"  scrape_timeout: {interval}\n"
        "scrape_configs:\n"
        "  - job_name: tribe\n"
        f"{auth}"
        "    static_configs:\n"
        f"      - targets: [{', '.join(repr(t) for t in targets)}]\n"
    )
    log = directory / "prometheus.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                _binary("prometheus"),
                f"--config.file={config}",
                f"--storage.tsdb.path={directory / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--web.enable-lifecycle",
            ],
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    server = Prometheus(port)
    try:
        _wait(
            process,
            log,
            lambda: httpx.get(f"{server.url}/-/ready", timeout=2).status_code == 200,
            "prometheus",
        )
        yield server
    finally:
        _stop(process)


def _redis_answers(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=2) as connection:
        connection.sendall(b"PING\r\n")
        return connection.recv(16).startswith(b"+PONG")


@contextlib.contextmanager
def redis_server(directory: Path) -> Iterator[str]:
    """A ``redis-server`` without persistence on a free port; yields its ``redis://`` URL."""
    port = free_port()
    log = directory / "redis.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [
                _binary("redis-server"),
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(directory),
            ],
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        _wait(process, log, lambda: _redis_answers(port), "redis-server")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        _stop(process)

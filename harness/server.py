"""Start and stop server processes on 127.0.0.1 for the benchmarks.

:func:`uvicorn_server` runs the command line of ``just serve``
(``uvicorn APP --no-access-log --host 127.0.0.1 --port PORT --workers N``) on a
free port. :class:`ServerProcess` waits until it answers, and always stops it
again: SIGTERM to the process it started, then SIGKILL to that process and its
children if they outlive the grace period. Use it as a context manager.
"""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Self

import psutil

from harness.load import LOCALHOST
from tribe_service.embedded_postgres import free_port

REPO_ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
STOP_GRACE_SECONDS = 15.0


class ServerError(RuntimeError):
    """A server did not start, or died."""


def http_get(port: int, path: str, timeout: float = 5.0) -> tuple[int, bytes]:
    """A blocking GET to ``127.0.0.1:port`` (for readiness checks, not for load)."""
    connection = http.client.HTTPConnection(LOCALHOST, port, timeout=timeout)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


class ServerProcess:
    """A server subprocess on ``127.0.0.1:port``, started in its own session."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        port: int,
        env: Mapping[str, str],
        ready_path: str = "/healthz",
        cwd: Path = REPO_ROOT,
    ) -> None:
        self.name = name
        self.cwd = cwd
        self.argv = list(argv)
        self.port = port
        self.env = dict(env)
        self.ready_path = ready_path
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def pid(self) -> int:
        """The id of the process this object started."""
        if self.process is None:
            raise ServerError(f"{self.name} is not running")
        return self.process.pid

    def start(self, timeout: float = 60.0) -> Self:
        """Start the process and wait until ``ready_path`` answers 200."""
        self._log = tempfile.TemporaryFile(prefix=f"bench-{self.name}-")  # noqa: SIM115
        self.process = subprocess.Popen(
            self.argv,
            cwd=self.cwd,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C in the terminal reaches us, not it
        )
        try:
            self.wait_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def wait_ready(self, timeout: float) -> None:
        """Poll ``ready_path`` until it answers 200 (at most ``timeout`` seconds)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                status, _ = http_get(self.port, self.ready_path, timeout=2.0)
            except OSError:
                status = 0
            if status == 200:
                return
            time.sleep(0.1)
        raise ServerError(f"{self.name} did not answer 200 on {self.ready_path} in {timeout:.0f} s")

    def check_alive(self) -> None:
        """Raise (with the end of its log) if the process has exited."""
        if self.process is not None and self.process.poll() is not None:
            raise ServerError(
                f"{self.name} exited with code {self.process.returncode}:\n{self.log_tail()}"
            )

    def log_tail(self, lines: int = 30) -> str:
        """The last lines the server printed."""
        if self._log is None:
            return ""
        self._log.flush()
        self._log.seek(0)
        text = self._log.read().decode(errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def processes(self) -> list[psutil.Process]:
        """The started process and its live descendants (uvicorn's workers)."""
        if self.process is None or self.process.poll() is not None:
            return []
        try:
            main = psutil.Process(self.process.pid)
            return [main, *main.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def worker_processes(self) -> list[psutil.Process]:
        """The processes that serve requests: the main one with 1 worker, else its workers."""
        processes = self.processes()
        if len(processes) <= 1:
            return processes
        workers = []
        for process in processes[1:]:
            try:
                if "resource_tracker" not in " ".join(process.cmdline()):
                    workers.append(process)
            except psutil.NoSuchProcess:
                continue
        return workers

    def rss_bytes(self) -> int:
        """Resident memory of the serving processes, summed."""
        total = 0
        for process in self.worker_processes():
            try:
                total += process.memory_info().rss
            except psutil.NoSuchProcess:
                continue
        return total

    def stop(self) -> None:
        """SIGTERM, wait, then SIGKILL whatever of it is left. Safe to call twice."""
        process = self.process
        if process is None:
            return
        family = self.processes()
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(STOP_GRACE_SECONDS)
        for leftover in family[1:]:  # workers orphaned by a killed supervisor
            try:
                if leftover.is_running():
                    leftover.kill()
            except psutil.NoSuchProcess:
                continue
        if self._log is not None:
            self._log.close()
            self._log = None
        self.process = None

    def __enter__(self) -> Self:
        return self.start() if self.process is None else self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


# A load generator sends everything from 127.0.0.1: as one client it would spend
# the per-client budget in a second. Throughput runs switch it off; the stress
# test's abuse phase keeps it and names its clients by X-Forwarded-For.
# Load tests measure the service, not its budgets: no points per client, no write rate.
NO_RATE_LIMIT = {"RATE_LIMIT_POINTS_PER_MINUTE": "0", "WRITE_RATE_PER_MINUTE": "0"}
GRACEFUL_SHUTDOWN_SECONDS = 10


def uvicorn_server(
    app: str,
    *,
    workers: int,
    env: Mapping[str, str],
    name: str | None = None,
    ready_path: str = "/healthz",
    port: int | None = None,
    graceful_shutdown: int = GRACEFUL_SHUTDOWN_SECONDS,
    cwd: Path = REPO_ROOT,
) -> ServerProcess:
    """``uvicorn APP`` as ``just serve`` runs it, on a free port of 127.0.0.1.

    ``cwd`` is where the app is imported from (uvicorn puts it first on the path):
    another checkout serves that checkout's code.
    """
    port = port or free_port()
    argv = [
        str(VENV_BIN / "uvicorn"),
        app,
        "--no-access-log",
        "--host",
        LOCALHOST,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--timeout-graceful-shutdown",
        str(graceful_shutdown),
    ]
    full_env = {**os.environ, **env, "HOST": LOCALHOST, "PORT": str(port), "WORKERS": str(workers)}
    return ServerProcess(name or app, argv, port, full_env, ready_path=ready_path, cwd=cwd)


def just_serve(env: Mapping[str, str], *, port: int | None = None) -> ServerProcess:
    """The README's ``just serve`` itself (the recipe, not its command line) on a free port."""
    port = port or free_port()
    full_env = {**os.environ, **env, "HOST": LOCALHOST, "PORT": str(port)}
    return ServerProcess("just serve", [str(VENV_BIN / "just"), "serve"], port, full_env)


def null_server(body_size: int, lifetime: float = 120.0) -> ServerProcess:
    """The load generator's null server (see :mod:`harness.load`) on a free port."""
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "harness.load",
        "null",
        "--port",
        str(port),
        "--body-size",
        str(body_size),
        "--lifetime",
        str(lifetime),
    ]
    return ServerProcess("null server", argv, port, dict(os.environ), ready_path="/")


class StopOnSignal:
    """Turn SIGTERM into KeyboardInterrupt while active, so ``finally`` blocks stop servers."""

    def __enter__(self) -> Self:
        self._previous = signal.signal(signal.SIGTERM, self._raise)
        return self

    @staticmethod
    def _raise(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    def __exit__(self, *exc_info: object) -> None:
        signal.signal(signal.SIGTERM, self._previous)

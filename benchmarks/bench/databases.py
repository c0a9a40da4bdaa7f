"""The benchmark's databases: their facts, scratch databases, statement counts."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import psutil

from benchmarks.bench.measuring import BenchError
from harness.database_urls import with_database
from harness.server import (
    NO_RATE_LIMIT,
    REPO_ROOT,
    VENV_BIN,
)

SUBPROCESS_TIMEOUT_SECONDS = 600


async def database_facts(url: str) -> tuple[str, int | None]:
    """PostgreSQL's version, and its postmaster's pid if the server runs on this machine."""
    connection = await asyncpg.connect(url, timeout=10)
    try:
        version = await connection.fetchval("SHOW server_version")
        backend = await connection.fetchval("SELECT pg_backend_pid()")
        postmaster = None
        if (urlsplit(url).hostname or "localhost") in {"127.0.0.1", "localhost", "::1"}:
            try:  # while the connection is open, its backend process exists
                postmaster = psutil.Process(backend).ppid()
            except psutil.Error:
                postmaster = None
    finally:
        await connection.close()
    return str(version), postmaster


async def admin_sql(url: str, sql: str) -> None:
    """Run ``sql`` (CREATE/DROP DATABASE) over a new connection to ``url``."""
    connection = await asyncpg.connect(url, timeout=10)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def run_python(args: Sequence[str], env: dict[str, str], what: str) -> str:
    """Run a venv program (``piccolo``) or ``python -m ...``; its stdout, or BenchError."""
    program = str(VENV_BIN / args[0]) if args[0] != "python" else sys.executable
    completed = subprocess.run(
        [program, *args[1:]],
        cwd=REPO_ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT_SECONDS,
        check=False,
    )
    if completed.returncode != 0:
        detail = (completed.stderr or completed.stdout).strip().splitlines()[-15:]
        raise BenchError(f"{what} failed:\n" + "\n".join(detail))
    return completed.stdout


def statements_on(
    url: str, runs: int, profile: int, environment: str, compiled: bool = True
) -> dict[str, Any]:
    """:mod:`benchmarks.bench.statements` on the database at ``url``."""
    args = [
        "python",
        "-m",
        "benchmarks.bench.statements",
        "--runs",
        str(runs),
        "--profile",
        str(profile),
    ]
    env = {
        "DATABASE_URL": url,
        "ENVIRONMENT": environment,
        "COMPILED_EXECUTION": "1" if compiled else "0",
        **NO_RATE_LIMIT,
    }
    out = run_python(args, env, "statement count")
    return json.loads(out.strip().splitlines()[-1])


def statements_on_seeded(server_url: str, runs: int) -> dict[str, Any]:
    """Create a scratch database, migrate and seed it, count statements there, drop it."""
    name = f"bench_scratch_{uuid.uuid4().hex[:10]}"
    url = with_database(server_url, name)
    asyncio.run(admin_sql(server_url, f'CREATE DATABASE "{name}"'))
    try:
        env = {"DATABASE_URL": url, "ENVIRONMENT": "development"}
        run_python(["piccolo", "migrations", "forwards", "all"], env, "migrating the scratch db")
        run_python(["piccolo", "tribe_service", "seed"], env, "seeding the scratch db")
        return statements_on(url, runs, 0, "production")
    finally:
        asyncio.run(admin_sql(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

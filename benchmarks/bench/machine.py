"""What machine the figures were measured on."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psutil


@dataclass
class Machine:
    """Where the figures were measured."""

    cpus: int
    cpu_model: str
    ram_gib: float
    python: str
    postgres: str
    kernel: str
    load_average: tuple[float, float, float]
    date: str


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (or what platform knows)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def describe_machine(postgres_version: str) -> Machine:
    """nproc, CPU, RAM, versions, load and date."""
    return Machine(
        cpus=os.cpu_count() or 0,
        cpu_model=cpu_model(),
        ram_gib=psutil.virtual_memory().total / 2**30,
        python=platform.python_version(),
        postgres=postgres_version,
        kernel=f"{platform.system()} {platform.release()}",
        load_average=os.getloadavg(),
        date=datetime.now(tz=UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )

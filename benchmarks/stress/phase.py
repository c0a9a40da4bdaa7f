"""What every phase reports: its checks and the lines that explain them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

MAX_REQUESTS = 1_000_000  # a bound no phase reaches: they stop on time or on their own count


class StressError(RuntimeError):
    """The stress test cannot go on (the message says why)."""


@dataclass
class Check:
    """One pass/fail line of the report."""

    name: str
    passed: bool | None  # None: not run
    detail: str


@dataclass
class Phase:
    """A phase's checks and the lines that explain them."""

    title: str
    checks: list[Check] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    def check(self, name: str, passed: bool | None, detail: str) -> None:
        """Record one check."""
        self.checks.append(Check(name, passed, detail))


def describe_problems(problems: Counter[str]) -> str:
    return ", ".join(f"{name}: {count}" for name, count in problems.most_common())

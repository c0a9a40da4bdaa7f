"""A tiny text progress bar on stderr, one line per phase, and the phase timings.

On a terminal the line is redrawn in place; elsewhere (CI, tests, a pipe)
only the finished line is written, so logs stay short.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from typing import TextIO

BAR_WIDTH = 30
LABEL_WIDTH = 30


class Progress:
    """Phases of a long job, each with an optional row count and a bar."""

    def __init__(self, stream: TextIO | None = None, enabled: bool = True) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled
        self.interactive = enabled and self.stream.isatty()
        self.timings: dict[str, float] = {}

    def track[T](self, label: str, items: Iterable[T], total: int) -> Iterator[T]:
        """Yield ``items``, advancing the bar of phase ``label`` (``total`` expected)."""
        started = time.perf_counter()
        step = max(total // 100, 1)
        done = 0
        for item in items:
            yield item
            done += 1
            if self.interactive and done % step == 0:
                self._draw(label, done, total, time.perf_counter() - started, end="\r")
        self._finish(label, done, total, started)

    def phase(self, label: str) -> _Phase:
        """A ``with`` block timed as one phase without a row count (index builds, ANALYZE)."""
        return _Phase(self, label)

    def note(self, message: str) -> None:
        """One line of explanation between the bars."""
        if self.enabled:
            self.stream.write(f"{message}\n")
            self.stream.flush()

    def _finish(self, label: str, done: int, total: int | None, started: float) -> None:
        elapsed = time.perf_counter() - started
        self.timings[label] = elapsed
        if self.enabled:
            self._draw(label, done, total, elapsed, end="\n")

    def _draw(self, label: str, done: int, total: int | None, elapsed: float, end: str) -> None:
        if total is None:
            line = f"{label:<{LABEL_WIDTH}} [{'#' * BAR_WIDTH}] done {elapsed:24.1f}s"
        else:
            share = done / total if total else 1.0
            filled = round(BAR_WIDTH * share)
            bar = "#" * filled + "-" * (BAR_WIDTH - filled)
            counts = f"{done:>9,}/{total:<9,}"
            line = f"{label:<{LABEL_WIDTH}} [{bar}] {share:4.0%} {counts} {elapsed:6.1f}s"
        self.stream.write(line + end)
        self.stream.flush()


class _Phase:
    def __init__(self, progress: Progress, label: str) -> None:
        self.progress = progress
        self.label = label
        self.started = 0.0

    def __enter__(self) -> None:
        self.started = time.perf_counter()
        if self.progress.interactive:
            self.progress.stream.write(f"{self.label:<{LABEL_WIDTH}} ...\r")
            self.progress.stream.flush()

    def __exit__(self, *exc_info: object) -> None:
        if exc_info[0] is None:
            self.progress._finish(self.label, 0, None, self.started)

"""The overhead benchmark's own logic: medians over rounds, CPU per request, the verdict."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from benchmarks.overhead import (
    CONFIGURATIONS,
    END_MARKER,
    JUDGED,
    START_MARKER,
    Measurement,
    render,
    write_section,
)
from harness.load import LoadResult


def measured(name: str, rps: list[int], cpu_ms: float) -> Measurement:
    rounds = [LoadResult(concurrency=16, duration=1.0, latencies=[0.01] * n) for n in rps]
    return Measurement(name, rounds, [n * cpu_ms / 1000 for n in rps])


def arguments() -> argparse.Namespace:
    return argparse.Namespace(clients=16, workers=2, rounds=3, duration=10.0)


def test_figures_are_medians_over_the_rounds():
    measurement = measured("off", [100, 300, 200], cpu_ms=4.0)
    assert measurement.rps == 200
    assert measurement.cpu_ms == pytest.approx(4.0)


def test_the_verdict_is_on_the_sampled_configuration():
    rows = [
        measured(CONFIGURATIONS[0].name, [200, 200, 200], 4.0),
        measured(CONFIGURATIONS[1].name, [198, 198, 198], 4.04),
        measured(JUDGED.name, [192, 192, 192], 4.16),
        measured(CONFIGURATIONS[3].name, [150, 150, 150], 5.0),
    ]
    section = render(rows, arguments())
    assert section.startswith(START_MARKER) and section.endswith(END_MARKER)
    assert "**-4.0% req/s, met**" in section
    assert "| 4.16 | +4.0% |" in section
    rows[2] = measured(JUDGED.name, [180, 180, 180], 4.4)
    assert "**-10.0% req/s, missed**" in render(rows, arguments())


def test_the_section_replaces_only_the_marked_text(tmp_path: Path):
    page = tmp_path / "operations.md"
    page.write_text(f"before\n{START_MARKER}\nold\n{END_MARKER}\nafter\n")
    write_section(page, f"{START_MARKER}\nnew\n{END_MARKER}")
    assert page.read_text() == f"before\n{START_MARKER}\nnew\n{END_MARKER}\nafter\n"

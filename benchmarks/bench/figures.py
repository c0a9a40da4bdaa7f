"""The figures of one run (:class:`Report`), and how they are looked up and written."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from benchmarks.bench import recall
from benchmarks.bench.machine import Machine
from benchmarks.bench.measuring import COMPILED, REFERENCE, Calibration, Cell
from benchmarks.bench.side_by_side import Comparison
from benchmarks.bench.writes import WriteFigures
from harness.scenarios import (
    SCENARIO_TITLES,
    DatabaseShape,
)
from harness.server import (
    REPO_ROOT,
)

DEFAULT_OUTPUT = REPO_ROOT / "docs" / "performance.md"


@dataclass
class Report:
    """Everything one run measured."""

    machine: Machine
    shape: DatabaseShape
    cells: list[Cell] = field(default_factory=list)
    statements_scaled: dict[str, Any] = field(default_factory=dict)
    statements_resolvers: dict[str, Any] | None = None
    statements_seeded: dict[str, Any] | None = None
    calibration: Calibration | None = None
    settings: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    fields_resolved: int = 0
    recall: recall.RecallReport | None = None
    comparison: Comparison | None = None  # --against / --peer: side by side
    writes: WriteFigures | None = None


def ms(value: float) -> str:
    """Milliseconds for a table cell."""
    if math.isnan(value):
        return "-"
    return f"{value:.0f}" if value >= 100 else f"{value:.1f}"


def span(values: Sequence[int]) -> str:
    """``14`` or ``14-15``."""
    low, high = min(values), max(values)
    return str(low) if low == high else f"{low}-{high}"


def find_cell(
    cells: Sequence[Cell], scenario: str, workers: int, concurrency: int, path: str = COMPILED
) -> Cell | None:
    """The cell measured for these parameters, if any."""
    for cell in cells:
        key = (cell.scenario, cell.workers, cell.concurrency, cell.path)
        if key == (scenario, workers, concurrency, path):
            return cell
    return None


def ratio(cell: Cell | None, other: Cell | None) -> float | None:
    """``cell``'s req/s over ``other``'s (None if either is missing)."""
    if cell is None or other is None or not other.result.rps:
        return None
    return cell.result.rps / other.result.rps


def times(value: float | None) -> str:
    """``2.31x`` or ``-``."""
    return "-" if value is None else f"{value:.2f}x"


def title_of(cell: Cell) -> str:
    """The table's name of a cell's scenario."""
    if cell.scenario == REFERENCE:
        return "landing page, reference (1 SQL statement)"
    return SCENARIO_TITLES[cell.scenario]


def count_fields(value: Any) -> int:
    """How many fields a GraphQL answer holds (objects' keys, at every depth)."""
    if isinstance(value, dict):
        return sum(1 + count_fields(item) for item in value.values())
    if isinstance(value, list):
        return sum(count_fields(item) for item in value)
    return 0

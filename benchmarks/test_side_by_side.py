"""The side-by-side comparison's own logic: medians over rounds, ratios, the marked section."""

from __future__ import annotations

from benchmarks.bench.side_by_side import (
    END_MARKER,
    START_MARKER,
    Comparison,
    Sample,
    render_comparison,
    replace_section,
)
from harness.load import LoadResult


def result(requests: int, seconds: float, latency: float) -> LoadResult:
    return LoadResult(concurrency=1, duration=seconds, latencies=[latency] * requests)


def sample(contender: str, *rps: int) -> Sample:
    measured = Sample(contender, "landing", 1)
    for value in rps:
        measured.results.append(result(value, 1.0, 1 / value))
        measured.app_cpu_seconds.append(value * 0.002)
        measured.db_cpu_seconds.append(None)
    return measured


def test_each_figure_is_the_median_over_the_rounds():
    measured = sample("this code", 100, 300, 200)
    assert measured.rps == 200
    assert measured.latency_ms(50) == 1000 / 200
    assert measured.cpu_ms(measured.app_cpu_seconds) == 2.0
    assert measured.cpu_ms(measured.db_cpu_seconds) is None


def test_ratios_divide_by_the_first_contender_of_the_same_row():
    comparison = Comparison(
        ["this code", "peer"],
        3,
        [sample("this code", 200, 200, 200), sample("peer", 100, 100, 100)],
    )
    rows = [line for line in render_comparison(comparison) if line.startswith("| landing")]
    assert "| 200.0 | 1.00x |" in rows[0]
    assert "| 100.0 | 0.50x |" in rows[1]


def test_only_the_marked_section_is_replaced(tmp_path):
    path = tmp_path / "performance.md"
    path.write_text(f"# Performance\n\nbefore\n\n{START_MARKER}\nold\n{END_MARKER}\n\nafter\n")
    replace_section(path, f"{START_MARKER}\nnew\n{END_MARKER}")
    assert (
        path.read_text()
        == f"# Performance\n\nbefore\n\n{START_MARKER}\nnew\n{END_MARKER}\n\nafter\n"
    )


def test_a_file_without_the_section_gets_it_appended(tmp_path):
    path = tmp_path / "performance.md"
    path.write_text("# Performance\n")
    replace_section(path, f"{START_MARKER}\nnew\n{END_MARKER}")
    assert path.read_text() == f"# Performance\n\n{START_MARKER}\nnew\n{END_MARKER}\n"

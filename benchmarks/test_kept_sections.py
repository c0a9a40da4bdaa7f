"""A run of `just bench` keeps the hand-written sections of the file it replaces."""

from __future__ import annotations

from benchmarks.bench.report import kept_sections


def test_a_marked_section_is_carried_over_as_it_is(tmp_path):
    section = "<!-- issue-20-changes:start -->\n## Why\n\nMeasured.\n<!-- issue-20-changes:end -->"
    path = tmp_path / "performance.md"
    path.write_text(f"# Performance\n\nold figures\n\n{section}\n\n## Targets\n")
    assert kept_sections(path) == [section]


def test_a_file_without_one_keeps_nothing(tmp_path):
    assert kept_sections(tmp_path / "missing.md") == []

"""The checks every write passes, API and admin alike: limits from the tables themselves."""

from __future__ import annotations

import pytest

from tribe_service.tables import Project, User
from tribe_service.validation import MAX_LIST_ITEMS, problems


def codes(table: str, **values: object) -> list[tuple[str, str]]:
    return [(problem.column, problem.code) for problem in problems(table, values)]


def test_text_limits_come_from_the_column_length():
    limit = Project.title.length
    assert codes("projects", title="x" * limit) == []
    assert codes("projects", title="x" * (limit + 1)) == [("title", "TOO_LONG")]
    assert codes("users", display_name="y" * (User.display_name.length + 1)) == [
        ("display_name", "TOO_LONG")
    ]


@pytest.mark.parametrize("value", ["", "   ", None])
def test_required_text_is_never_blank_or_missing(value):
    [(column, code)] = codes("tribes", name=value)
    assert column == "name"
    assert code in {"BLANK", "REQUIRED"}


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://example.com/a.png", True),
        ("http://localhost:3000/x", True),
        ("javascript:alert(1)", False),
        ("ftp://example.com/file", False),
        ("/relative/path", False),
        ("https://exa mple.com", False),
    ],
)
def test_urls_are_absolute_http(url, ok):
    assert (codes("users", avatar_url=url) == []) is ok


def test_links_are_checked_one_by_one_and_named_by_key():
    found = codes("projects", links={"github": "https://github.com/x/y", "demo": "nope"})
    assert found == [("links.demo", "INVALID_URL")]
    assert codes("projects", links='{"demo": "data:text/html,hi"}') == [
        ("links.demo", "INVALID_URL")
    ]


def test_lists_refuse_duplicates_blanks_and_too_many():
    assert codes("projects", tech_stack=["Python", "python"]) == [("tech_stack", "DUPLICATE")]
    assert codes("projects", tech_stack=["Go", " "]) == [("tech_stack", "INVALID_ITEM")]
    many = [f"skill {i}" for i in range(MAX_LIST_ITEMS + 1)]
    assert codes("projects", tech_stack=many) == [("tech_stack", "TOO_MANY")]


def test_max_members_stays_in_its_range():
    assert codes("tribes", max_members=8) == []
    assert codes("tribes", max_members=1) == [("max_members", "OUT_OF_RANGE")]
    assert codes("tribes", max_members=10_000) == [("max_members", "OUT_OF_RANGE")]


def test_columns_without_a_check_are_left_to_the_database():
    assert codes("projects", status="whatever") == []

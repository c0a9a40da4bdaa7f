"""``just bench --peer``'s own logic: PostGraphile's queries, and how answers become rows."""

from __future__ import annotations

import json
from typing import Any

import pytest
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    parse,
)

from benchmarks.bench import postgraphile
from benchmarks.bench.measuring import BenchError
from benchmarks.bench.postgraphile import ROW_LISTS, SCENARIOS, document, pick, rows
from harness.scenarios import SCENARIO_QUERIES, DatabaseShape

SHAPE = DatabaseShape(
    users=10_000,
    feed_events=100_000,
    profile_username="ada",
    feed_cursor="our-cursor",
    feed_cursor_depth=50_000,
    tribe_id="01TRIBE",
)


def _fields(selection_set: SelectionSetNode, fragments: dict[str, Any]) -> list[FieldNode]:
    """The fields a selection set selects, fragments (named and inline) expanded."""
    found: list[FieldNode] = []
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            found.append(selection)
        elif isinstance(selection, InlineFragmentNode):
            found += _fields(selection.selection_set, fragments)
        elif isinstance(selection, FragmentSpreadNode):
            found += _fields(fragments[selection.name.value].selection_set, fragments)
    return found


def _selects(parsed: DocumentNode, path: str) -> bool:
    """Whether the document's operation selects every key of a row-list path."""
    fragments = {
        d.name.value: d for d in parsed.definitions if isinstance(d, FragmentDefinitionNode)
    }
    (operation,) = [d for d in parsed.definitions if isinstance(d, OperationDefinitionNode)]
    levels = [operation.selection_set]
    for key in path.split("."):
        if key == "*":
            continue
        names = key.strip("()").split("|")
        matches = [
            field
            for level in levels
            for field in _fields(level, fragments)
            if (field.alias or field.name).value in names
        ]
        if not matches:
            return False
        levels = [field.selection_set for field in matches if field.selection_set]
    return True


def test_every_supported_scenario_has_a_query_and_its_row_lists():
    assert set(ROW_LISTS) == set(SCENARIOS)
    assert set(SCENARIOS) <= set(SCENARIO_QUERIES)
    requests = postgraphile.requests(SHAPE, list(SCENARIO_QUERIES), "their-cursor")
    assert list(requests) == [name for name in SCENARIO_QUERIES if name in SCENARIOS]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_row_lists_read_fields_both_queries_select(scenario):
    ours = parse(SCENARIO_QUERIES[scenario])
    theirs = parse(document(scenario))
    for row_list in ROW_LISTS[scenario]:
        assert _selects(ours, row_list.ours), (scenario, row_list.ours)
        assert _selects(theirs, row_list.theirs), (scenario, row_list.theirs)


def test_a_path_that_selects_nothing_is_told_apart():
    parsed = parse(document("tribe"))
    assert _selects(parsed, "tribeByRowId.tribeOpenRolesByTribeId.nodes.*.title")
    assert not _selects(parsed, "tribeByRowId.tribeOpenRolesByTribeId.nodes.*.filledBy")


def test_documents_carry_each_fragment_they_spread_once():
    landing = document("landing")
    assert landing.count("fragment FeedEventCard on FeedEvent") == 1
    assert landing.count("fragment BuilderCard on User") == 1
    assert "fragment" not in document("tribe")
    parse(landing)  # well-formed with its fragments


def test_the_deep_feed_page_uses_postgraphiles_own_cursor():
    requests = postgraphile.requests(SHAPE, ["feed-deep", "landing"], "their-cursor")
    body = json.loads(requests["feed-deep"].body)
    assert body["variables"] == {"first": 20, "after": "their-cursor"}
    assert json.loads(requests["landing"].body)["variables"] == {"first": 20}
    cursor = json.loads(postgraphile.feed_cursor_request(SHAPE).body)
    assert cursor["variables"] == {"offset": 49_999}  # the 50,000th newest event


def test_pick_keeps_lists_nested_and_takes_the_first_present_alternative():
    data = {
        "a": {"nodes": [{"x": {"id": 1}, "y": None}, {"x": None, "y": {"id": 2}}]},
        "b": {"nodes": [{"kids": {"nodes": [{"id": 1}, {"id": 2}]}}, {"kids": {"nodes": []}}]},
    }
    assert pick(data, "a.nodes.*.(x|y).id") == [1, 2]
    assert pick(data, "b.nodes.*.kids.nodes.*.id") == [[1, 2], []]
    # The same ids grouped differently are different rows.
    assert pick(data, "b.nodes.*.kids.nodes.*.id") != [[1], [2]]


def _tribe_answer(members: list[str], roles: list[str]) -> bytes:
    return json.dumps(
        {
            "data": {
                "tribe": {
                    "id": "01TRIBE",
                    "owner": {"username": members[0]},
                    "members": [{"user": {"username": m, "skills": []}} for m in members],
                    "openRoles": [{"id": r} for r in roles],
                }
            }
        }
    ).encode()


def _their_tribe_answer(members: list[str], roles: list[str]) -> bytes:
    return json.dumps(
        {
            "data": {
                "tribeByRowId": {
                    "rowId": "01TRIBE",
                    "userByOwnerId": {"username": members[0]},
                    "tribeMembersByTribeId": {
                        "nodes": [
                            {"userByUserId": {"username": m, "userSkillsByUserId": {"nodes": []}}}
                            for m in members
                        ]
                    },
                    "tribeOpenRolesByTribeId": {"nodes": [{"rowId": r} for r in roles]},
                }
            }
        }
    ).encode()


def test_answers_with_the_same_rows_in_the_same_order_are_equal():
    ours = _tribe_answer(["ada", "bob"], ["r1", "r2"])
    assert postgraphile.our_rows("tribe", ours) == postgraphile.their_rows(
        "tribe", _their_tribe_answer(["ada", "bob"], ["r1", "r2"])
    )
    assert postgraphile.our_rows("tribe", ours) != postgraphile.their_rows(
        "tribe", _their_tribe_answer(["ada", "bob"], ["r2", "r1"])
    )
    assert postgraphile.our_rows("tribe", ours) != postgraphile.their_rows(
        "tribe", _their_tribe_answer(["ada", "bob", "cy"], ["r1", "r2"])
    )


def test_an_answer_with_errors_stops_the_comparison():
    with pytest.raises(BenchError, match="errors"):
        rows("tribe", "theirs", b'{"data": null, "errors": [{"message": "boom"}]}')


def test_the_report_line_names_the_pinned_version():
    lock = json.loads((postgraphile.SOURCE / "package-lock.json").read_text())
    pinned = json.loads((postgraphile.SOURCE / "package.json").read_text())["dependencies"]
    assert postgraphile.version() == pinned["postgraphile"]
    assert lock["packages"][""]["dependencies"] == pinned  # the lock matches package.json
    assert postgraphile.version().startswith("5.")
    assert f"PostGraphile {postgraphile.version()}" in postgraphile.describe(2)

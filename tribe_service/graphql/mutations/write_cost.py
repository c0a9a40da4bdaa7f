"""What each mutation costs, declared: the rows its write may change, 10 points each.

A mutation's cost is its write (this table) plus its payload's selection, counted
like any query's (:mod:`tribe_service.graphql.cost` adds :func:`write_cost` for each
root field of ``Mutation``). Rows count wherever the statement writes them: the
target row, a feed event, an idempotency key, a membership made with a tribe. The
cost is spent from the client's points (``RATE_LIMIT_POINTS_PER_MINUTE``) and
counts towards ``MAX_QUERY_COST``; how many mutations a builder may run a minute is
the separate ``WRITE_RATE_PER_MINUTE`` (:mod:`.write_rate`).

README's "Limits" shows this table (a test keeps it current).
"""

from __future__ import annotations

from collections.abc import Mapping

from tribe_service.authorization import Action
from tribe_service.validation import MAX_LIST_ITEMS

ROW_POINTS = 10

# The most rows each mutation's statement may write.
ROWS_WRITTEN: Mapping[Action, int] = {
    Action.UPDATE_PROFILE: 1,
    Action.SET_SKILLS: 1 + MAX_LIST_ITEMS,  # the builder's old list goes, the new one comes
    Action.COMPLETE_ONBOARDING: 1,
    Action.CREATE_PROJECT: 3,  # the project, its feed event, the idempotency key
    Action.UPDATE_PROJECT: 2,  # a project moved to SHIPPED is announced in the feed
    Action.ARCHIVE_PROJECT: 1,
    Action.INVITE_COLLABORATOR: 1,
    Action.RESPOND_TO_COLLABORATION: 2,  # accepting is announced
    Action.REMOVE_COLLABORATOR: 1,
    Action.LEAVE_PROJECT: 1,
    Action.CREATE_TRIBE: 4,  # the tribe, its owner's membership, the feed event, the key
    Action.UPDATE_TRIBE: 1,
    Action.REQUEST_TO_JOIN_TRIBE: 1,
    Action.RESPOND_TO_JOIN_REQUEST: 2,  # an approval is announced
    Action.LEAVE_TRIBE: 1,
    Action.REMOVE_MEMBER: 1,
    Action.ADD_OPEN_ROLE: 1,
    Action.UPDATE_OPEN_ROLE: 1,
    Action.FILL_OPEN_ROLE: 1,
    Action.CLOSE_OPEN_ROLE: 1,
    Action.REVOKE_SESSION: 1,  # the session's live refresh token
}


def write_cost(mutation: str) -> int:
    """The points of mutation field ``mutation``'s write (0 for a name that is not one)."""
    try:
        return ROWS_WRITTEN[Action(mutation)] * ROW_POINTS
    except ValueError:
        return 0


def markdown_table() -> str:
    """The table as README's "Limits" shows it."""
    lines = ["| mutation | rows it may write | write cost |", "|---|---|---|"]
    lines += [
        f"| `{action}` | {rows} | {rows * ROW_POINTS} |" for action, rows in ROWS_WRITTEN.items()
    ]
    return "\n".join(lines)

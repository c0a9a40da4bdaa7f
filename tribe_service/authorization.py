"""Who may do what: the one table of write permissions.

Every mutation names its :class:`Action`; :data:`RULES` says who may perform it
on its target. The rule is enforced inside the statement that writes
(``UPDATE ... WHERE id = $1 AND owner_id = $viewer``, see
:mod:`tribe_service.data_access.writes`), never by a read before it, so there is
no window between a check and the write. When the statement changes nothing,
the same statement has also said why: the target does not exist (``NOT_FOUND``)
or the viewer is not who the rule names (``FORBIDDEN``); see :class:`Refusal`.

README's "Who may do what" is this table.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Who(StrEnum):
    """Who the viewer must be, relative to the mutation's target."""

    SELF = "the builder themself"
    SIGNED_IN = "any signed-in builder"
    PROJECT_OWNER = "the project's owner"
    INVITEE = "the invited builder"
    COLLABORATOR = "a confirmed collaborator"
    TRIBE_OWNER = "the tribe's owner"
    TRIBE_MEMBER = "an active member other than the owner"


class Action(StrEnum):
    """Every write the API offers, by its mutation's name."""

    UPDATE_PROFILE = "updateProfile"
    SET_SKILLS = "setSkills"
    COMPLETE_ONBOARDING = "completeOnboarding"
    CREATE_PROJECT = "createProject"
    UPDATE_PROJECT = "updateProject"
    ARCHIVE_PROJECT = "archiveProject"
    INVITE_COLLABORATOR = "inviteCollaborator"
    RESPOND_TO_COLLABORATION = "respondToCollaboration"
    REMOVE_COLLABORATOR = "removeCollaborator"
    LEAVE_PROJECT = "leaveProject"
    CREATE_TRIBE = "createTribe"
    UPDATE_TRIBE = "updateTribe"
    REQUEST_TO_JOIN_TRIBE = "requestToJoinTribe"
    RESPOND_TO_JOIN_REQUEST = "respondToJoinRequest"
    LEAVE_TRIBE = "leaveTribe"
    REMOVE_MEMBER = "removeMember"
    ADD_OPEN_ROLE = "addOpenRole"
    UPDATE_OPEN_ROLE = "updateOpenRole"
    FILL_OPEN_ROLE = "fillOpenRole"
    CLOSE_OPEN_ROLE = "closeOpenRole"
    REVOKE_SESSION = "revokeSession"


class Refusal(StrEnum):
    """Why a write changed nothing: the ``code`` of its ``userErrors`` entry."""

    NOT_FOUND = "NOT_FOUND"  # the target does not exist
    FORBIDDEN = "FORBIDDEN"  # it exists, and the viewer is not who the rule names
    STALE = "STALE"  # it changed since the `updatedAt` the edit was based on
    CONFLICT = "CONFLICT"  # its state does not allow it (not pending, already a member, ...)
    FULL = "FULL"  # the tribe has `maxMembers` active members
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"  # the key was used for another input


@dataclass(frozen=True)
class Rule:
    """Who may perform an action, on what (``target``: the row the input's id names)."""

    who: Who
    target: str


RULES: dict[Action, Rule] = {
    Action.UPDATE_PROFILE: Rule(Who.SELF, "builder"),
    Action.SET_SKILLS: Rule(Who.SELF, "builder"),
    Action.COMPLETE_ONBOARDING: Rule(Who.SELF, "builder"),
    Action.CREATE_PROJECT: Rule(Who.SIGNED_IN, "project"),
    Action.UPDATE_PROJECT: Rule(Who.PROJECT_OWNER, "project"),
    Action.ARCHIVE_PROJECT: Rule(Who.PROJECT_OWNER, "project"),
    Action.INVITE_COLLABORATOR: Rule(Who.PROJECT_OWNER, "project"),
    Action.RESPOND_TO_COLLABORATION: Rule(Who.INVITEE, "invitation"),
    Action.REMOVE_COLLABORATOR: Rule(Who.PROJECT_OWNER, "project"),
    Action.LEAVE_PROJECT: Rule(Who.COLLABORATOR, "project"),
    Action.CREATE_TRIBE: Rule(Who.SIGNED_IN, "tribe"),
    Action.UPDATE_TRIBE: Rule(Who.TRIBE_OWNER, "tribe"),
    Action.REQUEST_TO_JOIN_TRIBE: Rule(Who.SIGNED_IN, "tribe"),
    Action.RESPOND_TO_JOIN_REQUEST: Rule(Who.TRIBE_OWNER, "tribe"),
    Action.LEAVE_TRIBE: Rule(Who.TRIBE_MEMBER, "tribe"),
    Action.REMOVE_MEMBER: Rule(Who.TRIBE_OWNER, "tribe"),
    Action.ADD_OPEN_ROLE: Rule(Who.TRIBE_OWNER, "tribe"),
    Action.UPDATE_OPEN_ROLE: Rule(Who.TRIBE_OWNER, "open role"),
    Action.FILL_OPEN_ROLE: Rule(Who.TRIBE_OWNER, "open role"),
    Action.CLOSE_OPEN_ROLE: Rule(Who.TRIBE_OWNER, "open role"),
    Action.REVOKE_SESSION: Rule(Who.SELF, "session"),
}
"""Every action's rule; signed-out requests may perform none of them."""


def markdown_table() -> str:
    """The table as README shows it."""
    lines = ["| mutation | who may | target |", "|---|---|---|"]
    lines += [f"| `{action}` | {rule.who} | {rule.target} |" for action, rule in RULES.items()]
    return "\n".join(lines)

"""``userErrors``: what a write refused, as data the frontend can branch on."""

from __future__ import annotations

from enum import StrEnum
from typing import cast

import strawberry
from strawberry.utils.str_converters import to_camel_case

from tribe_service.authorization import Refusal
from tribe_service.validation import Problem, ProblemCode

# One member per refusal and per problem: their enums are the one home of the codes.
_CODES = cast(
    "type[StrEnum]",
    StrEnum("UserErrorCode", [(code.name, code.value) for code in (*Refusal, *ProblemCode)]),
)
UserErrorCode = strawberry.enum(
    _CODES,
    description=(
        "Why a write changed nothing: NOT_FOUND (no such target), FORBIDDEN (not yours to "
        "change), STALE (it changed since the `expectedUpdatedAt` you sent), CONFLICT (its "
        "state does not allow it), FULL (the tribe has `maxMembers` active members), "
        "IDEMPOTENCY_KEY_REUSED (the key was used for other input), or what is wrong with a "
        "value (REQUIRED, BLANK, TOO_LONG, INVALID_URL, DUPLICATE, TOO_MANY, OUT_OF_RANGE, ...)."
    ),
)


@strawberry.type(description="Something a write refused; nothing was changed.")
class UserError:
    """One refusal: the input field it is about (if any), its code and its words."""

    field: list[str] | None = strawberry.field(
        description='The path of the input field this is about, e.g. `["input", "title"]`.'
    )
    code: UserErrorCode  # type: ignore[valid-type]
    message: str


def from_problem(problem: Problem) -> UserError:
    """A value's problem, its column named as the input field (``links.demo`` -> links, demo)."""
    path = ["input", *(to_camel_case(part) for part in problem.column.split("."))]
    return UserError(field=path, code=UserErrorCode[problem.code.name], message=problem.message)


REFUSAL_MESSAGES = {
    Refusal.NOT_FOUND: "There is no such {target}.",
    Refusal.FORBIDDEN: "Only {who} may do this.",
    Refusal.STALE: "The {target} changed since `expectedUpdatedAt`: reload it and try again.",
    Refusal.CONFLICT: "The {target} is not in a state that allows this.",
    Refusal.FULL: "The tribe has as many active members as `maxMembers` allows.",
    Refusal.IDEMPOTENCY_KEY_REUSED: "This `idempotencyKey` was used for another input.",
}


def from_refusal(refusal: Refusal, *, target: str, who: str, field: list[str] | None) -> UserError:
    """A refused write, worded with the rule's target and who may."""
    message = REFUSAL_MESSAGES[refusal].format(target=target, who=who)
    return UserError(field=field, code=UserErrorCode[refusal.name], message=message)

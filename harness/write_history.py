"""What writers sent and what they were told: the history a write audit checks.

A *write* is one logical mutation a client wanted (a create with its idempotency
key, an edit, an answer to an invitation); it has one or more *attempts* (HTTP
requests): a client retries, with the same variables and so the same key, when
an answer leaves the outcome unknown. Every attempt's answer falls in one class:

* **acknowledged**: the payload came back with no ``userErrors``: it took effect;
* **refused**: ``userErrors`` (or ``RATE_LIMITED``): it took no effect;
* **ambiguous**: ``DATABASE_UNAVAILABLE``, ``TIMEOUT``, the connection lost, no
  answer in time, or the client hung up: it may or may not have taken effect;
* **bad**: anything else (a 5xx other than 503, a body that is not GraphQL, an
  unexpected GraphQL error, a traceback): never allowed, and ambiguous too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

UNAVAILABLE = "DATABASE_UNAVAILABLE"
TIMEOUT = "TIMEOUT"
RATE_LIMITED = "RATE_LIMITED"


class Answer(StrEnum):
    """The class of one attempt's answer."""

    ACKNOWLEDGED = "acknowledged"
    REFUSED = "refused"
    RATE_LIMITED = "rate limited"
    AMBIGUOUS = "ambiguous"
    BAD = "bad"


NOT_APPLIED = frozenset({Answer.REFUSED, Answer.RATE_LIMITED})


@dataclass(frozen=True)
class Attempt:
    """One HTTP request of a write: when (s from the run's origin), and what came back."""

    started: float
    ended: float
    answer: Answer
    label: str  # "acknowledged", "userErrors FULL", "DATABASE_UNAVAILABLE", "HTTP 500", ...
    payload: dict[str, Any] | None = None  # the mutation's payload, when acknowledged
    detail: str = ""  # the start of the body, for a bad answer


@dataclass
class Write:
    """One logical write by ``builder`` and all its attempts."""

    builder: str  # user id
    operation: str  # the mutation field, e.g. "createProject"
    variables: dict[str, Any]  # the input object
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def last(self) -> Attempt | None:
        """The final attempt."""
        return self.attempts[-1] if self.attempts else None

    @property
    def acknowledged(self) -> bool:
        """The final answer was the payload with no userErrors."""
        return self.last is not None and self.last.answer is Answer.ACKNOWLEDGED

    @property
    def cleanly_refused(self) -> bool:
        """Refused, with no attempt before that could have taken effect."""
        return bool(self.attempts) and all(a.answer in NOT_APPLIED for a in self.attempts)

    @property
    def may_have_applied(self) -> int:
        """How many attempts could have taken effect (acknowledged or ambiguous)."""
        return sum(1 for a in self.attempts if a.answer not in NOT_APPLIED)

    @property
    def ambiguous(self) -> bool:
        """Neither acknowledged nor cleanly refused: its outcome is unknown."""
        return not self.acknowledged and not self.cleanly_refused

    @property
    def result_id(self) -> str | None:
        """The id of the written object an acknowledged create's payload shows."""
        if not self.acknowledged or self.last is None or self.last.payload is None:
            return None
        for value in self.last.payload.values():
            if isinstance(value, dict) and isinstance(value.get("id"), str):
                return str(value["id"])
        return None


def classify_answer(
    status: int, body: bytes, field_name: str
) -> tuple[Answer, str, dict[str, Any] | None]:
    """The class, label and payload of a mutation's HTTP answer."""
    if b"Traceback" in body:
        return Answer.BAD, "traceback in the body", None
    try:
        document = json.loads(body)
    except ValueError:
        return Answer.BAD, f"HTTP {status}, not JSON", None
    if not isinstance(document, dict):
        return Answer.BAD, f"HTTP {status}, not a GraphQL response", None
    codes = sorted(
        {str((e.get("extensions") or {}).get("code", "none")) for e in document.get("errors") or []}
    )
    if codes == [UNAVAILABLE] and status in {200, 503}:
        return Answer.AMBIGUOUS, UNAVAILABLE if status == 200 else f"HTTP 503 {UNAVAILABLE}", None
    if codes == [TIMEOUT] and status in {200, 503, 504}:
        return Answer.AMBIGUOUS, TIMEOUT, None
    if codes == [RATE_LIMITED] and status in {200, 429}:
        return Answer.RATE_LIMITED, RATE_LIMITED, None
    if status != 200:
        return Answer.BAD, f"HTTP {status} {','.join(codes)}".strip(), None
    if codes:
        return Answer.BAD, f"GraphQL error {','.join(codes)}", None
    payload = (document.get("data") or {}).get(field_name)
    if not isinstance(payload, dict):
        return Answer.BAD, "no payload", None
    user_errors = payload.get("userErrors") or []
    if user_errors:
        refusals = sorted({str(e.get("code")) for e in user_errors})
        return Answer.REFUSED, f"userErrors {','.join(refusals)}", None
    return Answer.ACKNOWLEDGED, "acknowledged", payload

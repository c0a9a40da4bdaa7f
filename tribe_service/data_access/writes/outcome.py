"""What a write statement reports: the row it wrote, or why it wrote nothing.

Every guarded statement ends in one ``SELECT`` of two columns, ``id`` (the row
written, or null) and ``refusal`` (null, or a :class:`~tribe_service.authorization.Refusal`
value), computed in the same statement as the write, from the same snapshot:
whether the target exists, whether the viewer is who the rule names, whether
its state allowed the change. No second statement asks afterwards.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tribe_service.authorization import Refusal


@dataclass(frozen=True, slots=True)
class Written:
    """A write's outcome: ``id`` of the row written (or replayed), else the refusal."""

    id: str | None
    refusal: Refusal | None = None
    replayed: bool = False  # an idempotent create answered from its first run

    @property
    def ok(self) -> bool:
        """True when the write took effect (now, or the first time)."""
        return self.refusal is None


def written(row: Mapping[str, Any] | None) -> Written:
    """The outcome a guarded statement's result row describes."""
    if row is None:
        raise ValueError("a guarded statement returns exactly one row")
    refusal = row["refusal"]
    if refusal is not None:
        return Written(None, Refusal(refusal))
    return Written(row["id"])


def report(written_cte: str, *refusals: tuple[str, Refusal], id_column: str = "id") -> str:
    """The statement's last ``SELECT``: the written row's id, or the first refusal that holds.

    ``refusals`` pair an SQL condition over the statement's CTEs with its refusal;
    the codes are constants of :class:`Refusal`, never values from a request.
    """
    whens = " ".join(f"WHEN {condition} THEN '{refusal.value}'" for condition, refusal in refusals)
    return (
        f" SELECT (SELECT {id_column} FROM {written_cte}) AS id,"
        f" CASE WHEN EXISTS (SELECT 1 FROM {written_cte}) THEN NULL {whens} END AS refusal"
    )

"""Random streams, ids and times: where every value of the scale data set comes from.

Each concern draws from its own :class:`random.Random` stream, seeded with the
seed number and the stream's name, so a row's content does not depend on the
order in which other concerns or the loader consume theirs. Ids are ULIDs whose
time part is the row's creation time (so id order is time order) and whose
random part comes from a stream. Times are whole milliseconds since the epoch.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from random import Random

DAY_MS = 86_400_000
SPAN_MS = 365 * DAY_MS  # the data set covers the year before `until`
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CROCKFORD_PAIRS = [a + b for a in _CROCKFORD for b in _CROCKFORD]
_PAIR_SHIFTS = tuple(range(120, -1, -10))


def stream(seed: int, name: str) -> Random:
    """The random stream ``name`` of ``seed`` (str seeds hash with SHA-512: stable)."""
    return Random(f"tribe-scale:{seed}:{name}")


def ulid_string(milliseconds: int, randomness: int) -> str:
    """The ULID with time part ``milliseconds`` and 80-bit random part ``randomness``.

    Same text as ``str(ulid.ULID.from_bytes(...))``, about three times faster.
    """
    value = (milliseconds << 80) | randomness
    return "".join([_CROCKFORD_PAIRS[(value >> shift) & 1023] for shift in _PAIR_SHIFTS])


class IdMaker:
    """Deterministic, time-ordered ULIDs from one random stream."""

    def __init__(self, rng: Random) -> None:
        self._bits = rng.getrandbits

    def at(self, milliseconds: int) -> str:
        """A ULID whose time part is ``milliseconds``."""
        return ulid_string(milliseconds, self._bits(80))


def to_datetime(milliseconds: int) -> datetime:
    """A timezone-aware datetime from milliseconds since the epoch (exact)."""
    return EPOCH + timedelta(milliseconds=milliseconds)


def to_milliseconds(moment: datetime) -> int:
    """Milliseconds since the epoch of an aware datetime (truncated)."""
    return (moment - EPOCH) // timedelta(milliseconds=1)


def moment_between(rng: Random, start: int, end: int, share: float = 1.0) -> int:
    """A moment in ``[start, start + share * (end - start)]`` (``start`` if ``end`` is earlier)."""
    return start + int(rng.random() * share * max(end - start, 0))

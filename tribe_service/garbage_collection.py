"""Garbage-collector settings for a serving process.

A GraphQL response allocates tens of thousands of short-lived objects (one
``Info``, awaitable and result per field), so CPython's default thresholds run a
generation-0 collection every few hundred fields, and every older collection
re-scans the whole import-time heap. Measured on the landing page: 20-35 ms of
CPU per request, about a quarter of it (``docs/performance.md``).
"""

from __future__ import annotations

import gc

# Collect generation 0 after 50,000 net allocations instead of 700; the older
# generations keep their ratios.
SERVING_THRESHOLDS = (50_000, 10, 10)


def tune_for_serving() -> None:
    """Freeze what start-up allocated (never garbage) and collect less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*SERVING_THRESHOLDS)

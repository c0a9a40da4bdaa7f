"""``just bench``: throughput and latency of ``just serve`` on the scaled data.

For 1 and 2 uvicorn workers, and 1 and 16 concurrent clients, it measures the
scenarios of :mod:`harness.scenarios` (landing page, builder profile, a feed
page 50,000 events deep, a tribe page, 100 builders) as served (compiled plans),
the same through Strawberry's resolvers (``COMPILED_EXECUTION=0``, the baseline;
its answers must be byte-identical), and the reference: the landing page's JSON
from one hand-written SQL statement behind a bare Litestar route
(:mod:`harness.reference_app`). It also counts SQL statements per request
in-process and as PostgreSQL logs them, on the scaled database and on a freshly
seeded scratch database, and profiles the landing page in-process. It prints a
Markdown report and writes it to ``docs/performance.md``.

Needs ``DATABASE_URL`` (the recipe exports it) and the scaled data set: with
fewer than 10,000 users it stops and says to run ``just scale``.
"""

"""``just stress``: load, a database outage, fuzzing and memory, against ``just serve``.

Four checks, each bounded in requests and time, all on 127.0.0.1:

1. **load**: 200 concurrent clients for 30 s of mixed requests (landing page,
   builder profiles, feed pages, ``{ health }``, ``/healthz``): no 5xx, no
   GraphQL error, p99 reported.
2. **outage**: the embedded PostgreSQL is stopped for 5 s in the middle of a
   load and started again. While it is down every request must answer within
   5 s with the ``DATABASE_UNAVAILABLE`` GraphQL error (HTTP 200) or
   ``/healthz`` 503, never a 500 and never a hang; within 5 s of its return
   answers must be correct again; the app keeps its PIDs; its pool ends
   between ``DB_POOL_MIN_SIZE`` and ``DB_POOL_MAX_SIZE`` connections per worker.
   Only possible when ``DATABASE_URL`` is the embedded server whose data
   directory ``--pg-data-dir`` (or ``STRESS_PG_DATA_DIR``, default
   ``.data/postgres``) names; otherwise reported as not run.
3. **fuzz**: schemathesis' GraphQL mode (Python API, Hypothesis) generates at
   least 1,000 queries from the introspected schema against a development
   server: no 5xx, and no unexpected error logged by the server.
4. **memory**: the serving processes' RSS over 20,000 mixed requests stays
   within 10 % of its level after a warm-up.
5. **abuse** (:mod:`benchmarks.stress.attackers`): 8 normal clients read pages for 45 s
   while attackers send issue 11's attacks (heavy queries, fragment bombs,
   100 MB bodies, wrong admin logins), on a server with production defaults:
   the normal clients see no error and a p99 under 250 ms; every attack is
   refused with its code.
6. **writes** (:mod:`benchmarks.stress.writes`): 32 writers, each signed in as a
   builder of its own, send random mutations for 75 s to 2 workers with a
   streaming replica while the primary stops for 5 s, the replica stops and
   lags, a worker is killed with SIGKILL and clients hang up; then every answer
   is checked against the database (:mod:`harness.write_audit`).

Phases 1-4 measure capacity, not limits: their server has the per-client
budget off (every request comes from 127.0.0.1) and a 60 s deadline (200
clients queue for longer than the default 5 s). Phase 5 keeps the defaults.

It prints a summary and writes ``docs/reliability.md``; exits 1 if a check fails.
"""

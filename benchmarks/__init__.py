"""Load tests for the API: ``python -m benchmarks.bench`` and ``python -m benchmarks.stress``.

Neither runs in ``just test`` (they take minutes); ``just bench`` and
``just stress`` run them against the scaled data (``just scale``). The servers,
the load generator and the requests they send come from :mod:`harness`, which
the tests use too; ``tests/`` never imports this package, nor this package ``tests/``.
"""

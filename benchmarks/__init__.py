"""Load tests for the API: ``python -m benchmarks.bench`` and ``python -m benchmarks.stress``.

Neither runs in ``just test`` (they take minutes); ``just bench`` and
``just stress`` run them against the scaled data (``just scale``). Every
request goes to 127.0.0.1, every loop is bounded in count and time, and every
process they start is stopped again, also on Ctrl-C.

* :mod:`benchmarks.load`: a small HTTP/1.1 keep-alive load generator on asyncio
  streams (cheaper per request than httpx, which matters on a 2-core machine
  shared with the server).
* :mod:`benchmarks.server`: starts and stops ``uvicorn`` the way ``just serve`` does.
* :mod:`benchmarks.reference_app`: the landing page from one hand-written SQL statement.
* :mod:`benchmarks.scenarios`: the GraphQL requests both commands send.
"""

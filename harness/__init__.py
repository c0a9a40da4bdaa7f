"""What the tests and the benchmarks share: real server processes, load, and the requests.

Both ``tests/`` and ``benchmarks/`` import from here and never from each other.
Every request goes to 127.0.0.1, every loop is bounded in count and time, and
every process started here is stopped again, also on Ctrl-C.

* :mod:`harness.server`: starts and stops ``uvicorn`` the way ``just serve`` does.
* :mod:`harness.load`: a small HTTP/1.1 keep-alive load generator on asyncio
  streams (cheaper per request than httpx, which matters on a 2-core machine
  shared with the server).
* :mod:`harness.scenarios`: the GraphQL requests the benchmarks and tests send
  (the TypeScript client's operations).
* :mod:`harness.attacks`: the attacks of issue 11, as documents.
* :mod:`harness.reference_app`: the landing page from one hand-written SQL statement.
* :mod:`harness.responses`: what a response under load means (its error codes, its class).
"""

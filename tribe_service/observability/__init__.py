"""What an operator sees of the running service: metrics, traces, logs, readiness.

One module per concept:

* :mod:`.metrics`: the Prometheus metric families, and ``/metrics`` (with
  prometheus-client's multiprocess mode when ``PROMETHEUS_MULTIPROC_DIR`` is set);
* :mod:`.sampler`: a background task per worker copying pool, replica and
  execution-path figures into gauges and counters, off the request path;
* :mod:`.operations`: the one Strawberry schema extension that measures, traces
  and logs each GraphQL operation;
* :mod:`.tracing`: OpenTelemetry, configured by the standard ``OTEL_*`` variables;
* :mod:`.logs`: structlog through Litestar's plugin, JSON lines in production;
* :mod:`.request_id`: one id per request, in the logs, a header and every error;
* :mod:`.readiness`: ``/readyz`` (primary answers, every migration applied);
* :mod:`.shared_store`: the Redis store that shares budgets between instances.
"""

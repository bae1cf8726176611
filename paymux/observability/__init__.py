"""Operating paymux: Prometheus metrics, structured logs and health probes (issue #13).

- ``context``: the request id and what a request is about, carried by contextvars to every line;
- ``logs``: one structlog configuration for paymux's own lines and every stdlib logger (uvicorn's too);
- ``metrics``: the Prometheus instruments (multiprocess-safe) and the scrape;
- ``http``: the ASGI middleware that logs and counts each request;
- ``health``: ``/healthz`` and ``/readyz``;
- ``serving``: what ``paymux serve`` sets up around uvicorn (log format, multiprocess directory).

Services call three functions and nothing else: :func:`paymux.observability.pg.observe_pg_call`
(from ``services.pg_calls.guarded``), :func:`paymux.observability.webhooks.observe_delivery` and
:func:`paymux.observability.context.annotate_request`.
"""

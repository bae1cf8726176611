"""What ``paymux serve`` sets up around uvicorn: the log format and the metrics directory.

Under ``--workers N`` uvicorn starts N processes that each count their own requests and PG calls;
``prometheus_client``'s multiprocess mode keeps those counts in files, one set per process, in
``PROMETHEUS_MULTIPROC_DIR``, and a scrape of any worker sums them. paymux manages that directory:

- it is created for each ``serve`` (a fresh temporary directory, removed when ``serve`` exits), or
  taken from ``PROMETHEUS_MULTIPROC_DIR`` when the operator sets one (then emptied at start: counts
  from an earlier run must not be added to this one's, and it must not be shared by two serves);
- a worker that exits cleanly marks itself dead (its live gauges leave the sum), and each scrape
  marks dead the workers that vanished without exiting cleanly (``metrics.forget_dead_processes``).
  Counters of a dead worker stay in the sums, as Prometheus expects of counters.

The environment is set before any worker imports ``prometheus_client`` (it picks its mode at
import), and children inherit it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from paymux.observability.logs import chosen_format, configure_logging
from paymux.observability.metrics import MULTIPROC_ENV

LOG_FORMAT_ENV = "PAYMUX_LOG_FORMAT"
REQUEST_LINES_ENV = "PAYMUX_LOG_REQUESTS"


@dataclass(frozen=True)
class Serving:
    metrics_dir: Path
    owned: bool  # created by paymux for this serve: removed at exit
    log_format: str

    def close(self) -> None:
        if self.owned:
            shutil.rmtree(self.metrics_dir, ignore_errors=True)


def prepare(log_format: str | None = None, request_lines: bool = True) -> Serving:
    """Before uvicorn starts: choose and export the log format (children inherit it), configure this
    process's logging, and create or empty the multiprocess directory. Raises ValueError for an
    unknown log format."""
    chosen = chosen_format(log_format or os.environ.get(LOG_FORMAT_ENV))
    os.environ[LOG_FORMAT_ENV] = chosen
    os.environ[REQUEST_LINES_ENV] = "1" if request_lines else "0"
    configure_logging(chosen)
    configured = os.environ.get(MULTIPROC_ENV)
    if configured:
        directory = Path(configured)
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*.db"):
            stale.unlink()
        return Serving(directory, owned=False, log_format=chosen)
    directory = Path(tempfile.mkdtemp(prefix="paymux-metrics-"))
    os.environ[MULTIPROC_ENV] = str(directory)
    return Serving(directory, owned=True, log_format=chosen)


# uvicorn (0.37+) kills a worker that does not answer its supervisor's ping within this many seconds
# and starts another. A new worker answers only once it has imported paymux, which on a busy machine
# can take longer than uvicorn's default 5 s: each replacement was then killed in turn, for ever.
WORKER_HEALTHCHECK_SECONDS = 60


def uvicorn_options() -> dict[str, Any]:
    """uvicorn leaves logging to us (one format for its lines and ours) and writes no access log:
    the ``http.request`` line replaces it."""
    import inspect

    import uvicorn

    options: dict[str, Any] = {"log_config": None, "access_log": False}
    if "timeout_worker_healthcheck" in inspect.signature(uvicorn.Config).parameters:
        options["timeout_worker_healthcheck"] = WORKER_HEALTHCHECK_SECONDS
    return options


def create_served_app() -> Any:
    """The uvicorn factory of ``paymux serve``, run in each worker process."""
    import logging

    from paymux.app import create_app

    configure_logging(os.environ.get(LOG_FORMAT_ENV))
    if os.environ.get(REQUEST_LINES_ENV) == "0":
        logging.getLogger("paymux.http").setLevel(logging.WARNING)  # errors (5xx) still logged
    return create_app()

"""The application factory a server process starts (``palermo serve`` and the documented
uvicorn command), and the job worker it may run beside the web requests.

Each worker process builds its own context from the ``PALERMO_*`` settings; the schema
is migrated once beforehand (``palermo db upgrade``, which ``palermo serve`` runs), not
by every process at once. Nothing a request depends on lives only in one process:
sessions, sign-in throttling and CSRF tokens are in the database, the audit chain
appends under a database lock, and the view caches check the case's fingerprint on
every read.
"""

from __future__ import annotations

from fastapi import FastAPI

from palermo.services import jobs
from palermo.services.context import Context
from palermo.web.app import create_app

# Seconds the server keeps an idle keep-alive connection open (uvicorn's
# ``timeout_keep_alive``, 5 s by default). It must outlast how long any client keeps one
# for reuse (a reverse proxy's upstream connections: nginx's ``keepalive_timeout`` is
# 60 s; browsers keep theirs longer, but resend an idempotent request that fails so):
# when the server closes first, a request sent on the connection just as it closes is
# lost, and the client (or the proxy, as a 502) gets an error instead of the page.
KEEP_ALIVE_SECONDS = 75
# Seconds a worker process may take to answer the supervisor's health check before it is
# killed and started again (uvicorn's ``timeout_worker_healthcheck``, 5 s by default). A
# worker starting up (importing the analysis libraries) or starved of CPU on a busy
# machine can miss 5 s without being hung; killed, its replacement starts up the same
# way and is killed too, over and over, each one burning the CPU of a start-up.
WORKER_HEALTHCHECK_SECONDS = 60


def create() -> FastAPI:
    """``uvicorn --factory palermo.web.serving:create``: the app over a new context, with
    an in-process job worker when this setup runs jobs in the web process."""
    ctx = Context.create(migrate=False)
    if jobs.runs_in_process(ctx):
        jobs.ensure_local_worker(ctx)
    return create_app(ctx)

"""What lasts one request: its audited reads, written together before the response.

Each service a page calls audits its read (the case, its hearings, the assessment...).
Written one by one, each took its own turn at the database's write lock, and under
many concurrent readers those turns, not the reads, set the pace. Here the request's
read entries are queued (:func:`palermo.security.audit.record_read`) and appended in
one short transaction when the response starts, before any of it is sent: if that
fails, the client gets an error, never the page. Entries that belong with a change are
still written in the change's own transaction.
"""

from __future__ import annotations

import logging

from anyio import to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from palermo.security import audit
from palermo.services.request_memo import request_memo

log = logging.getLogger(__name__)

# Methods that change nothing: their request may reuse what it read earlier.
SAFE_METHODS = frozenset({"GET", "HEAD"})


class RequestScope:
    """ASGI middleware: a batch of audited reads (and, for a safe method, a memo of what
    the request read of a case's state: membership, fingerprints) for each HTTP request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope.get("path", "")).startswith("/static/"):
            await self.app(scope, receive, send)
            return
        with audit.reads_batched() as batch, request_memo(scope.get("method") in SAFE_METHODS):

            async def send_audited(message: Message) -> None:
                if message["type"] == "http.response.start":
                    # Before the first byte of the answer: a failure here is a 500.
                    await to_thread.run_sync(audit.write_reads, batch)
                await send(message)

            try:
                await self.app(scope, receive, send_audited)
            finally:
                if batch.entries:  # no response started (the app failed): write anyway
                    await to_thread.run_sync(audit.write_reads, batch)

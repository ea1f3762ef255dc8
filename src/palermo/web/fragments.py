"""Rendered parts of a page kept for the next request with the same inputs.

A case tab's body (the Elements matrix, the Network's tables) is most of the page and
most of its rendering time, and it depends only on a view that is itself cached per
case fingerprint and viewer. Such a body is rendered once per key and kept; a request
still computes (or fetches) its view, checks access and audits as before, and only the
templating is skipped. The session's CSRF token is the one thing in a body that differs
between users of one key: the body is rendered with a placeholder, put back per request.

The key must name everything the body shows: callers pass the view object itself (held
here, so its ``id`` is not reused while the entry lives) and every other input.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from collections.abc import Callable, Hashable
from threading import Lock
from typing import Any

from fastapi import Request
from markupsafe import Markup

from palermo.web import csrf
from palermo.web.templating import templates

# Stands for the session's CSRF token in a kept body (URL-safe, as the token is).
PLACEHOLDER = f"csrf-placeholder-{secrets.token_hex(16)}"


class Fragments:
    """A bounded, thread-safe map from (template, key) to rendered HTML."""

    def __init__(self, max_entries: int = 64) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple[str, Hashable], tuple[object, str]] = OrderedDict()
        self._guard = Lock()
        self.rendered = 0  # how many bodies were rendered (for tests and benchmarks)

    def render(
        self,
        request: Request,
        template: str,
        key: Hashable,
        holds: object,
        context: Callable[[], dict[str, Any]],
        *,
        keep: bool = True,
    ) -> Markup:
        """The body of ``template`` for ``key``: kept, or rendered from ``context()``.
        ``holds``: the objects whose ids are in ``key``. ``keep`` False: rendered and not
        kept (a body no other request will ask for, such as one trace's result)."""
        full = (template, key)
        found = None
        if keep:
            with self._guard:
                found = self._entries.get(full)
                if found is not None:
                    self._entries.move_to_end(full)
        if found is None:
            values = {**context(), "csrf_token": PLACEHOLDER}
            html = templates.env.get_template(template).render(values)
            self.rendered += 1
            if not keep:
                return Markup(html.replace(PLACEHOLDER, csrf.ensure_token(request)))
            with self._guard:
                self._entries[full] = (holds, html)
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
        else:
            html = found[1]
        # The token is URL-safe base64: nothing in it needs escaping in an attribute.
        return Markup(html.replace(PLACEHOLDER, csrf.ensure_token(request)))

    def clear(self) -> None:
        with self._guard:
            self._entries.clear()


fragments = Fragments()

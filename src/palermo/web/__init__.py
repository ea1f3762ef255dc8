"""The web workbench: server-rendered pages and the JSON API, over the services.

Entry point: :func:`palermo.web.app.create_app` (``palermo serve`` runs it with uvicorn).

Layout::

    app.py          factory, security headers, sessions, error pages; the ROUTERS lists
    auth.py         current-user dependencies (session for pages, Bearer token for the API)
    csrf.py         CSRF checks, attached to whole routers by app.py
    navigation.py   the top navigation and the case tabs, as data
    templating.py   Jinja2 environment, filters, ``render()``
    pages/*.py      HTML routers          templates/   Jinja2 templates (base.html)
    api/*.py        JSON routers (/api)   static/      CSS and JS (no CDN, no inline JS)

Adding an area or a case tab (e.g. Elements):

1. ``pages/elements.py`` with ``router = APIRouter()`` and a handler for
   ``/cases/{reference}/elements`` that takes ``user: PageUser`` and ``ctx: CtxDep``
   (from :mod:`palermo.web.auth`), calls services only, and renders a template that
   ``{% extends "cases/_case.html" %}`` and fills ``{% block tab %}`` (pass the case
   context as ``pages.cases._case_page`` does).
2. Add the router to ``PAGE_ROUTERS`` (or ``API_ROUTERS``) in ``app.py``: one line.
3. Switch its entry in ``navigation.CASE_TABS`` (or ``TOP_NAV``) to ``live=True``.

Every unsafe request to a page router must carry the session's CSRF token: put
``<input type="hidden" name="csrf_token" value="{{ csrf_token }}">`` in each form
(the token is also in ``<meta name="csrf-token">`` for scripts, sent as
``X-CSRF-Token``). Service errors map to HTTP: NotFound 404 (one page for "missing"
and "not yours"), PermissionDenied 403, InvalidInput 422, AuthenticationFailed 401.
"""

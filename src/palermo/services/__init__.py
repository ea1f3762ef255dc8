"""Services: one module per capability, between the interfaces (CLI, API, pages) and the core.

Each service function takes a :class:`~palermo.services.context.Context` and the
acting :class:`~palermo.security.permissions.Actor`, runs in one transaction,
writes its audit entries in that transaction, and returns plain dataclasses.
"""

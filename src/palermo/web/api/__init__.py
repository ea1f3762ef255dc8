"""JSON API routers, mounted under ``/api`` (OpenAPI document at ``/api/openapi.json``)."""

"""HTML page routers (server-rendered with Jinja2)."""

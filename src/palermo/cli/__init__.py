"""The ``palermo`` command line (Typer + Rich)."""

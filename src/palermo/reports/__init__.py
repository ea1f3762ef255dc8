"""Reports: the prosecution memo (HTML and PDF)."""

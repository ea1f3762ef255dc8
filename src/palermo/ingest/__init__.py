"""Evidence ingest: readers per source kind, provenance, and bad-input handling."""

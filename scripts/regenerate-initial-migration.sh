#!/usr/bin/env bash
# Before the first release the schema is one migration: regenerate it from the models.
# After a release, add new revisions with `alembic revision --autogenerate` instead.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
rm -f src/palermo/store/migrations/versions/0001_initial_schema.py
.venv/bin/python - "$tmp/gen.db" <<'PY'
import sys
from alembic import command
from palermo.store.db import alembic_config
command.revision(alembic_config(f"sqlite:///{sys.argv[1]}"), message="initial schema",
                 autogenerate=True, rev_id="0001")
PY
sed -i 's/astext_type=Text()/astext_type=sa.Text()/g' src/palermo/store/migrations/versions/0001_initial_schema.py
.venv/bin/ruff format -q src/palermo/store/migrations/versions/
rm -rf "$tmp"

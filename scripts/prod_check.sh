#!/usr/bin/env bash
# make prod-check: the production stack on this machine (PostgreSQL, Redis, two gunicorn processes, a Celery
# worker and beat; see scripts/stack.py), then the integration tests in tests/prod/ against it.
# Extra arguments go to pytest, e.g. `scripts/prod_check.sh -k booking -x`.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=.venv/bin/python
if [ ! -x "$PYTHON" ]; then
  echo "No .venv here: run 'make install' first." >&2
  exit 2
fi
exec "$PYTHON" -m scripts.stack run -- "$PYTHON" -m pytest -m prod tests/prod "$@"

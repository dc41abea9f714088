#!/usr/bin/env bash
# make load: 200 simulated people (employees, coaches, HR) for 5 minutes against the production stack
# (scripts/stack.py: two gunicorn processes, Celery, Redis, PostgreSQL), with a py-spy profile of one
# web process taken half-way. Figures in $LOAD_DIR (default /tmp/portal-load); see docs/LOAD.md.
# LOAD_USERS, LOAD_MINUTES and WEB_CONCURRENCY change the run.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=.venv/bin/python
export LOAD_DIR="${LOAD_DIR:-/tmp/portal-load}" LOAD_USERS="${LOAD_USERS:-200}" LOAD_MINUTES="${LOAD_MINUTES:-5}"
mkdir -p "$LOAD_DIR"
exec "$PYTHON" -m scripts.stack run -- "$PYTHON" -m scripts.load_run

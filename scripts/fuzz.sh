#!/usr/bin/env bash
# make fuzz: Schemathesis against /api/v1/schema/ once per role (employee, coach, HR) on the production
# stack (scripts/stack.py); see scripts/fuzz.py. Reports in $FUZZ_REPORT_DIR (default /tmp/portal-fuzz).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=.venv/bin/python
exec "$PYTHON" -m scripts.stack run -- "$PYTHON" -m scripts.fuzz

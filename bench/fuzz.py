"""The reliability battery: API fuzzing (`make fuzz`: Schemathesis against /api/v1/schema/ once per role,
no server error and no response outside the schema allowed) and fault injection (`make faults`: gunicorn
workers killed and database connections terminated at random moments during CSV imports, bookings and
erasures, Redis restarted under the worker), as their last runs on this machine left them.

Both need the production stack and minutes each, so `python -m bench.run` does not start them: it reports
the figures scripts/fuzz.py and tests/faults wrote to bench/results/ (a trial that breaks an invariant
fails `make faults` instead of appearing here).
"""

from __future__ import annotations

import json
from pathlib import Path

TITLE = "Fuzzing and faults (make fuzz, make faults)"
RESULTS = Path(__file__).resolve().parent / "results"


def run() -> list[dict]:
    rows = []
    fuzz, faults = RESULTS / "fuzz.json", RESULTS / "faults.jsonl"
    if fuzz.exists():
        rows += json.loads(fuzz.read_text())
    else:
        rows.append({"benchmark": "fuzz: make fuzz has not run on this machine yet", "runs": 0, "notes": ""})
    if faults.exists() and faults.read_text().strip():
        rows += [json.loads(line) for line in faults.read_text().splitlines() if line.strip()]
    else:
        rows.append({"benchmark": "faults: make faults has not run on this machine yet", "runs": 0, "notes": ""})
    return rows

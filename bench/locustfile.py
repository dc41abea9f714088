"""Load (make load): 200 simulated people of the three roles for five minutes against the production
stack on this machine (two gunicorn processes, a Celery worker, Redis, PostgreSQL), from scripts/load.sh.

    locust -f bench/locustfile.py --headless -u 200 -r 10 -t 5m --host http://127.0.0.1:8171

The scenario itself is scripts/load_scenario.py; docs/LOAD.md has the figures and what limits them.
`python -m bench.run` finds this module among the benchmarks: there it does not start a load (that needs
the whole stack and five minutes) but reports the figures of the last `make load` on this machine.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

TITLE = "Load (make load)"
RESULTS = Path(__file__).resolve().parent / "results" / "load.json"

if "locust" in sys.modules:  # run by locust: the simulated people
    from scripts.load_scenario import Coach, Employee, HRManager  # noqa: F401


def run() -> list[dict]:
    """The last `make load` on this machine, as rows for BENCHMARKS.md (written by scripts/load_run.py)."""
    if not RESULTS.exists():
        return [
            {
                "benchmark": "make load has not run on this machine yet",
                "runs": 0,
                "notes": "scripts/load.sh; figures and analysis in docs/LOAD.md",
            }
        ]
    return json.loads(RESULTS.read_text())["rows"]

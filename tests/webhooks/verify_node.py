"""Our signatures checked by the npm `standardwebhooks` package (scripts/webhooks), as a Node receiver would."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

TOOLS = Path(__file__).resolve().parents[2] / "scripts" / "webhooks"


def node_verifier() -> Path:
    """The verifier script, its packages installed from the lock file (`npm ci --ignore-scripts`) the first
    time; the test is skipped, saying why, only where Node or npm is not installed."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("Node.js and npm are not installed: the npm standardwebhooks check cannot run")
    if not (TOOLS / "node_modules" / "standardwebhooks").exists():
        subprocess.run(
            ["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=TOOLS,
            check=True,
            timeout=300,
        )
    return TOOLS / "verify.js"


def node_verify(secret: str, messages: list[dict]) -> list[dict]:
    script = node_verifier()
    done = subprocess.run(
        ["node", str(script)],
        input=json.dumps({"secret": secret, "messages": messages}),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(done.stdout)

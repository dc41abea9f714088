"""API fuzzing: Schemathesis against the OpenAPI schema, once per role, on the production stack.

    make fuzz          (scripts/fuzz.sh: the stack of scripts/stack.py, then this module)

For the employee, the coach and the HR manager of Acme (the demo people, least privileged first, since the
HR run changes the most), it fetches a token at `POST /api/v1/auth/token/` and the schema at
`/api/v1/schema/` with it, then lets Schemathesis generate at least FUZZ_MIN_CASES (1,000) requests
against every operation. Checks: no server error (5xx), every response's body, headers and content type
as the schema says, and no success status the schema does not list (our own check, below: Schemathesis
loads this module as its hooks). Reports (JSON, JUnit, and a pytest file reproducing any failure) go to
FUZZ_REPORT_DIR (default /tmp/portal-fuzz). The exit code is 0 only when every run is clean.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import schemathesis

from scripts.portal_client import PortalClient
from scripts.stack import load_state

BASE_DIR = Path(__file__).resolve().parent.parent
HOST = "acme.localhost"
ROLES = [("employee", "employee1@acme.example"), ("coach", "coach@coaching.example"), ("hr", "hr@acme.example")]
PASSWORD = "portal-demo"
MIN_CASES = int(os.environ.get("FUZZ_MIN_CASES", "1000"))
SEED = int(os.environ.get("FUZZ_SEED", "20261127"))
CHECKS = (
    "not_a_server_error,response_schema_conformance,content_type_conformance,response_headers_conformance,"
    "success_status_documented"
)
REPORTS = Path(os.environ.get("FUZZ_REPORT_DIR", "/tmp/portal-fuzz"))


@schemathesis.check
def success_status_documented(ctx, response, case) -> None:
    """A 2xx the schema does not list breaks clients as surely as a wrong body. Error statuses (4xx) are
    left out: DRF answers 400, 401, 404 and 429 on every operation without the schema listing each."""
    if case.method.upper() != case.operation.method.upper():
        return  # a probe with another method (OPTIONS, an unsupported verb) is not this operation's answer
    documented = case.operation.responses.status_codes
    if (
        200 <= response.status_code < 300
        and "default" not in documented
        and str(response.status_code) not in documented
        and "2XX" not in documented
    ):
        raise AssertionError(
            f"{case.operation.label} answered {response.status_code}; the schema lists {', '.join(documented)}"
        )


def operations(schema: dict) -> int:
    methods = {"get", "put", "post", "patch", "delete", "head", "options"}
    return sum(1 for item in schema["paths"].values() for method in item if method in methods)


def fuzz_role(role: str, email: str, ports: list[int]) -> dict:
    client = PortalClient(HOST, ports)
    token = client.obtain_token(email, PASSWORD)
    response = client.get("/api/v1/schema/?format=json")
    if response.status != 200:
        raise RuntimeError(f"the schema did not load for {role}: {response.status}")
    schema = response.json()
    count = operations(schema)
    per_operation = math.ceil(MIN_CASES * 1.2 / count)
    folder = REPORTS / role
    folder.mkdir(parents=True, exist_ok=True)
    schema_path = folder / "schema.json"
    schema_path.write_text(json.dumps(schema))
    command = [
        str(BASE_DIR / ".venv" / "bin" / "schemathesis"),
        "run",
        str(schema_path),
        "--url",
        f"http://127.0.0.1:{ports[0]}",
        "-H",
        f"Authorization: Token {token}",
        "-H",
        f"Host: {HOST}",
        "-H",
        "X-Forwarded-Proto: https",
        "--checks",
        CHECKS,
        "--max-examples",
        str(per_operation),
        "--seed",
        str(SEED),
        "--workers",
        "2",
        "--request-timeout",
        "30",
        "--generation-database",
        "none",
        "--report",
        "json,junit,pytest",
        "--report-dir",
        str(folder),
        "--no-color",
    ]
    environment = {**os.environ, "SCHEMATHESIS_HOOKS": "scripts.fuzz", "PYTHONPATH": str(BASE_DIR)}
    started = time.monotonic()
    result = subprocess.run(command, cwd=folder, env=environment, capture_output=True, text=True)
    seconds = time.monotonic() - started
    (folder / "output.txt").write_text(result.stdout + result.stderr)
    return {
        "role": role,
        "operations": count,
        "max_examples": per_operation,
        "seconds": round(seconds),
        "exit_code": result.returncode,
        "output": result.stdout + result.stderr,
        "folder": str(folder),
        **summary(folder),
    }


def summary(folder: Path) -> dict:
    """Cases generated, failures and errors, from Schemathesis' JSON report."""
    reports = sorted(folder.glob("json-*.json"), key=lambda path: path.stat().st_mtime)
    if not reports:
        return {"cases": None, "failures": None, "errors": None}
    report = json.loads(reports[-1].read_text())
    cases = report.get("test_cases", {})
    errors = report.get("errors", [])
    return {
        "cases": cases.get("generated"),
        "failures": cases.get("unique_failures"),
        "errors": len(errors) if isinstance(errors, list) else errors,
    }


def main() -> int:
    stack = load_state()
    ports = [web["port"] for web in stack["web"]]
    results = []
    for role, email in ROLES:
        print(f"[fuzz] {role} ({email}) ...", flush=True)
        result = fuzz_role(role, email, ports)
        results.append(result)
        print(
            f"[fuzz] {role}: {result['operations']} operations, {result['max_examples']} examples each, "
            f"{result['cases']} cases, {result['failures']} failures, {result['errors']} errors, "
            f"exit {result['exit_code']}, "
            f"{result['seconds']} s; reports in {result['folder']}",
            flush=True,
        )
        if result["exit_code"] != 0:
            print(result["output"][-6000:], flush=True)
    clean = all(result["exit_code"] == 0 for result in results)
    enough = all((result["cases"] or 0) >= MIN_CASES for result in results)
    if not enough:
        print(f"[fuzz] fewer than {MIN_CASES} cases in a run: {[(r['role'], r['cases']) for r in results]}")
    (REPORTS / "summary.json").write_text(
        json.dumps([{key: value for key, value in result.items() if key != "output"} for result in results], indent=2)
    )
    bench_rows = [
        {
            "benchmark": f"fuzz: API as {result['role']}",
            "operations": result["operations"],
            "cases": result["cases"],
            "failures": result["failures"],
            "errors": result["errors"],
            "seconds": result["seconds"],
            "runs": 1,
            "notes": f"schemathesis, seed {SEED}, checks {CHECKS.replace(',', ', ')}",
        }
        for result in results
    ]
    target = BASE_DIR / "bench" / "results" / "fuzz.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(bench_rows, indent=2))
    return 0 if clean and enough else 1


if __name__ == "__main__":
    sys.exit(main())

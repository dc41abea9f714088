"""The load run inside the production stack (started by scripts/load.sh): data, locust, a profile, figures.

Writes to LOAD_DIR: locust's CSV files and HTML report, `profile.txt` (where one web process spent its
time, from py-spy, by function, ours marked) and `summary.md` (the table docs/LOAD.md quotes, with the
machine). Exit code 0 only when locust saw no error and no web process logged a server error.
"""

from __future__ import annotations

import collections
import csv
import json
import os
import platform
import subprocess
import sys
import threading
import time
from pathlib import Path

from scripts.stack import BASE_DIR, load_state

BIN = BASE_DIR / ".venv" / "bin"
OUT = Path(os.environ.get("LOAD_DIR", "/tmp/portal-load"))
USERS = int(os.environ.get("LOAD_USERS", "200"))
MINUTES = float(os.environ.get("LOAD_MINUTES", "5"))
# Two sign-ins a second: each costs a password hash (PBKDF2, about half a second of one core here), so a
# faster ramp measures the sign-in storm rather than the portal in use. Figures are taken once everyone
# is signed in (locust --reset-stats).
SPAWN_RATE = float(os.environ.get("LOAD_SPAWN_RATE", "2"))
PROFILE_SECONDS = 60
OUR_PACKAGES = ("portal/", "tenants/", "programmes/", "assessments/", "reports/")


def profile(pid: int, seconds: int, target: Path) -> None:
    """py-spy over a gunicorn master and its workers, as collapsed stacks."""
    subprocess.run(
        [
            str(BIN / "py-spy"),
            "record",
            "--pid",
            str(pid),
            "--subprocesses",
            "--duration",
            str(seconds),
            "--format",
            "raw",
            "--output",
            str(target),
            "--nonblocking",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )


def summarise_profile(raw: Path, top: int = 25) -> str:
    """Self time by function, and inclusive time of our own functions, from py-spy's collapsed stacks."""
    if not raw.exists():
        return "(no profile: py-spy could not attach)"
    own: collections.Counter = collections.Counter()
    ours: collections.Counter = collections.Counter()
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        samples = int(count)
        total += samples
        frames = stack.split(";")
        own[frames[-1]] += samples
        for frame in set(frames):
            if (
                any(f" ({package}" in frame or f"/{package}" in frame for package in OUR_PACKAGES)
                and ".venv" not in frame
            ):
                ours[frame] += samples
    lines = [f"{total} samples over {PROFILE_SECONDS} s", "", "Self time (where the CPU was):"]
    lines += [f"  {100 * n / total:5.1f}%  {frame}" for frame, n in own.most_common(top)]
    lines += ["", "Inclusive time of our own code:"]
    lines += [f"  {100 * n / total:5.1f}%  {frame}" for frame, n in ours.most_common(top)]
    return "\n".join(lines)


def machine() -> str:
    memory = next(
        (line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")), "?"
    )
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    pinned = ""
    if os.environ.get("STACK_WEB_CPUS"):
        pinned = f"; web processes on CPU {os.environ['STACK_WEB_CPUS']}, locust and the worker on CPU " + (
            os.environ.get("STACK_OTHER_CPUS") or "any"
        )
    return (
        f"{os.cpu_count()} cores ({cpu}), {int(memory) // 1024 // 1024} GiB memory, Python {platform.python_version()}"
        + pinned
    )


def stats_table(path: Path) -> tuple[str, int, int]:
    """Locust's statistics as a Markdown table (all requests last), the request and failure counts."""
    rows = list(csv.DictReader(path.open()))
    aggregate = next(row for row in rows if row["Name"] == "Aggregated")
    lines = [
        "| request | count | failures | median ms | p95 ms | p99 ms | max ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in [row for row in rows if row is not aggregate] + [aggregate]:
        name = "**all requests**" if row is aggregate else f"{row['Type']} {row['Name']}"
        lines.append(
            f"| {name} | {row['Request Count']} | {row['Failure Count']} | {row['50%']} | {row['95%']} | "
            f"{row['99%']} | {float(row['Max Response Time']):.0f} |"
        )
    lines += ["", f"Throughput: {float(aggregate['Requests/s']):.1f} requests/s over the run."]
    return "\n".join(lines), int(aggregate["Request Count"]), int(aggregate["Failure Count"])


# Writes every run must have made: a scenario that quietly stops writing (a product rule it no longer meets)
# measures a lighter load than it claims.
WRITES = ("POST employee: book a slot", "POST employee: write a reflection", "POST coach: write a private note")


def writes_missing(path: Path) -> list[str]:
    """The WRITES locust never made (or never counted) in this run."""
    made = {f"{row['Type']} {row['Name']}": int(row["Request Count"]) for row in csv.DictReader(path.open())}
    return [name for name in WRITES if not made.get(name)]


def results_for_bench(path: Path, started: float, errors: int) -> None:
    """The figures as BENCHMARKS.md rows (bench/locustfile.py's run() hands them to `python -m bench.run`)."""
    rows = []
    for row in csv.DictReader(path.open()):
        if row["Request Count"] == "0":  # locust reports N/A for the times of a request never made
            continue
        rows.append(
            {
                "benchmark": "all requests" if row["Name"] == "Aggregated" else f"{row['Type']} {row['Name']}",
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "median_ms": float(row["50%"]),
                "p95_ms": float(row["95%"]),
                "p99_ms": float(row["99%"]),
                "requests_per_s": round(float(row["Requests/s"]), 1),
                "runs": 1,
                "notes": ""
                if row["Name"] != "Aggregated"
                else f"{USERS} users, {MINUTES:g} min, {errors} server errors logged, {machine()}, "
                f"{time.strftime('%Y-%m-%d', time.gmtime(started))}",
            }
        )
    target = BASE_DIR / "bench" / "results" / "load.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps({"date": started, "rows": rows}, indent=2))


def server_errors(stack: dict) -> int:
    count = 0
    for name in ("web1", "web2"):
        log = Path(stack["processes"][name]["log"]).read_text(errors="replace")
        count += log.count("Internal Server Error")
    return count


def main() -> int:
    stack = load_state()
    OUT.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, str(BASE_DIR / "scripts" / "load_data.py")], check=True)
    ports = " ".join(str(web["port"]) for web in stack["web"])
    command = [
        str(BIN / "locust"),
        "-f",
        str(BASE_DIR / "bench" / "locustfile.py"),
        "--headless",
        "-u",
        str(USERS),
        "-r",
        str(SPAWN_RATE),
        "-t",
        f"{int(MINUTES * 60 + USERS / SPAWN_RATE)}s",
        "--host",
        f"http://127.0.0.1:{stack['web'][0]['port']}",
        "--csv",
        str(OUT / "load"),
        "--html",
        str(OUT / "load.html"),
        "--only-summary",
        "--stop-timeout",
        "30",
        "--reset-stats",
    ]
    if os.environ.get("STACK_OTHER_CPUS"):  # the web processes have the other CPUs to themselves
        command = ["taskset", "-c", os.environ["STACK_OTHER_CPUS"], *command]
    print(f"[load] {USERS} users for {MINUTES:g} min on {ports}: {machine()}", flush=True)
    started = time.time()
    locust = subprocess.Popen(command, env={**os.environ, "LOAD_PORTS": ports}, cwd=OUT)
    # Profile one web process once every simulated person is active (ramp-up plus a little).
    delay = USERS / SPAWN_RATE + 30
    load_before = os.getloadavg()[0]
    profiler = threading.Timer(delay, profile, args=(stack["web"][0]["pid"], PROFILE_SECONDS, OUT / "profile.raw"))
    profiler.start()
    code = locust.wait()
    profiler.join()
    table, requests, failures = stats_table(OUT / "load_stats.csv")
    errors = server_errors(stack)
    missing = writes_missing(OUT / "load_stats.csv")
    summary = (
        f"{USERS} simulated people (employees 6 : coaches 2 : HR 2, 2–6 s between steps) for "
        f"{MINUTES:g} minutes once all are signed in (ramp-up {SPAWN_RATE:g} sign-ins/s before), "
        f"against 2 gunicorn processes × "
        f"{os.environ.get('WEB_CONCURRENCY', '2')} sync workers, a Celery worker, Redis and PostgreSQL "
        f"on one machine: {machine()}. Started {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime(started))}."
        f" Load average (1 min) of the machine before and after: {load_before:.1f}, {os.getloadavg()[0]:.1f}."
        f"\n\n{table}\n\n{requests} requests, {failures} failures, {errors} server errors logged.\n"
        + (
            f"\nNever made in this run: {', '.join(missing)}. The load is lighter than the scenario says.\n"
            if missing
            else ""
        )
    )
    (OUT / "summary.md").write_text(summary)
    results_for_bench(OUT / "load_stats.csv", started, errors)
    (OUT / "profile.txt").write_text(summarise_profile(OUT / "profile.raw"))
    print(summary)
    print((OUT / "profile.txt").read_text())
    return 0 if code == 0 and failures == 0 and errors == 0 and not missing else 1


if __name__ == "__main__":
    sys.exit(main())

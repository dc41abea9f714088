"""Fault injection against the production stack (scripts/stack.py): the means, not the scenarios.

    kill_serving_worker(stack, request)   SIGKILL the gunicorn worker that holds this request's socket
    kill_any_web_worker(stack)            SIGKILL one gunicorn worker, chosen at random
    terminate_connections(stack, app)     pg_terminate_backend on the connections of `portal-<app>`
    kill_celery_child(stack)              SIGKILL the Celery pool process(es) running tasks
    Trial / run_trials                    one operation, a fault at a random moment inside it, and the
                                          checks that must hold afterwards, N times

Everything here acts only on processes the stack started (found from the process ids it recorded) and
on connections to the stack's own database.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from scripts.portal_client import PortalClient, Response

# --- processes --------------------------------------------------------------------------------------


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


def web_workers(stack: dict) -> dict[int, list[int]]:
    """port -> the process ids of that gunicorn's workers."""
    return {web["port"]: children(web["pid"]) for web in stack["web"]}


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    try:
        for fd in os.scandir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(fd.path)
            except OSError:
                continue
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    except OSError:
        pass
    return inodes


def _inode_of_peer(client_port: int) -> str | None:
    """The server side of our connection: the socket whose remote port is our local port."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            remote_port = int(fields[2].rsplit(":", 1)[1], 16)
            if remote_port == client_port and fields[9] != "0":
                return fields[9]
    return None


def kill_serving_worker(stack: dict, request: PendingRequest) -> int | None:
    """SIGKILL the worker serving `request`; its pid, or None when the request is already answered."""
    inode = _inode_of_peer(request.local_port)
    if inode is None:
        return None
    for worker in web_workers(stack).get(request.port, []):
        if inode in _socket_inodes(worker):
            os.kill(worker, signal.SIGKILL)
            return worker
    return None


def kill_any_web_worker(stack: dict) -> int | None:
    workers = [pid for pids in web_workers(stack).values() for pid in pids]
    if not workers:
        return None
    victim = random.choice(workers)
    os.kill(victim, signal.SIGKILL)
    return victim


def kill_celery_child(stack: dict) -> list[int]:
    """SIGKILL the worker's pool processes (the tasks they run are lost mid-way, their messages not)."""
    pool = children(stack["processes"]["worker"]["pid"])
    for pid in pool:
        os.kill(pid, signal.SIGKILL)
    return pool


def wait_for_web_workers(stack: dict, per_process: int, seconds: float = 30) -> None:
    """Gunicorn replaces a killed worker; wait until every web process has its full count again."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if all(len(pids) >= per_process for pids in web_workers(stack).values()):
            return
        time.sleep(0.1)
    raise AssertionError(f"gunicorn did not replace its killed workers within {seconds} s")


# --- database connections ---------------------------------------------------------------------------


def terminate_connections(stack: dict, application: str = "web", *, only_busy: bool = False) -> int:
    """pg_terminate_backend on the stack's connections named `portal-<application>` (web1, web2, worker…;
    "web" means both web processes). Returns how many were terminated."""
    names = ["portal-web1", "portal-web2"] if application == "web" else [f"portal-{application}"]
    condition = " AND state <> 'idle'" if only_busy else ""
    with psycopg.connect(stack["admin_url"], autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s "
            f"AND application_name = ANY(%s) AND pid <> pg_backend_pid(){condition}",
            [stack["database"], names],
        ).fetchall()
    return sum(1 for (done,) in rows if done)


# --- a request a fault can hit ----------------------------------------------------------------------


class PendingRequest:
    """A request sent and not yet answered: its socket's local port identifies the serving worker."""

    def __init__(self, client: PortalClient, method: str, path: str, **kwargs):
        self.client, self.method, self.path, self.kwargs = client, method, path, kwargs
        self.port = next(client._next_port)
        self.local_port = 0
        self.response: Response | None = None
        self.error: Exception | None = None
        self._connected = threading.Event()
        self._thread = threading.Thread(target=self._send, daemon=True)

    def start(self) -> PendingRequest:
        self._thread.start()
        self._connected.wait(10)
        return self

    def _send(self) -> None:
        def connected(local_port: int) -> None:
            self.local_port = local_port
            self._connected.set()

        try:
            self.response = self.client.request(
                self.method, self.path, port=self.port, on_connect=connected, **self.kwargs
            )
        except (OSError, http.client.HTTPException) as error:
            self.error = error
        finally:
            self._connected.set()

    def wait(self, seconds: float = 120) -> PendingRequest:
        self._thread.join(seconds)
        return self

    @property
    def interrupted(self) -> bool:
        return self.error is not None or (self.response is not None and self.response.status >= 500)


# --- trials -----------------------------------------------------------------------------------------


@dataclass
class Outcome:
    trial: int
    fault: str
    delay_s: float
    hit: bool  # did the fault find something to break
    result: str  # what the operation answered: "completed", "refused", "interrupted"
    notes: str = ""


@dataclass
class Tally:
    name: str
    outcomes: list[Outcome] = field(default_factory=list)

    def add(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)

    def summary(self) -> str:
        hits = sum(outcome.hit for outcome in self.outcomes)
        results: dict[str, int] = {}
        for outcome in self.outcomes:
            results[outcome.result] = results.get(outcome.result, 0) + 1
        return (
            f"{self.name}: {len(self.outcomes)} trial(s), the fault met a running operation {hits} times; "
            + ", ".join(f"{count} × {result}" for result, count in sorted(results.items()))
        )


def after_random_delay(low: float, high: float, action: Callable[[], object]) -> tuple[threading.Thread, dict]:
    """Run `action` once, after a random delay in [low, high] seconds, in a thread; the dict gets the
    delay and what the action returned."""
    record: dict = {"delay": random.uniform(low, high)}

    def fire() -> None:
        time.sleep(record["delay"])
        record["result"] = action()

    thread = threading.Thread(target=fire, daemon=True)
    thread.start()
    return thread, record


def report(tally: Tally) -> None:
    """Each scenario's figures, printed (make faults shows them) and appended to FAULTS_REPORT if set."""
    line = tally.summary()
    print(f"\n[faults] {line}", flush=True)
    target = os.environ.get("FAULTS_REPORT")
    if target:
        with open(target, "a") as output:
            output.write(line + "\n")
    results = os.environ.get("FAULTS_RESULTS")  # the rows bench/fuzz.py hands to BENCHMARKS.md
    if results:
        outcomes: dict[str, int] = {}
        for outcome in tally.outcomes:
            outcomes[outcome.result] = outcomes.get(outcome.result, 0) + 1
        row = {
            "benchmark": f"faults: {tally.name}",
            "trials": len(tally.outcomes),
            "fault_met_an_operation": sum(outcome.hit for outcome in tally.outcomes),
            "invariant_broken": 0,
            "runs": 1,
            "notes": "; ".join(f"{count} × {result}" for result, count in sorted(outcomes.items()))
            + "; faults: "
            + ", ".join(sorted({outcome.fault for outcome in tally.outcomes})),
        }
        with open(results, "a") as output:
            output.write(json.dumps(row) + "\n")

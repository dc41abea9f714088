"""Webhook delivery throughput: events per second from the outbox to a receiver on loopback. Each run writes
500 events to the outbox of a bench organisation in one transaction (as a CSV import would), then workers
send them, signed (Standard Webhooks, HMAC-SHA256), the address checked again, the answers written down: in
batches per endpoint (up to 100 taken together, sent over one kept-alive connection, written down in one
transaction), and, for comparison in the same run, one delivery at a time (`delivery_attempt`: a connection
and two commits each, as every delivery was sent before batching). The receiver is a separate process
answering 204 at once; the baselines, bare POSTs to the same receiver from one process (a new connection
each, and all over one kept-alive connection), are measured in the same run. Median of 5 runs.

    python -m bench.webhooks      # alone, on the benchmark database; prints Markdown table rows
    python -m bench.run webhooks  # through the harness, into BENCHMARKS.md
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

TITLE = "Webhooks: delivery from the outbox to a loopback receiver"
SLUG = "bench-webhooks"
EVENTS = int(os.environ.get("BENCH_WEBHOOK_EVENTS", 500))
RUNS = int(os.environ.get("BENCH_WEBHOOK_RUNS", 5))
PROCESSES = 4

RECEIVER = """
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass

server = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler)
server.daemon_threads = True
print("ready", flush=True)
server.serve_forever()
"""


def _receiver() -> tuple[subprocess.Popen, int]:
    from bench.common import free_port

    port = free_port()
    process = subprocess.Popen([sys.executable, "-c", RECEIVER, str(port)], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "ready"
    return process, port


def _organisation_and_endpoint(port: int):
    from django_tenants.utils import tenant_context

    from bench.common import bench_user, organisation_make
    from portal import policy
    from webhooks import events, services
    from webhooks.models import Endpoint, Message

    organisation = organisation_make(slug=SLUG, employees=0, coaches=0)
    hr = bench_user(organisation, "hr")
    with tenant_context(organisation):
        Message.objects.all().delete()
        Endpoint.objects.all().delete()
        services.endpoint_create(
            actor=policy.actor_for(hr, organisation), url=f"http://127.0.0.1:{port}/hooks", events=list(events.EVENTS)
        )
    return organisation


def _fill(organisation) -> float:
    """EVENTS events into the outbox in one transaction; the seconds it took. Nothing is queued: the workers
    below find the deliveries as the periodic sweep does."""
    from django.db import transaction
    from django_tenants.utils import tenant_context

    from portal.celery import app
    from webhooks import events, services
    from webhooks.models import Message

    items = [
        {"session_id": n, "kind": "individual", "enrolment_id": n, "cohort_id": None, "coach_id": 1}
        for n in range(EVENTS)
    ]
    eager, app.conf.task_always_eager = app.conf.task_always_eager, False
    try:
        with tenant_context(organisation):
            Message.objects.all().delete()
            started = time.perf_counter()
            with transaction.atomic():
                services.events_record(events.SESSION_CANCELLED, items)
            return time.perf_counter() - started
    finally:
        app.conf.task_always_eager = eager


def _due_ids(organisation) -> list[int]:
    from django_tenants.utils import tenant_context

    from webhooks.models import Delivery

    with tenant_context(organisation):
        return list(Delivery.objects.filter(status=Delivery.Status.PENDING).order_by("pk").values_list("pk", flat=True))


def _delivered(organisation) -> int:
    from django_tenants.utils import tenant_context

    from webhooks.models import Delivery

    with tenant_context(organisation):
        return Delivery.objects.filter(status=Delivery.Status.DELIVERED).count()


def _bare_posts(port: int, count: int, *, keep_alive: bool = False) -> float:
    """The baseline, measured in the same run: the same number of POSTs of a payload-sized body to the same
    receiver from one process, without the portal (no database, no signing): a new connection each, or all
    over one kept-alive connection."""
    import http.client

    body = b'{"type":"session.cancelled","timestamp":"2026-12-03T14:05:09+00:00","data":{"session_id":1}}'
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    for _ in range(count):
        connection.request("POST", "/hooks", body=body, headers={"Content-Type": "application/json"})
        connection.getresponse().read()
        if not keep_alive:
            connection.close()
    connection.close()
    return time.perf_counter() - started


def _send_inline(organisation, *, batched: bool) -> float:
    """One worker, as one Celery worker process would: the endpoint's send, batch after batch; or every due
    delivery in turn, one at a time."""
    from django_tenants.utils import tenant_context

    from webhooks import services
    from webhooks.models import Endpoint

    ids = _due_ids(organisation)
    started = time.perf_counter()
    with tenant_context(organisation):
        if batched:
            services.endpoint_deliveries_send(endpoint_id=Endpoint.objects.get().pk)
        else:
            for pk in ids:
                services.delivery_attempt(delivery_id=pk)
    return time.perf_counter() - started


def _send_in_processes(organisation, *, batched: bool) -> float:
    """PROCESSES worker processes, each running the endpoint's send (they share the deliveries through
    SKIP LOCKED), or each taking every PROCESSES-th delivery one at a time; timed from "go" to all done."""
    env = {**os.environ, "OUTBOUND_ALLOW_PRIVATE_ADDRESSES": "1"}
    mode = "batched" if batched else "single"
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.webhooks",
                "worker",
                organisation.schema_name,
                str(part),
                str(PROCESSES),
                mode,
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for part in range(PROCESSES)
    ]
    for worker in workers:
        assert worker.stdout.readline().strip() == "ready"
    started = time.perf_counter()
    for worker in workers:
        worker.stdin.write("go\n")
        worker.stdin.flush()
    for worker in workers:
        worker.wait(600)
    return time.perf_counter() - started


def _worker(schema: str, part: int, parts: int, mode: str) -> None:
    from bench.common import configure

    configure()
    from django_tenants.utils import schema_context

    from webhooks import services
    from webhooks.models import Delivery, Endpoint

    with schema_context(schema):
        ids = list(Delivery.objects.filter(status=Delivery.Status.PENDING).order_by("pk").values_list("pk", flat=True))
        mine = ids[part::parts]
        endpoint_id = Endpoint.objects.get().pk
        print("ready", flush=True)
        sys.stdin.readline()
        if mode == "batched":
            services.endpoint_deliveries_send(endpoint_id=endpoint_id)
        else:
            for pk in mine:
                services.delivery_attempt(delivery_id=pk)


def run() -> list[dict]:
    from django.conf import settings

    from bench.common import median, row

    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = True  # the receiver is on loopback
    receiver, port = _receiver()
    try:
        organisation = _organisation_and_endpoint(port)
        fills, bare, kept = [], [], []
        sent = {(batched, parallel): [] for batched in (True, False) for parallel in (False, True)}
        for _ in range(RUNS):
            bare.append(_bare_posts(port, EVENTS))
            kept.append(_bare_posts(port, EVENTS, keep_alive=True))
            for batched, parallel in sent:
                fills.append(_fill(organisation))
                send = _send_in_processes if parallel else _send_inline
                sent[(batched, parallel)].append(send(organisation, batched=batched))
                assert _delivered(organisation) == EVENTS, "not every event was delivered"
    finally:
        receiver.kill()
        receiver.wait()
    rate_bare = [EVENTS / seconds for seconds in bare]
    rate_kept = [EVENTS / seconds for seconds in kept]
    cores = os.cpu_count()

    def sending(label: str, seconds: list[float], notes: str) -> dict:
        rate = [EVENTS / each for each in seconds]
        return row(
            label,
            events_per_s=round(median(rate)),
            min_events_per_s=round(min(rate)),
            max_events_per_s=round(max(rate)),
            median_ms_per_event=round(1000 * median(seconds) / EVENTS, 2),
            ratio_to_bare_posts=round(median(seconds) / median(bare), 1),
            ratio_to_kept_alive_posts=round(median(seconds) / median(kept), 1),
            runs=RUNS,
            notes=notes,
        )

    shared = f"{cores} cores shared with the database and the receiver"
    return [
        row(
            f"{EVENTS:,} events into the outbox, one transaction",
            events_per_s=round(median([EVENTS / seconds for seconds in fills])),
            median_s=round(median(fills), 3),
            runs=len(fills),
            notes="a message and a delivery row each, payload checked field by field",
        ),
        row(
            "baseline: bare HTTP POSTs to the same receiver, one process",
            events_per_s=round(median(rate_bare)),
            min_events_per_s=round(min(rate_bare)),
            max_events_per_s=round(max(rate_bare)),
            median_ms_per_event=round(1000 * median(bare) / EVENTS, 2),
            runs=RUNS,
            notes="a new connection per POST; no database, no signing",
        ),
        row(
            "baseline: bare HTTP POSTs over one kept-alive connection, one process",
            events_per_s=round(median(rate_kept)),
            min_events_per_s=round(min(rate_kept)),
            max_events_per_s=round(max(rate_kept)),
            median_ms_per_event=round(1000 * median(kept) / EVENTS, 2),
            runs=RUNS,
            notes="no database, no signing",
        ),
        sending(
            "outbox → receiver, batched, one worker",
            sent[(True, False)],
            "100 deliveries taken together (one SELECT … FOR UPDATE SKIP LOCKED and one UPDATE, committed), address "
            "checked once, each signed and POSTed over one kept-alive connection, the answers written in one "
            "transaction",
        ),
        sending(
            f"outbox → receiver, batched, {PROCESSES} worker processes",
            sent[(True, True)],
            f"each process runs the endpoint's send; SKIP LOCKED shares the batches out; {shared}",
        ),
        sending(
            "outbox → receiver, one delivery at a time, one worker (before batching)",
            sent[(False, False)],
            "claim (the lease, committed), address check, sign, POST on a new connection, write the attempt "
            "(a second commit): one after another",
        ),
        sending(
            f"outbox → receiver, one delivery at a time, {PROCESSES} worker processes (before batching)",
            sent[(False, True)],
            f"each process a share of the deliveries, as Celery's prefork pool would; {shared}",
        ),
    ]


if __name__ == "__main__":
    if sys.argv[1:2] == ["worker"]:
        _worker(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
    else:
        from bench.common import run_alone

        run_alone(run)

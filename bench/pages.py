"""/healthz and the sign-in page under concurrent load on gunicorn (2 workers, loopback): requests per
second and latency. /healthz (public host) is the baseline every page figure is quoted against, as a
ratio of median latencies measured in the same rounds on the same server.
"""

from __future__ import annotations

from bench.common import Target, organisation_make, page_figures, portal_server

TITLE = "Baseline: /healthz and the sign-in page"
SLUG = "bench-pages"
ROUNDS = 5
REQUESTS = 400
CONCURRENCY = 4


def run() -> list[dict]:
    organisation_make(slug=SLUG, name="Bench Pages", employees=25)
    host = f"{SLUG}.localhost"
    targets = [
        Target("/healthz, organisation host", host, "/healthz"),
        Target("sign-in page, public host", "localhost", "/login/"),
        Target("sign-in page, organisation host", host, "/login/"),
    ]
    with portal_server(workers=2) as server:
        return page_figures(server, targets, rounds=ROUNDS, requests=REQUESTS, concurrency=CONCURRENCY)

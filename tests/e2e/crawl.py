"""Every GET page of the access matrix, as one role sees it, for crawls in the browser (axe in `make test`,
pa11y and the Nu HTML checker in `make a11y`).

`pages_for(committed, world, role)` gives (host, path) of each URL name whose GET case answers `role` with
200 (one URL per name; no API, no htmx fragment); `browser_cookies(...)` the session cookie of that role on
each host, made the way the test client signs in, plus the language cookie; `page_body(...)` the answer if
it is a full HTML page (a CSV, PDF or calendar file, or a fragment asked without htmx, gives None).
"""

from __future__ import annotations

import http.client

from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.e2e import axe
from tests.responses import get_cases
from tests.world import sign_in

ROLES = ("anonymous", "outsider", "staff", "employee", "coach", "hr", "coach_both")


def pages_for(committed, world, role: str) -> list[tuple[str, str]]:
    urls = []
    for case in get_cases():
        if case.status_for(role) != 200 or case.extra or case.name.startswith("api") or "-" in case.name:
            continue
        host = "localhost" if case.host == "public" else world.acme.host
        urlconf = "portal.urls_public" if case.host == "public" else "portal.urls_tenant"
        with committed(None if case.host == "public" else world.acme):
            kwargs = case.kwargs(world, "acme") if case.kwargs else {}
        urls.append((case.name, host, reverse(case.name, urlconf=urlconf, kwargs=kwargs) + case.query))
    # One URL per page: the matrix asks some pages several times (another row, another filter).
    return list({name: (host, path) for name, host, path in reversed(urls)}.values())


def browser_cookies(committed, world, role: str, hosts: set[str], language: str) -> list[dict]:
    user = world.user(role, "acme")
    cookies = [{"name": axe.LANGUAGE_COOKIE, "value": language, "domain": host, "path": "/"} for host in hosts]
    if user is not None:
        for host in hosts:
            with committed():
                client = sign_in(Client(HTTP_HOST=host), user, host)
            cookies.append(
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "domain": host,
                    "path": "/",
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                }
            )
    return cookies


def cookie_header(cookies: list[dict], host: str) -> str:
    return "; ".join(f"{cookie['name']}={cookie['value']}" for cookie in cookies if cookie["domain"] == host)


def page_body(port: int, host: str, path: str, cookies: list[dict]) -> bytes | None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={"Host": f"{host}:{port}", "Cookie": cookie_header(cookies, host)})
        answer = connection.getresponse()
        body = answer.read()
    finally:
        connection.close()
    if answer.status != 200 or "text/html" not in (answer.getheader("Content-Type") or ""):
        return None
    return body if body.lstrip().lower().startswith(b"<!doctype") else None

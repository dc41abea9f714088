"""The production configuration itself: stateless web processes, HTTPS behind the load balancer, static
files, the per-organisation cache in Redis, and a worker that knows every scheduled task."""

import http.client
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django_tenants.utils import tenant_context

from portal.celery import app
from tests.prod.scenario import DEMO_PASSWORD, HR, organisation

pytestmark = pytest.mark.prod


def test_a_session_made_on_one_web_process_works_on_the_other(client_for):
    client = client_for("acme.localhost")
    signed_in = client.sign_in(HR["acme"], DEMO_PASSWORD)
    pages = [client.get("/") for _ in range(4)]  # alternately on both processes
    assert {page.port for page in pages} | {signed_in.port} == set(client.ports)
    for page in pages:
        assert page.status == 200, (page.port, page.status)
        assert 'action="/logout/"' in page.text


def test_plain_http_is_sent_to_https_and_https_answers_with_hsts(stack):
    port = stack["web"][0]["port"]
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", "/login/", headers={"Host": "acme.localhost"})
    plain = connection.getresponse()
    assert plain.status == 301
    assert plain.getheader("Location") == "https://acme.localhost/login/"
    connection.close()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", "/login/", headers={"Host": "acme.localhost", "X-Forwarded-Proto": "https"})
    secure = connection.getresponse()
    assert secure.status == 200
    assert "max-age=31536000" in secure.getheader("Strict-Transport-Security")
    assert "Secure" in secure.getheader("Set-Cookie")  # the CSRF cookie
    connection.close()


def test_an_unknown_host_is_refused(stack):
    connection = http.client.HTTPConnection("127.0.0.1", stack["web"][0]["port"], timeout=10)
    connection.request("GET", "/login/", headers={"Host": "evil.example.com", "X-Forwarded-Proto": "https"})
    assert connection.getresponse().status in (400, 404)
    connection.close()


def test_static_files_are_served_with_hashed_names_and_a_long_cache_life(client_for):
    page = client_for("acme.localhost").get("/login/")
    scripts = re.findall(r'src="(/static/[^"]+\.js)"', page.text)
    assert scripts, "the page loads no script"
    for path in scripts:
        assert re.search(r"\.[0-9a-f]{12}\.js$", path), f"{path} has no content hash"
        response = client_for("acme.localhost").get(path)
        assert response.status == 200
        assert "max-age=315360000" in response.headers["cache-control"]


def test_the_cache_lives_in_redis_with_keys_per_organisation(stack):
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")
    acme, globex = organisation("acme"), organisation("globex")
    with tenant_context(acme):
        cache.set("stack-check", "acme", 60)
    with tenant_context(globex):
        cache.set("stack-check", "globex", 60)
        assert cache.get("stack-check") == "globex"
    with tenant_context(acme):
        assert cache.get("stack-check") == "acme"
        cache.delete("stack-check")
    with tenant_context(globex):
        cache.delete("stack-check")


def test_the_worker_knows_every_task_the_beat_schedules():
    registered = app.control.inspect(timeout=5).registered() or {}
    assert registered, "no Celery worker answered"
    known = set().union(*registered.values())
    for entry, schedule in settings.CELERY_BEAT_SCHEDULE.items():
        assert schedule["task"] in known, f"the beat's {entry!r} names {schedule['task']!r}, which no worker runs"


def test_the_beat_is_running_the_schedule(stack):
    log = Path(stack["processes"]["beat"]["log"]).read_text()
    assert "beat: Starting" in log
    assert "ERROR" not in log

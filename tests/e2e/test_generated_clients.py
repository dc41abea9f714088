"""Clients generated from the live schema work: `openapi-python-client` makes one that imports and carries a
whole journey on its own against a real server, and `openapi-generator-cli` makes a Python client without
an error. The public host's schema makes a client too, which reads a person's organisations there.

The journey runs in an organisation of its own ("apiclient"), made for it and dropped afterwards, so what
it commits never meets the rest of the suite. Its people: HR, a coach, two employees enrolled in the
programme of tests/programmes/world.py, with the assessments of tests/access/cases_assessments.py (the
final one open). The first employee has accepted the coaching agreement; everything else goes through the
generated client.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from django.utils import timezone

from tests.e2e.conftest import (
    PortalServer,
    _database_url,
    _wait_for_server_connections_to_close,
    orm_beside_the_browser,
)
from tests.world import PASSWORD, Org, user_ensure
from tests.world.two_factor import token_payload

BIN = Path(sys.executable).parent
SLUG = "apiclient"
PACKAGE = "portal_api_client"
PUBLIC_PACKAGE = "portal_public_api_client"
TIMEOUT_SECONDS = 60  # a loaded machine: generating the schema can take a while
CLIENT_CONFIG = """\
project_name_override: {project}
package_name_override: {package}
post_hooks: []
content_type_overrides:
  application/zip: application/octet-stream
"""


def _organisation() -> Org:
    from django_tenants.utils import schema_context, tenant_context

    from tenants import demo
    from tenants.models import Role
    from tenants.services import membership_grant, organisation_create
    from tests.world.assessments import _build as assessments_build
    from tests.world.programmes import _build as programmes_build
    from tests.world.sessions import accept_agreement

    with schema_context("public"):
        _public_leftovers_delete()
        organisation = organisation_create(name="API Client Works", slug=SLUG, default_language="en")
        people = {
            role: user_ensure(f"{role}@{SLUG}.test", first, "Client")
            for role, first in (("hr", "Hanna"), ("coach", "Coen"), ("employee", "Emma"), ("employee2", "Evert"))
        }
        for role, member in (("hr", Role.HR_MANAGER), ("coach", Role.COACH)):
            membership_grant(user=people[role], organisation=organisation, role=member)
        demo.demo_device_ensure(people["coach"])  # a coach signs in with two factors, for a token too
        for role in ("employee", "employee2"):
            membership_grant(user=people[role], organisation=organisation, role=Role.EMPLOYEE)
    org = Org(organisation=organisation, host=f"{SLUG}.localhost", **people)
    with tenant_context(organisation):
        org.people.update(programmes_build(org, org.coach))
        org.people.update(assessments_build(org))
        accept_agreement(org.employee)
    return org


def _public_leftovers_delete() -> None:
    """The journey's slots live in the public schema, with the coach (who stays, a member nowhere)."""
    from programmes.availability.models import Slot

    Slot.objects.filter(coach__email=f"coach@{SLUG}.test").delete()


def _drop(org: Org) -> None:
    from django_tenants.utils import schema_context

    with schema_context("public"):
        org.organisation.delete(force_drop=True)  # its people stay, members nowhere
        _public_leftovers_delete()


@pytest.fixture(scope="module")
def api_org(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), orm_beside_the_browser():
        org = _organisation()
    yield org
    with django_db_blocker.unblock(), orm_beside_the_browser():
        _drop(org)


@pytest.fixture(scope="module")
def api_server(django_db_setup, django_db_blocker, api_org):
    from django.db import connection

    server = PortalServer(_database_url(connection.settings_dict))
    server.start()
    yield server
    server.stop()
    with django_db_blocker.unblock(), orm_beside_the_browser():
        _wait_for_server_connections_to_close(connection)
    Path(server._log.name).unlink(missing_ok=True)


@pytest.fixture(scope="module")
def hr_token(api_server, api_org) -> str:
    """A personal API token of the organisation's HR manager, made on its host."""
    answer = httpx.post(
        f"http://127.0.0.1:{api_server.port}/api/v1/auth/token/",
        json={"email": api_org.hr.email, "password": PASSWORD},
        headers={"Host": f"{api_org.host}:{api_server.port}"},
        timeout=TIMEOUT_SECONDS,
    )
    assert answer.status_code == 200, api_server.log_tail()
    return answer.json()["token"]


def _schema_saved(server: PortalServer, host: str, token: str, folder: Path) -> Path:
    """The schema as the server serves it on `host` (to a signed-in person), saved to a file."""
    answer = httpx.get(
        f"http://127.0.0.1:{server.port}/api/v1/schema/",
        headers={"Host": f"{host}:{server.port}", "Authorization": f"Token {token}", "Accept": "application/json"},
        timeout=TIMEOUT_SECONDS,
    )
    assert answer.status_code == 200, answer.text
    path = folder / "openapi.json"
    path.write_bytes(answer.content)
    return path


@pytest.fixture(scope="module")
def live_schema(api_server, api_org, hr_token, tmp_path_factory) -> Path:
    return _schema_saved(api_server, api_org.host, hr_token, tmp_path_factory.mktemp("schema"))


@pytest.fixture(scope="module")
def public_live_schema(api_server, hr_token, tmp_path_factory) -> Path:
    return _schema_saved(api_server, "localhost", hr_token, tmp_path_factory.mktemp("public-schema"))


@contextmanager
def _client_package(schema: Path, package: str, folder: Path):
    """The package openapi-python-client generates from `schema` (with no warning), imported."""
    (folder / "config.yaml").write_text(CLIENT_CONFIG.format(project=package.replace("_", "-"), package=package))
    run = subprocess.run(
        [
            str(BIN / "openapi-python-client"),
            "generate",
            "--path",
            str(schema),
            "--config",
            str(folder / "config.yaml"),
            "--meta",
            "none",
            "--output-path",
            str(folder / package),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Warning" not in run.stdout + run.stderr, run.stdout + run.stderr
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(package)
    finally:
        sys.path.remove(str(folder))
        for name in [name for name in sys.modules if name == package or name.startswith(f"{package}.")]:
            del sys.modules[name]


@pytest.fixture(scope="module")
def generated(live_schema, tmp_path_factory):
    with _client_package(live_schema, PACKAGE, tmp_path_factory.mktemp("python-client")) as package:
        yield package


def _module(package, name: str):
    return importlib.import_module(f"{package.__name__}.{name}")


class Journey:
    """The generated client, one per person, and nothing else."""

    def __init__(self, package, server: PortalServer, org: Org, token_payload):
        self.package = package
        self.token_payload = token_payload
        self.base = f"http://127.0.0.1:{server.port}"
        self.headers = {"Host": f"{org.host}:{server.port}"}
        self.models = _module(package, "models")

    def api(self, tag: str, operation: str):
        return _module(self.package, f"api.{tag}.{operation}")

    def client_for(self, person):
        anonymous = self.package.Client(
            base_url=self.base,
            headers=self.headers,
            timeout=httpx.Timeout(TIMEOUT_SECONDS),
            raise_on_unexpected_status=True,
        )
        body = self.models.TokenRequestRequest(**self.token_payload(person))
        answer = self.api("auth", "auth_token_create").sync(client=anonymous, body=body)
        assert isinstance(answer, self.models.TokenResponse), answer
        return self.package.AuthenticatedClient(
            base_url=self.base,
            headers=self.headers,
            token=answer.token,
            prefix="Token",
            timeout=httpx.Timeout(TIMEOUT_SECONDS),
            raise_on_unexpected_status=True,
        )


# No browser: not marked e2e (which skips without Chromium). No second try either: it would meet the
# first one's writes.
@pytest.mark.flaky(reruns=0)
def test_a_generated_python_client_runs_the_whole_journey(generated, api_server, api_org, django_db_blocker):
    def payload(person) -> dict:
        """Email and password, and the coach's current two-factor code (read beside the running server)."""
        with django_db_blocker.unblock(), orm_beside_the_browser():
            return token_payload(person, PASSWORD)

    journey = Journey(generated, api_server, api_org, payload)
    models = journey.models
    hr, coach, employee = (journey.client_for(person) for person in (api_org.hr, api_org.coach, api_org.employee))

    # HR enrols someone new (invited by email) and sees the programme's enrolments.
    invited = journey.api("enrolments", "enrolments_create").sync_detailed(
        client=hr,
        body=models.EnrolmentAddRequest(
            cohort=api_org.people["cohort_a"], email="nina.new@apiclient.test", first_name="Nina", last_name="New"
        ),
    )
    assert invited.status_code == 202, invited.content
    enrolments = journey.api("enrolments", "enrolments_list").sync(client=hr)
    assert {row.employee.id for row in enrolments.results} >= {api_org.employee.pk, api_org.employee2.pk}

    # The coach publishes a free hour; the employee finds it and books it.
    starts_at = (timezone.now() + timedelta(days=9)).replace(hour=10, minute=0, second=0, microsecond=0)
    created = journey.api("availability", "availability_create").sync_detailed(
        client=coach,
        body=models.SlotCreateRequest(
            starts_at=starts_at, mode=models.SessionModeEnum.PHONE, dial_in="+31 20 555 0100"
        ),
    )
    assert created.status_code == 201, created.content
    slot = created.parsed
    listed = journey.api("availability", "availability_list").sync_detailed(client=employee)
    assert listed.status_code == 200, listed.content
    free = listed.parsed
    assert slot.id in {row.id for row in free.results}
    session = journey.api("availability", "availability_book_create").sync(client=employee, id=slot.id)
    assert session.status == models.SessionStatusEnum.SCHEDULED and session.employee.id == api_org.employee.pk
    assert session.cohort is None  # a 1:1: a nullable reference the client reads as None

    # The employee answers the open (final) assessment and hands it in.
    assignment_id = api_org.people["a_final"]
    detail = journey.api("assignments", "assignments_retrieve").sync(client=employee, id=assignment_id)
    answers = [
        models.AnswerInRequest(question=question.id, value=4)
        if question.scale_max
        else models.AnswerInRequest(question=question.id, text="Speak up earlier in meetings.")
        for question in detail.questions
    ]
    saved = journey.api("assignments", "assignments_answers_update").sync(
        client=employee, id=assignment_id, body=models.AnswersInRequest(answers=answers)
    )
    assert len(saved.answers) == len(detail.questions)
    submitted = journey.api("assignments", "assignments_submit_create").sync(client=employee, id=assignment_id)
    assert submitted.submitted_at is not None

    # A reflection shared with the coach, and a goal.
    reflection = journey.api("reflections", "reflections_create").sync(
        client=employee, body=models.ReflectionRequest(body="I spoke up first in the planning meeting.")
    )
    goal = journey.api("goals", "goals_create").sync(
        client=employee, body=models.GoalRequest(title="Give feedback every week")
    )
    mine = journey.api("goals", "goals_list").sync(client=employee)
    assert goal.id in {row.id for row in mine.results} and reflection.id

    # The coach reads their sessions: the one just booked is there.
    sessions = journey.api("sessions", "sessions_list").sync(client=coach)
    assert session.id in {row.id for row in sessions.results}

    # HR reads the aggregates (never the content).
    figures = journey.api("engagement", "engagement_retrieve").sync(client=hr)
    assert figures.minimum_group_size >= 1 and isinstance(figures.cohorts, list)


def test_a_client_generated_from_the_public_schema_reads_my_organisations(
    public_live_schema, api_server, api_org, hr_token, tmp_path
):
    with _client_package(public_live_schema, PUBLIC_PACKAGE, tmp_path) as package:
        client = package.AuthenticatedClient(
            base_url=f"http://127.0.0.1:{api_server.port}",
            headers={"Host": f"localhost:{api_server.port}"},
            token=hr_token,
            prefix="Token",
            timeout=httpx.Timeout(TIMEOUT_SECONDS),
            raise_on_unexpected_status=True,
        )
        listing = _module(package, "api.me.my_organisations_list")
        mine = listing.sync(client=client)
    assert [(row.slug, [role.value for role in row.roles]) for row in mine] == [(SLUG, ["hr_manager"])]


def test_openapi_generator_makes_a_python_client_without_errors(live_schema, tmp_path):
    run = subprocess.run(
        [
            str(BIN / "openapi-generator-cli"),
            "generate",
            "--input-spec",
            str(live_schema),
            "--generator-name",
            "python",
            "--package-name",
            "portal_api",
            "--output",
            str(tmp_path / "client"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    assert " ERROR " not in run.stdout, run.stdout[-4000:]
    package = tmp_path / "client" / "portal_api"
    assert (package / "api_client.py").exists() and (package / "models" / "error.py").exists()
    for source in package.rglob("*.py"):
        compile(source.read_text(), str(source), "exec")

"""An employee asks for an urgent conversation: the coach is told at once, by email and in their
workspace; the employee sees the organisation's support contact; HR never sees it."""

from __future__ import annotations

import re

from django.core import mail

from programmes.models import Enrolment, UrgentRequest
from programmes.services.urgent import urgent_request_create
from tenants.models import Organisation


def test_asking_tells_the_coach_at_once_and_shows_the_support_contact(
    world, client_for, in_tenant, django_capture_on_commit_callbacks
):
    org = world.acme
    Organisation.objects.filter(pk=org.organisation.pk).update(support_contact="Helpline 0800 123 456")
    client = client_for(org.employee2, org.host)
    assert "Helpline 0800 123 456" in client.get("/urgent/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/urgent/", {"message": "I need to talk about today."})
    html = response.content.decode()
    assert "Your coach has been told" in html and "Helpline 0800 123 456" in html
    with in_tenant(org):
        request = UrgentRequest.objects.get(employee=org.employee2, message="I need to talk about today.")
    assert request.coach_id == world.coach_both.pk
    [email] = mail.outbox
    assert email.to == [world.coach_both.email] and email.reply_to == [org.employee2.email]
    assert "asks for an urgent conversation" in email.body and "I need to talk about today." in email.body


def test_pressing_again_does_not_alarm_the_coach_twice(world, actor, in_tenant, django_capture_on_commit_callbacks):

    org = world.acme
    with in_tenant(org), django_capture_on_commit_callbacks(execute=True):
        first = urgent_request_create(actor=actor(org.employee2, org), message="Now please")
        second = urgent_request_create(actor=actor(org.employee2, org), message="Still here")
        assert first.pk == second.pk and "Still here" in second.message
    assert len(mail.outbox) == 1


def test_the_coach_sees_it_in_the_workspace_and_answers(
    world, client_for, in_tenant, django_capture_on_commit_callbacks
):
    org = world.acme
    coach = client_for(org.coach, "localhost")
    html = coach.get("/coach/").content.decode()
    assert "urgent request waiting" in html and "Can we talk today?" in html and "Acme Logistics" in html
    with django_capture_on_commit_callbacks(execute=True):
        response = coach.post(f"/coach/urgent/acme/{org.people['urgent']}/seen/")
    assert response.status_code == 302
    with in_tenant(org):
        assert UrgentRequest.objects.get(pk=org.people["urgent"]).acknowledged_at is not None
    assert [email.to for email in mail.outbox] == [[org.employee.email]]
    assert "Can we talk today?" not in coach.get("/coach/").content.decode()


def test_another_coach_cannot_answer_it(world, client_for, in_tenant):
    org = world.acme
    response = client_for(world.coach_both, "localhost").post(f"/coach/urgent/acme/{org.people['urgent']}/seen/")
    assert response.status_code == 404
    with in_tenant(org):
        assert UrgentRequest.objects.get(pk=org.people["urgent"]).acknowledged_at is None


def test_hr_never_sees_urgent_requests(world, client_for):
    org = world.acme
    client = client_for(org.hr, org.host)
    assert client.get("/api/v1/urgent-requests/").status_code == 404
    assert client.get(f"/api/v1/urgent-requests/{org.people['urgent']}/").status_code == 404


def test_without_a_coach_the_employee_is_pointed_to_the_support_contact(world, client_for, in_tenant):

    org = world.acme
    with in_tenant(org):
        Enrolment.objects.filter(employee=org.employee2).update(coach=None)
    response = client_for(org.employee2, org.host).post("/urgent/", {"message": "Help"})
    html = response.content.decode()
    assert "You do not have a coach yet" in html and "support contact" in html
    with in_tenant(org):
        assert not UrgentRequest.objects.filter(employee=org.employee2).exists()


def test_the_api_creates_and_the_coach_acknowledges(world, client_for):
    org = world.acme
    created = client_for(org.employee2, org.host).post(
        "/api/v1/urgent-requests/", {"message": "Call me"}, content_type="application/json"
    )
    assert created.status_code == 201 and created.json()["coach"]["id"] == world.coach_both.pk
    coach = client_for(world.coach_both, org.host)
    answered = coach.post(f"/api/v1/urgent-requests/{created.json()['id']}/acknowledge/")
    assert answered.status_code == 200 and answered.json()["acknowledged_at"]


URGENT_ENTRY = 'class="btn btn--urgent btn--small" href="/urgent/"'


def test_the_urgent_route_is_in_the_header_of_every_employee_page(world, client_for):
    client = client_for(world.acme.employee, world.acme.host)
    for path in (
        "/",
        "/sessions/",
        "/goals/",
        "/reflections/",
        "/assessments/",
        "/programmes/",
        "/me/access-log/",
        "/no-such-page/",
    ):
        html = client.get(path).content.decode()
        header = html[html.index('<header class="topbar">') : html.index("</header>")]
        assert URGENT_ENTRY in header, path
    on_the_page = client.get("/urgent/").content.decode()
    assert 'href="/urgent/" aria-current="page"' in on_the_page


def test_only_employees_get_the_urgent_entry(world, client_for):
    for user in (world.acme.hr, world.acme.coach, world.coach_both):
        assert 'href="/urgent/"' not in client_for(user, world.acme.host).get("/").content.decode()


def test_the_coachs_home_counts_the_urgent_requests_not_yet_seen(world, client_for, in_tenant):
    org = world.acme
    coach = client_for(world.coach_both, org.host)
    assert "waiting for you<" not in coach.get("/").content.decode()
    with in_tenant(org):
        UrgentRequest.objects.create(employee=org.employee2, coach=world.coach_both, message="now")
        UrgentRequest.objects.create(employee=org.employee, coach=world.coach_both, message="also now")
        UrgentRequest.objects.create(employee=org.employee, coach=org.coach, message="someone else's")
        seen = UrgentRequest.objects.create(employee=org.employee2, coach=world.coach_both, message="earlier")
        UrgentRequest.objects.filter(pk=seen.pk).update(acknowledged_at=seen.created_at)
        # the world's own, plus the one just made
        waiting_for_cor = UrgentRequest.objects.filter(coach=org.coach, acknowledged_at__isnull=True).count()
    html = coach.get("/").content.decode()
    assert "2 urgent requests waiting for you" in html
    other = client_for(org.coach, org.host).get("/").content.decode()
    assert re.findall(r"(\d+) urgent requests? waiting for you", other) == [str(waiting_for_cor)]

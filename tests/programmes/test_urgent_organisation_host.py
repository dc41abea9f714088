"""The coach answers an urgent request on the organisation's host too (besides the public workspace): a
page of the requests made to them here, and "seen" with htmx swapping the row."""

from __future__ import annotations

from django.core import mail

from programmes.models import UrgentRequest
from programmes.services.urgent import urgent_request_create


def test_the_coach_sees_the_requests_waiting_here(world, client_for, in_tenant):
    org = world.acme
    with in_tenant(org):
        UrgentRequest.objects.filter(pk=org.people["urgent"]).update(message="Can we talk today?")
    html = client_for(org.coach, org.host).get("/urgent/requests/").content.decode()
    assert "Waiting for you" in html and "Can we talk today?" in html
    assert f'hx-post="/urgent/{org.people["urgent"]}/seen/"' in html
    # The coach of both has no request waiting in Acme: the page says so, without anyone else's.
    other = client_for(world.coach_both, org.host).get("/urgent/requests/").content.decode()
    assert "No one is waiting for an answer." in other and "Can we talk today?" not in other


def test_seen_with_htmx_swaps_the_row_and_tells_the_employee(
    world, client_for, in_tenant, django_capture_on_commit_callbacks
):
    org = world.acme
    client = client_for(org.coach, org.host)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/urgent/{org.people['urgent']}/seen/", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert f'id="urgent-{org.people["urgent"]}"' in html and "Seen" in html and "hx-post" not in html
    with in_tenant(org):
        assert UrgentRequest.objects.get(pk=org.people["urgent"]).acknowledged_at is not None
    assert [message.to for message in mail.outbox] == [[org.employee.email]]
    page = client.get("/urgent/requests/").content.decode()
    assert "Answered in the last two weeks" in page and "No one is waiting for an answer." in page


def test_seen_without_htmx_comes_back_to_the_page_with_a_message(world, client_for, in_tenant):
    org = world.acme
    response = client_for(org.coach, org.host).post(f"/urgent/{org.people['urgent']}/seen/", follow=True)
    assert response.redirect_chain[-1][0] == "/urgent/requests/"
    assert "Marked as seen." in response.content.decode()


def test_another_coach_cannot_answer_it(world, client_for, in_tenant):
    org = world.acme
    assert client_for(world.coach_both, org.host).post(f"/urgent/{org.people['urgent']}/seen/").status_code == 404
    with in_tenant(org):
        assert UrgentRequest.objects.get(pk=org.people["urgent"]).acknowledged_at is None


def test_the_coach_home_and_the_email_lead_to_the_page(
    world, client_for, in_tenant, actor, django_capture_on_commit_callbacks
):
    org = world.acme
    assert 'href="/urgent/requests/"' in client_for(org.coach, org.host).get("/").content.decode()

    with in_tenant(org), django_capture_on_commit_callbacks(execute=True):
        UrgentRequest.objects.filter(employee=org.employee2).delete()
        urgent_request_create(actor=actor(org.employee2, org), message="Now please")
    email = next(message for message in mail.outbox if "asks to talk to you now" in message.subject)
    assert "http://acme.localhost/urgent/requests/" in email.body and "http://localhost/coach/" in email.body

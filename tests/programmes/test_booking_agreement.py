"""Booking waits for the coaching agreement; the employee is told so clearly and sent to the agreement
page, on the booking page and in the API's 409."""

from __future__ import annotations

from programmes.models import Enrolment, Session
from programmes.selectors.enrolment import agreement_accepted, agreement_accepted_expression
from programmes.selectors.sessions import bookable_enrolments
from programmes.services.agreement import agreement_publish
from tests.world.agreement import agree
from tests.world.sessions import accept_agreement, at, free_slot


def test_the_api_409_names_the_agreement_page(world, client_for, in_tenant):
    slot = free_slot(world.coach_both, at(9, 18))
    response = client_for(world.acme.employee2, world.acme.host).post(f"/api/v1/availability/{slot.pk}/book/")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "agreement_required"
    assert body["agreement_url"] == "http://acme.localhost/agreement/"
    assert body["detail"] == (
        "Please read and accept the coaching agreement before you book your first session. "
        "The agreement is at http://acme.localhost/agreement/"
    )
    with in_tenant(world.acme):
        assert not Session.objects.filter(slot=slot).exists()


def test_the_booking_page_explains_and_links_to_the_agreement(world, client_for):
    html = client_for(world.acme.employee2, world.acme.host).get("/book/").content.decode()
    assert "First, the coaching agreement" in html
    assert 'href="/agreement/?next=/book/"' in html


def test_a_refused_booking_on_the_page_says_why_and_shows_the_link(world, client_for):
    slot = free_slot(world.coach_both, at(9, 19))
    client = client_for(world.acme.employee2, world.acme.host)
    html = client.post(f"/book/{slot.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert "Please read and accept the coaching agreement" in html and "/agreement/" in html
    html = client.post(f"/book/{slot.pk}/", follow=True).content.decode()
    assert "Please read and accept the coaching agreement" in html and "/agreement/" in html


def test_a_changed_agreement_is_named_as_such(world, client_for, in_tenant, actor):
    with in_tenant(world.acme):
        accept_agreement(world.acme.employee2)
        agreement_publish(actor=actor(world.acme.hr, world.acme), body="A new text for everyone.")
    html = client_for(world.acme.employee2, world.acme.host).get("/book/").content.decode()
    assert "The coaching agreement has changed" in html and "/agreement/" in html


def test_once_accepted_and_the_objectives_agreed_the_free_times_show(world, client_for, in_tenant):
    client = client_for(world.acme.employee2, world.acme.host)
    assert client.post("/agreement/accept/", {"version": "0"}).status_code == 302
    # Then the objectives with the coach (tests/programmes/test_enrolment_agreement.py).
    assert "First, agree the objectives with your coach" in client.get("/book/").content.decode()
    with in_tenant(world.acme):
        agree(Enrolment.objects.get(pk=world.acme.people["enrolment2"]))
    assert "Free times" in client.get("/book/").content.decode()


def test_accepting_from_the_booking_page_leads_back_to_it(world, client_for):
    client = client_for(world.acme.employee2, world.acme.host)
    assert 'name="next" value="/book/"' in client.get("/agreement/?next=/book/").content.decode()
    response = client.post("/agreement/accept/", {"version": "0", "next": "/book/"})
    assert response.status_code == 302 and response["Location"] == "/book/"


def test_the_api_says_when_the_agreement_has_changed_since_it_was_accepted(world, client_for, in_tenant, actor):
    with in_tenant(world.acme):
        accept_agreement(world.acme.employee2)
        agreement_publish(actor=actor(world.acme.hr, world.acme), body="A new text for everyone.")
    slot = free_slot(world.coach_both, at(9, 20))
    response = client_for(world.acme.employee2, world.acme.host).post(f"/api/v1/availability/{slot.pk}/book/")
    assert response.status_code == 409
    assert response.json()["detail"].startswith("The coaching agreement has changed.")


def test_the_page_reads_acceptance_of_the_agreement_in_force_with_the_enrolments(world, in_tenant, actor):
    employee = world.acme.employee2

    def read_with_enrolments() -> list[bool]:
        enrolments = bookable_enrolments(actor=actor(employee, world.acme))
        annotated = enrolments.annotate(accepted_in_force=agreement_accepted_expression(employee.pk))
        return [row.accepted_in_force for row in annotated]

    with in_tenant(world.acme):
        assert read_with_enrolments() == [agreement_accepted(user=employee)] * len(read_with_enrolments())
        assert read_with_enrolments() and not any(read_with_enrolments())
        accept_agreement(employee)
        assert all(read_with_enrolments()) and agreement_accepted(user=employee)
        agreement_publish(actor=actor(world.acme.hr, world.acme), body="A new text for everyone.")
        assert not any(read_with_enrolments()) and not agreement_accepted(user=employee)

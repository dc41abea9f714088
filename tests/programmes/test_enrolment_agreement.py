"""The three-way agreement of an enrolment: the employee and the coach write the objectives in versions,
each party accepts the newest one (kept: who, when, which version), booking waits for the employee and
the coach, the sponsor is the manager when they are an employee here and HR otherwise, and the sponsor
sees the objectives and attendance, never content."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from programmes.models import (
    Agreement,
    AgreementAcceptance,
    Attendance,
    EmployeeProfile,
    Enrolment,
    EnrolmentAgreement,
    PartyAcceptance,
    Programme,
)
from programmes.selectors import agreement as selectors
from programmes.selectors.sessions import bookable_enrolments
from programmes.services import enrolment_agreement as services
from programmes.services.booking import slot_book
from programmes.services.sessions import SessionRefused
from tests.world.sessions import at, free_slot

Party = PartyAcceptance.Party


@pytest.fixture
def acme(world, in_tenant):
    with in_tenant(world.acme):
        yield world.acme


@pytest.fixture
def enrolment2(acme):
    """`employee2`'s enrolment (coached by the coach of both), without objectives; the organisation's text
    accepted, as before there were objectives."""
    terms = Agreement.objects.order_by("-version").first() or Agreement.objects.create(version=1, body="Text")
    AgreementAcceptance.objects.get_or_create(agreement=terms, user=acme.employee2)
    return Enrolment.objects.get(pk=acme.people["enrolment2"])


def _state(actor, enrolment):
    return selectors.agreement_state(actor=actor, enrolment=selectors.agreement_enrolment(actor=actor, pk=enrolment.pk))


def _book(employee_actor, coach, hour: int = 9):
    return slot_book(actor=employee_actor, slot_id=free_slot(coach, at(12, hour)).pk)


def test_booking_waits_for_the_employee_and_the_coach(world, acme, enrolment2, actor):
    employee, coach = actor(acme.employee2, acme), actor(world.coach_both, acme)
    with pytest.raises(SessionRefused, match="objectives of your coaching agreement"):
        _book(employee, world.coach_both, 8)
    version = services.objectives_propose(
        actor=employee, enrolment_pk=enrolment2.pk, objectives="  Lead the planning.\r\n"
    )
    assert (version.version, version.objectives, version.proposed_by) == (1, "Lead the planning.", acme.employee2)
    with pytest.raises(SessionRefused, match="both accepted the objectives") as refused:
        _book(employee, world.coach_both)
    assert refused.value.code == "agreement_required"
    services.agreement_party_accept(actor=coach, enrolment_pk=enrolment2.pk, version=1)
    assert _book(employee, world.coach_both, 10).enrolment_id == enrolment2.pk
    state = _state(actor(acme.hr, acme), enrolment2)
    assert state.booking_ready and not state.in_force  # the sponsor (HR) is still awaited
    assert [(p.party, p.awaited) for p in state.parties] == [("employee", False), ("coach", False), ("sponsor", True)]


def test_nothing_to_accept_before_objectives_are_written(world, acme, enrolment2, actor):
    with pytest.raises(ValidationError, match="write the objectives first"):
        services.agreement_party_accept(actor=actor(world.coach_both, acme), enrolment_pk=enrolment2.pk, version=1)
    assert not EnrolmentAgreement.objects.filter(enrolment=enrolment2).exists()


def test_a_change_is_a_new_version_accepted_again_and_the_old_acceptances_stay(world, acme, enrolment2, actor):
    employee, coach, hr = actor(acme.employee2, acme), actor(world.coach_both, acme), actor(acme.hr, acme)
    services.objectives_propose(actor=employee, enrolment_pk=enrolment2.pk, objectives="First objectives.")
    services.agreement_party_accept(actor=coach, enrolment_pk=enrolment2.pk, version=1)
    services.agreement_party_accept(actor=hr, enrolment_pk=enrolment2.pk, version=1)
    assert _state(hr, enrolment2).in_force
    services.objectives_propose(actor=coach, enrolment_pk=enrolment2.pk, objectives="Second objectives.")
    state = _state(hr, enrolment2)
    assert state.current.version == 2 and not state.in_force and not state.booking_ready
    assert [p.party for p in state.parties if not p.awaited] == ["coach"]
    # Every party's acceptance of every version is kept: who, when, as what.
    first = state.versions[1]
    assert sorted((a.party, a.user_id) for a in first.acceptances.all()) == [
        ("coach", world.coach_both.pk),
        ("employee", acme.employee2.pk),
        ("sponsor", acme.hr.pk),
    ]
    with pytest.raises(SessionRefused):
        _book(employee, world.coach_both)
    # Reading an old version and accepting it is refused; nothing is written.
    with pytest.raises(ValidationError, match="changed while you were reading"):
        services.agreement_party_accept(actor=employee, enrolment_pk=enrolment2.pk, version=1)
    assert PartyAcceptance.objects.filter(agreement=state.current).count() == 1
    services.agreement_party_accept(actor=employee, enrolment_pk=enrolment2.pk, version=2)
    with pytest.raises(ValidationError, match="already accepted version 2"):
        services.agreement_party_accept(actor=employee, enrolment_pk=enrolment2.pk, version=2)


@pytest.mark.parametrize(
    ("objectives", "message"),
    [("   \n ", "Write the objectives"), ("x" * 4001, "under 4000 characters")],
)
def test_bad_objectives_are_named_and_nothing_is_written(world, acme, enrolment2, actor, objectives, message):
    with pytest.raises(ValidationError, match=message) as refused:
        services.objectives_propose(
            actor=actor(acme.employee2, acme), enrolment_pk=enrolment2.pk, objectives=objectives
        )
    assert "objectives" in refused.value.message_dict
    assert not EnrolmentAgreement.objects.filter(enrolment=enrolment2).exists()


def test_the_same_objectives_again_are_refused(acme, actor):
    with pytest.raises(ValidationError, match="nothing changed"):
        services.objectives_propose(
            actor=actor(acme.employee, acme),
            enrolment_pk=acme.people["enrolment"],
            objectives=EnrolmentAgreement.objects.get(pk=acme.people["agreement"]).objectives,
        )


def test_hr_and_the_sponsor_do_not_write_objectives(world, acme, actor):
    with pytest.raises(ValidationError, match="Only the employee and their coach"):
        services.objectives_propose(
            actor=actor(acme.hr, acme), enrolment_pk=acme.people["enrolment"], objectives="Ours."
        )
    with pytest.raises(Http404):  # another coach does not even see it
        services.objectives_propose(
            actor=actor(world.coach_both, acme), enrolment_pk=acme.people["enrolment"], objectives="Ours."
        )


def _manager_is(acme, manager) -> Enrolment:
    EmployeeProfile.objects.filter(user=acme.employee).update(manager=manager)
    return Enrolment.objects.get(pk=acme.people["enrolment"])


def test_the_manager_who_is_an_employee_here_is_the_sponsor(acme, actor, client_for):
    enrolment = _manager_is(acme, acme.employee2)
    manager, hr = actor(acme.employee2, acme), actor(acme.hr, acme)
    state = _state(manager, enrolment)
    assert state.sponsor.person == acme.employee2 and state.mine == ["sponsor"]
    with pytest.raises(ValidationError, match="not a party"):
        services.agreement_party_accept(actor=hr, enrolment_pk=enrolment.pk, version=1)
    services.agreement_party_accept(actor=manager, enrolment_pk=enrolment.pk, version=1)
    assert _state(hr, enrolment).in_force
    page = client_for(acme.employee2, acme.host).get("/sponsored/").content.decode()
    assert acme.employee.get_full_name() in page and "Give feedback that helps" in page


def test_hr_sponsors_when_the_manager_has_no_account_here_and_the_page_says_so(acme, actor, client_for):
    enrolment = _manager_is(acme, acme.coach)  # a coach here, not an employee: no employee account
    state = _state(actor(acme.hr, acme), enrolment)
    assert state.sponsor.is_hr and state.sponsor.manager_missing and state.mine == ["sponsor"]
    page = client_for(acme.hr, acme.host).get(f"/enrolments/{enrolment.pk}/agreement/").content.decode()
    assert "has no account here, so HR is the sponsor" in page
    # The coach as the manager sponsors nothing.
    assert selectors.sponsored_people(actor=actor(acme.coach, acme)) == []


def test_a_programme_naming_hr_leaves_the_manager_out(acme, actor, client_for):
    enrolment = _manager_is(acme, acme.employee2)
    Programme.objects.filter(pk=enrolment.programme_id).update(sponsor=Programme.Sponsor.HR)
    assert selectors.sponsored_people(actor=actor(acme.employee2, acme)) == []
    assert client_for(acme.employee2, acme.host).get(f"/enrolments/{enrolment.pk}/agreement/").status_code == 404
    assert _state(actor(acme.hr, acme), enrolment).sponsor.is_hr


def test_an_optional_sponsor_step_puts_the_agreement_in_force_without_them(acme, actor):
    enrolment = Enrolment.objects.get(pk=acme.people["enrolment"])
    assert not _state(actor(acme.hr, acme), enrolment).in_force
    Programme.objects.filter(pk=enrolment.programme_id).update(sponsor_must_accept=False)
    enrolment.programme.refresh_from_db()
    state = _state(actor(acme.hr, acme), enrolment)
    assert state.in_force and state.parties[2].awaited and not state.parties[2].required


def test_the_sponsor_reads_attendance_of_the_sponsored_only(acme, actor):
    _manager_is(acme, acme.employee2)
    rows = selectors.sponsored_people(actor=actor(acme.employee2, acme))
    assert [row.enrolment.employee for row in rows] == [acme.employee]
    mine = Attendance.objects.filter(user=acme.employee, session__status__in=["scheduled", "completed"])
    past, now = mine.filter(session__starts_at__lt=timezone.now()), timezone.now()
    expected = (
        past.filter(status="present").count(),
        past.filter(status="absent").count(),
        mine.filter(session__status="scheduled", session__starts_at__gte=now).count(),
    )
    assert (rows[0].attended, rows[0].missed, rows[0].coming) == expected
    assert expected[2] >= 2  # the world's coming 1:1 and group session
    # Nobody else's, and not for someone who sponsors no one.
    assert selectors.sponsored_people(actor=actor(acme.employee, acme)) == []


def test_the_parties_awaited_are_emailed_in_their_language(
    world, acme, enrolment2, actor, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.objectives_propose(
            actor=actor(acme.employee2, acme), enrolment_pk=enrolment2.pk, objectives="Private words of the objectives."
        )
    to = sorted(address for message in mail.outbox for address in message.to)
    assert to == sorted([world.coach_both.email, acme.hr.email])
    for message in mail.outbox:
        assert f"/enrolments/{enrolment2.pk}/agreement/" in message.body
        assert "Private words" not in message.body  # read on the portal, never in an email


def test_existing_acceptances_carry_over_as_the_employees_acceptance(acme, enrolment2, actor):
    terms = Agreement.objects.create(version=7, body="The text they accepted.")
    accepted = AgreementAcceptance.objects.create(agreement=terms, user=acme.employee2)
    migration = importlib.import_module("programmes.migrations.0009_agreements_carried_over")
    migration.carry_over(apps, connection.schema_editor())
    version = EnrolmentAgreement.objects.get(enrolment=enrolment2)
    assert (version.version, version.terms, version.carried_over, version.objectives) == (1, terms, True, "")
    acceptance = version.acceptances.get()
    assert (acceptance.party, acceptance.user_id, acceptance.accepted_at) == (
        "employee",
        acme.employee2.pk,
        accepted.accepted_at,
    )
    # Booking goes on as before until someone writes objectives; then both accept again.
    assert selectors.agreement_allows_booking(selectors.agreement_for_booking(enrolment=enrolment2))
    services.objectives_propose(
        actor=actor(acme.employee2, acme), enrolment_pk=enrolment2.pk, objectives="Now written."
    )
    assert not selectors.agreement_allows_booking(selectors.agreement_for_booking(enrolment=enrolment2))


def test_the_api_reads_writes_and_accepts(world, acme, enrolment2, client_for):
    employee = client_for(acme.employee2, acme.host)
    url = f"/api/v1/enrolments/{enrolment2.pk}/agreement/"
    assert employee.get(url).json()["versions"] == []
    answer = employee.post(url + "objectives/", {"objectives": ""}, content_type="application/json")
    assert answer.status_code == 400 and "objectives" in answer.json()
    answer = employee.post(url + "objectives/", {"objectives": "Through the API."}, content_type="application/json")
    assert answer.status_code == 201
    coach = client_for(world.coach_both, acme.host)
    answer = coach.post(url + "accept/", {"version": 1}, content_type="application/json")
    body = answer.json()
    assert answer.status_code == 201 and body["booking_ready"] and body["my_parties"] == ["coach"]
    assert [a["party"] for a in body["versions"][0]["acceptances"]] == ["employee", "coach"]
    # The PDF is the page's download (as every PDF): the API serves the same agreement as JSON.
    assert coach.get(reverse("enrolment_agreement_pdf", args=[enrolment2.pk]))["Content-Type"] == ("application/pdf")


def test_the_coachee_panel_shows_status_and_objectives_to_the_coach(acme, actor, rf):
    """`programmes/agreement/_coachee_panel.html`, for the coach's page of one coachee: given `enrolment`."""
    request = rf.get("/", HTTP_HOST=acme.host)
    request.actor = actor(acme.coach, acme)
    enrolment = Enrolment.objects.select_related("employee", "coach", "programme").get(pk=acme.people["enrolment"])
    html = render_to_string("programmes/agreement/_coachee_panel.html", {"enrolment": enrolment}, request=request)
    assert "Give feedback that helps" in html
    assert "the sponsor is awaited" in html
    assert f"/enrolments/{enrolment.pk}/agreement/" in html


def test_the_booking_page_and_the_apis_refusal_lead_to_the_agreement(world, acme, enrolment2, client_for):
    client = client_for(acme.employee2, acme.host)
    page = client.get("/book/").content.decode()
    assert "First, agree the objectives with your coach" in page
    assert f'href="/enrolments/{enrolment2.pk}/agreement/"' in page
    slot = free_slot(world.coach_both, at(12, 14))
    answer = client.post(f"/api/v1/availability/{slot.pk}/book/")
    assert answer.status_code == 409 and answer.json()["code"] == "agreement_required"
    assert answer.json()["agreement_url"] == f"http://acme.localhost/enrolments/{enrolment2.pk}/agreement/"


def test_the_booking_page_waits_for_the_agreement_exactly_when_booking_refuses(world, acme, enrolment2, actor):
    """The booking page reads what its agreement needs with the enrolments (`with_booking_agreement`); it
    names an enrolment as waiting exactly when `agreement_allows_booking`, which booking asks, refuses."""
    employee, coach = actor(acme.employee2, acme), actor(world.coach_both, acme)

    def waiting() -> bool:
        enrolments = list(selectors.with_booking_agreement(bookable_enrolments(actor=employee)))
        shown = {enrolment.pk for enrolment in selectors.enrolments_waiting_for_agreement(enrolments=enrolments)}
        refused = {
            enrolment.pk
            for enrolment in enrolments
            if enrolment.coach_id
            and not selectors.agreement_allows_booking(selectors.agreement_for_booking(enrolment=enrolment))
        }
        assert shown == refused
        return enrolment2.pk in shown

    assert waiting()  # no objectives yet
    services.objectives_propose(actor=employee, enrolment_pk=enrolment2.pk, objectives="Lead the planning.")
    assert waiting()  # the coach has not accepted
    services.agreement_party_accept(actor=coach, enrolment_pk=enrolment2.pk, version=1)
    assert not waiting()
    services.objectives_propose(actor=coach, enrolment_pk=enrolment2.pk, objectives="Lead the team.")
    assert waiting()  # a newer version, accepted by the coach alone
    services.agreement_party_accept(actor=employee, enrolment_pk=enrolment2.pk, version=2)
    assert not waiting()
    # A version carried over from the agreement before versions needs the employee's acceptance alone.
    services.objectives_propose(actor=coach, enrolment_pk=enrolment2.pk, objectives="Lead the company.")
    carried = EnrolmentAgreement.objects.get(enrolment=enrolment2, version=3)
    EnrolmentAgreement.objects.filter(pk=carried.pk).update(carried_over=True)
    assert waiting()  # accepted by the coach only
    PartyAcceptance.objects.create(
        agreement=carried, party=Party.EMPLOYEE, user=acme.employee2, accepted_at=timezone.now()
    )
    assert not waiting()

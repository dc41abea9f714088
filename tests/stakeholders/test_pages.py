"""The employee's and the coach's pages, HR's counts, the release, inviting and the reminders."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_tenants.utils import tenant_context

from assessments.models import AccessLogEntry
from programmes.models import Cohort
from reports import disclosure
from stakeholders import services
from stakeholders.demo import START, round_answered
from stakeholders.models import Rater, Round
from stakeholders.reports import completion
from tests.world import employee_ensure, user_ensure
from tests.world.programmes import enrol


def test_the_coach_sees_results_only_after_the_employee_releases_them(world, client_for):
    acme = world.acme
    coach = client_for(acme.coach, acme.host)
    employee = client_for(acme.employee, acme.host)
    released, held = acme.people["s_start"], acme.people["s_end"]
    assert coach.get(f"/stakeholders/{released}/results/").status_code == 200
    assert coach.get(f"/stakeholders/{held}/results/").status_code == 404
    assert coach.get(f"/api/v1/stakeholder-rounds/{held}/results/").status_code == 404
    page = employee.get(f"/stakeholders/{held}/results/")
    assert page.status_code == 200 and "Change between the start and the end" in page.content.decode()
    assert 'role="img"' in page.content.decode()
    assert employee.post(f"/stakeholders/{held}/release/").status_code == 302
    assert coach.get(f"/stakeholders/{held}/results/").status_code == 200
    assert coach.get(f"/api/v1/stakeholder-rounds/{held}/results/").json()["ready"] is True
    # The coach of someone else, and the other employee, never.
    assert client_for(world.coach_both, acme.host).get(f"/stakeholders/{released}/results/").status_code == 404
    assert client_for(acme.employee2, acme.host).get(f"/stakeholders/{released}/results/").status_code == 404


def test_a_coach_reading_released_results_is_written_in_the_employees_access_log(world, client_for):
    acme = world.acme
    coach = client_for(acme.coach, acme.host)
    employee = client_for(acme.employee, acme.host)
    released = acme.people["s_start"]

    def reads() -> list[tuple]:
        with tenant_context(acme.organisation):
            return list(
                AccessLogEntry.objects.filter(owner=acme.employee, kind="stakeholders").values_list(
                    "reader_id", "reader_role", "object_id"
                )
            )

    before = len(reads())
    # Listing the rounds and the employee's own reading are no reads of the figures by someone else.
    assert coach.get("/api/v1/stakeholder-rounds/").status_code == 200
    assert employee.get(f"/stakeholders/{released}/results/").status_code == 200
    assert len(reads()) == before
    # The results page, the interface and the panel on the coachee's page: one read each.
    assert coach.get(f"/stakeholders/{released}/results/").status_code == 200
    assert coach.get(f"/api/v1/stakeholder-rounds/{released}/results/").status_code == 200
    panel = coach.get(f"/coachees/{acme.people['enrolment']}/")
    assert panel.status_code == 200 and "Stakeholder feedback" in panel.content.decode()
    assert reads()[before:] == [(acme.coach.pk, "coach", released)] * 3
    # The employee sees it on their access log, in words, opening their own results.
    page = employee.get("/me/access-log/?kind=stakeholders").content.decode()
    assert "Stakeholder feedback results" in page and f'href="/stakeholders/{released}/results/"' in page
    assert employee.get("/api/v1/me/access-log/?kind=stakeholders").json()["results"][0]["kind_label"] == (
        "Stakeholder feedback results"
    )


def test_the_employee_invites_three_to_twelve_raters_who_get_their_own_link(
    world, in_tenant, actor, django_capture_on_commit_callbacks
):
    acme = world.acme
    with in_tenant(acme):
        employee = actor(acme.employee2, acme)
        round = Round.objects.get(pk=acme.people["s_open"])
        with pytest.raises(ValidationError, match="3 to 12"):
            services.raters_invite(
                actor=employee,
                round=round,
                raters=[services.RaterInput(f"r{n}@example.test", "peer") for n in range(10)],
            )
        with pytest.raises(ValidationError, match="valid email"):
            services.raters_invite(actor=employee, round=round, raters=[services.RaterInput("nope", "peer")])
        assert round.raters.count() == 3
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            services.raters_invite(
                actor=employee, round=round, raters=[services.RaterInput("newpeer@example.test", "peer", "Nina")]
            )
        assert [m.to for m in mail.outbox] == [["newpeer@example.test"]]
        link = next(line for line in mail.outbox[0].body.splitlines() if "/feedback/" in line)
        raw = link.rsplit("/feedback/", 1)[1].strip("/")
        assert services.rater_open(raw).email == "newpeer@example.test"
        assert raw not in Rater.objects.get(email="newpeer@example.test").token_digest


def test_the_coach_invites_only_with_the_employees_consent(world, in_tenant, actor):
    acme = world.acme
    with in_tenant(acme):
        round = Round.objects.get(pk=acme.people["s_open"])
        coach = actor(world.coach_both, acme)  # employee2's coach
        with pytest.raises(ValidationError, match="not asked you"):
            services.raters_invite(actor=coach, round=round, raters=[services.RaterInput("c@example.test", "other")])
        services.round_consent(actor=actor(acme.employee2, acme), round=round, coach_may_invite=True)
        invited = services.raters_invite(
            actor=coach, round=round, raters=[services.RaterInput("c@example.test", "other")]
        )
        assert invited[0].invited_by_id == world.coach_both.pk


def test_reminders_go_to_those_who_have_not_answered_with_a_new_link(world, in_tenant):
    acme = world.acme
    with in_tenant(acme):
        Rater.objects.filter(round_id=acme.people["s_open"]).update(invited_at=timezone.now() - timedelta(days=4))
        mail.outbox.clear()
        sent = services.reminders_send(organisation=acme.organisation)
        assert sent == 2 and all("Reminder" in m.subject for m in mail.outbox)
        assert services.rater_open(acme.people["s_token_open"]) is None  # the earlier link ended
        assert services.reminders_send(organisation=acme.organisation) == 0  # not again within three days


def test_hr_sees_completion_counts_only_from_five_people(world, in_tenant, actor, client_for):
    acme = world.acme
    with in_tenant(acme):
        hr = actor(acme.hr, acme)
        disclosure.refresh(force=True)
        assert completion(actor=hr).rows == []  # two people asked: nothing to show
        cohort = Cohort.objects.get(pk=acme.people["cohort_a"])
        for number in range(5):
            person = employee_ensure(
                acme, user_ensure(f"rated{number}@acme.test", "Rated", str(number)), department="Operations"
            )
            round_answered(enrol(person, cohort), "start", START, closes_on=timezone.localdate() - timedelta(days=1))
        disclosure.refresh(force=True)
        rows = completion(actor=hr).rows
        assert len(rows) == 1 and rows[0].people >= 5 and rows[0].answered == rows[0].invited
    page = client_for(acme.hr, acme.host).get("/stakeholders/overview/").content.decode()
    assert "Raters who answered" in page and "Listens well" not in page
    assert client_for(acme.hr, acme.host).get(f"/stakeholders/{acme.people['s_start']}/").status_code == 404
    assert client_for(acme.hr, acme.host).get("/api/v1/stakeholder-completion/").json()[0]["people"] >= 5

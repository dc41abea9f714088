"""The pulse: how the employee feels after a session or at a check-in (three 1–5 scales and a note),
private unless shared with the coach, a trend for both, and for HR only the released average of a group
of at least the minimum number of people."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models.journal import AccessLogEntry, CheckIn, Goal
from assessments.models.pulse import Pulse
from assessments.selectors import pulse as selectors
from portal import policy
from programmes.models import Cohort, Enrolment, Programme, Session
from reports import disclosure
from reports.selectors import dashboard as dashboard_selectors
from tests.world import employee_ensure, user_ensure
from tests.world.programmes import enrol

SCALES = {"feeling": "4", "energy": "3", "confidence": "5"}


def _pulses(org, **where) -> int:
    return Pulse.objects.filter(employee=org.employee, **where).count()


# --- giving a pulse -----------------------------------------------------------------------------------


def _pulse_form(page: str) -> str:
    return page.split('pulse-form"', 1)[1].split("</form>", 1)[0]


def test_the_employee_gives_a_pulse_after_their_session_once(world, client_for, in_tenant):
    org = world.acme
    client = client_for(org.employee, org.host)
    with in_tenant(org):
        session = Session.objects.create(
            kind="individual",
            enrolment_id=org.people["enrolment"],
            coach=org.coach,
            title="Pulse 1:1",
            starts_at=timezone.now() - timedelta(hours=2),
            status=Session.Status.COMPLETED,
        )
    follow_up = reverse("session_follow_up", kwargs={"session_pk": session.pk})
    page = client.get(follow_up).content.decode()
    assert "How do you feel after this session?" in page
    # The pulse form names the session once (a second, empty field of the same name would win on posting).
    form = _pulse_form(page)
    assert form.count('name="session"') == 1 and f'name="session" value="{session.pk}"' in form
    response = client.post(
        reverse("pulses"), {**SCALES, "session": session.pk, "note": "Lighter.", "next": follow_up + "#pulse"}
    )
    assert response.status_code == 302 and response["Location"] == follow_up + "#pulse"
    with in_tenant(org):
        pulse = Pulse.objects.get(employee=org.employee, session=session)
        assert (pulse.feeling, pulse.energy, pulse.confidence, pulse.note) == (4, 3, 5, "Lighter.")
        assert pulse.enrolment_id == org.people["enrolment"] and not pulse.shared_with_coach
    # A second pulse for the same session is refused with a message; nothing is written.
    again = client.post(reverse("pulses"), {**SCALES, "session": session.pk})
    assert again.status_code == 400
    assert "You already gave a pulse for this session." in again.content.decode()
    with in_tenant(org):
        assert _pulses(org, session=session) == 1


def test_the_home_asks_for_a_pulse_after_an_attended_session(world, client_for, in_tenant):
    org = world.acme
    client = client_for(org.employee, org.host)
    with in_tenant(org):
        Pulse.objects.filter(session_id=org.people["j_session"]).delete()
    home = client.get("/").content.decode()
    # j_session (yesterday, attended) waits for its pulse.
    assert reverse("session_follow_up", kwargs={"session_pk": org.people["j_session"]}) + "#pulse" in home


def test_after_sessions_names_what_each_recent_session_still_waits_for(world, in_tenant):
    """One read serves the home's follow-ups (a reflection or a rating missing, 60 days) and its pulse
    question (the latest session of 14 days that ended or was attended, without a pulse)."""
    from assessments.models.journal import Reflection, SessionFeedback
    from assessments.selectors.journal import after_sessions
    from programmes.models import Attendance

    org = world.acme
    now = timezone.now()
    with in_tenant(org):
        enrolment = Enrolment.objects.get(pk=org.people["enrolment"])
        Session.objects.filter(enrolment=enrolment).exclude(pk=org.people["j_session"]).delete()
        Pulse.objects.filter(employee=org.employee).delete()

        def one_to_one(days_ago: float, **fields) -> Session:
            return Session.objects.create(
                kind=Session.Kind.INDIVIDUAL,
                enrolment=enrolment,
                coach=org.coach,
                starts_at=now - timedelta(days=days_ago),
                created_by=org.employee,
                **fields,
            )

        def owes_nothing_but_a_pulse(session: Session) -> Session:
            Reflection.objects.create(employee=org.employee, session=session, body="Noted.")
            SessionFeedback.objects.create(session=session, employee=org.employee, rating=5)
            return session

        # j_session (yesterday, attended, reflected and rated) owes only its pulse.
        held_unmarked = owes_nothing_but_a_pulse(one_to_one(0.5))  # scheduled, not attended: no pulse asked
        attended = one_to_one(3)  # owes everything
        Attendance.objects.create(session=attended, user=org.employee, status=Attendance.Status.PRESENT)
        completed = owes_nothing_but_a_pulse(one_to_one(5, status=Session.Status.COMPLETED))
        Pulse.objects.create(employee=org.employee, enrolment=enrolment, session=completed, **dict.fromkeys(SCALES, 3))
        old = one_to_one(20, status=Session.Status.COMPLETED)  # past the pulse's two weeks: reflection and rating
        one_to_one(2, status=Session.Status.CANCELLED)
        one_to_one(70, status=Session.Status.COMPLETED)  # past the follow-ups' 60 days
        one_to_one(-1)  # coming
        actor = policy.actor_for(org.employee, org.organisation)
        owed = after_sessions(actor=actor)
        assert [session.pk for session in owed.follow_ups] == [attended.pk, old.pk]
        assert owed.pulse_after.pk == org.people["j_session"]
        Pulse.objects.create(
            employee=org.employee, enrolment=enrolment, session_id=org.people["j_session"], **dict.fromkeys(SCALES, 3)
        )
        assert after_sessions(actor=actor).pulse_after == attended
        assert [session.pk for session in after_sessions(actor=actor, limit=1).follow_ups] == [attended.pk]
        assert held_unmarked.pk not in {session.pk for session in owed.follow_ups}
        # Someone else's view holds none of it.
        theirs = after_sessions(actor=policy.actor_for(org.employee2, org.organisation))
        mine = {attended.pk, old.pk, org.people["j_session"]}
        assert not mine & {session.pk for session in [*theirs.follow_ups, theirs.pulse_after] if session}


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"feeling": "6", "energy": "3", "confidence": "3"}, "feeling", "Select a valid choice"),
        ({"energy": "3", "confidence": "3"}, "feeling", "Choose a number from 1 to 5."),
        ({**SCALES, "note": "x" * 5_001}, "note", "at most 5000 characters"),
    ],
)
def test_a_refused_pulse_names_what_is_wrong_and_writes_nothing(world, client_for, in_tenant, data, field, message):
    org = world.acme
    with in_tenant(org):
        before = _pulses(org)
    response = client_for(org.employee, org.host).post(reverse("pulses"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    with in_tenant(org):
        assert _pulses(org) == before


def test_a_session_or_check_in_of_someone_else_cannot_be_named(world, client_for, in_tenant):
    org = world.acme
    client = client_for(org.employee, org.host)
    with in_tenant(org):
        before = _pulses(org)
        theirs = Goal.objects.create(employee=org.employee2, title="Someone else's")
        check_in = CheckIn.objects.create(goal=theirs, author=org.employee2, progress=10)
    # j_group is cohort B's session: the employee is in cohort A.
    response = client.post(reverse("pulses"), {**SCALES, "session": org.people["j_group"]})
    assert response.status_code == 400 and "Choose one of your own sessions." in response.content.decode()
    response = client.post(reverse("pulses"), {**SCALES, "check_in": check_in.pk})
    assert response.status_code == 400 and "Choose one of your own check-ins." in response.content.decode()
    api = client.post("/api/v1/pulses/", {"feeling": 4, "energy": 4, "confidence": 0}, content_type="application/json")
    assert api.status_code == 400 and "confidence" in api.json()
    with in_tenant(org):
        assert _pulses(org) == before


def test_a_check_in_asks_how_they_feel_and_links_the_pulse(world, client_for, in_tenant):
    org = world.acme
    client = client_for(org.employee, org.host)
    goal = org.people["j_goal"]
    response = client.post(reverse("goal_check_in", kwargs={"pk": goal}), {"progress": "60", "note": ""})
    assert response.status_code == 302 and "?pulse=" in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert "And how do you feel?" in page
    with in_tenant(org):
        check_in = CheckIn.objects.filter(goal_id=goal).order_by("-pk").first()
    form = _pulse_form(page)
    assert form.count('name="check_in"') == 1 and f'name="check_in" value="{check_in.pk}"' in form
    saved = client.post(reverse("pulses"), {**SCALES, "check_in": check_in.pk})
    assert saved.status_code == 302
    with in_tenant(org):
        assert Pulse.objects.get(check_in=check_in).employee == org.employee


def test_the_api_lists_gives_and_shares_my_pulses_only(world, client_for, in_tenant):
    org = world.acme
    client = client_for(org.employee, org.host)
    created = client.post(
        "/api/v1/pulses/",
        {"feeling": 2, "energy": 3, "confidence": 4, "note": "Busy."},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    pulse = created.json()
    assert pulse["shared_with_coach"] is False and pulse["enrolment"] == org.people["enrolment"]
    shared = client.post(f"/api/v1/pulses/{pulse['id']}/sharing/", {"shared": True}, content_type="application/json")
    assert shared.status_code == 200 and shared.json()["shared_with_coach"] is True
    listed = client.get("/api/v1/pulses/").json()
    assert {row["id"] for row in listed["results"]} >= {pulse["id"], org.people["p_private"], org.people["p_shared"]}
    # Another employee neither lists nor shares it.
    other = client_for(org.employee2, org.host)
    assert pulse["id"] not in {row["id"] for row in other.get("/api/v1/pulses/").json()["results"]}
    assert other.post(f"/api/v1/pulses/{pulse['id']}/sharing/", {"shared": False}).status_code == 404


# --- who sees a pulse ---------------------------------------------------------------------------------


def test_the_coach_sees_a_pulse_note_only_once_it_is_shared_and_the_read_is_logged(world, client_for, in_tenant):
    org = world.acme
    coach = client_for(org.coach, org.host)
    page_url = reverse("coachee_page", kwargs={"pk": org.people["enrolment"]})
    page = coach.get(page_url).content.decode()
    assert "Good week." in page  # shared
    assert "Tired but hopeful." not in page  # private
    api = coach.get(f"/api/v1/coachees/{org.people['enrolment']}/").json()
    assert [p["note"] for p in api["shared_pulses"]] == ["Good week."]
    with in_tenant(org):
        logged = AccessLogEntry.objects.filter(owner=org.employee, reader=org.coach, kind="pulse")
        assert set(logged.values_list("object_id", flat=True)) == {org.people["p_shared"]}
    # The employee shares the private one: now the coach reads it; taking it back hides it again.
    employee = client_for(org.employee, org.host)
    sharing = reverse("pulse_sharing", kwargs={"pk": org.people["p_private"]})
    assert employee.post(sharing, {"shared": "1"}).status_code == 302
    assert "Tired but hopeful." in coach.get(page_url).content.decode()
    employee.post(sharing, {"shared": "0"}, HTTP_HX_REQUEST="true")
    assert "Tired but hopeful." not in coach.get(page_url).content.decode()


def test_hr_and_other_coaches_never_see_a_pulse(world, client_for):
    org = world.acme
    for user in (org.hr, world.coach_both, org.employee2):
        client = client_for(user, org.host)
        assert client.get(reverse("coachee_page", kwargs={"pk": org.people["enrolment"]})).status_code == 404
        assert client.get(f"/api/v1/coachees/{org.people['enrolment']}/").status_code == 404
        for path in ("/", reverse("pulses"), "/api/v1/pulses/", reverse("reports_dashboard")):
            body = client.get(path).content.decode()
            assert "Good week." not in body and "Tired but hopeful." not in body


def test_the_former_coach_sees_nothing_given_after_a_coach_change(world, client_for, in_tenant):
    org = world.acme
    with in_tenant(org):
        enrolment = Enrolment.objects.get(pk=org.people["enrolment"])
        enrolment.coach = world.coach_both
        enrolment.save(update_fields=["coach"])
        enrolment.cohort.coaches.remove(org.coach)
        enrolment.cohort.coaches.add(world.coach_both)
    client_for(org.employee, org.host).post(
        reverse("pulses"), {**SCALES, "note": "New coach.", "shared_with_coach": "on"}
    )
    former = client_for(org.coach, org.host)
    assert former.get(reverse("coachee_page", kwargs={"pk": enrolment.pk})).status_code == 404
    for path in ("/", "/api/v1/pulses/", reverse("enrolment_list")):
        assert "New coach." not in former.get(path).content.decode()
    with in_tenant(org):
        actor = policy.actor_for(org.coach, org.organisation)
        assert not policy.scope(actor, Pulse).exists()
    current = client_for(world.coach_both, org.host).get(reverse("coachee_page", kwargs={"pk": enrolment.pk}))
    assert "New coach." in current.content.decode()


def _cohort_of(org, size: int, tag: str):
    programme = Programme.objects.create(
        name=f"Pulse programme {tag}",
        starts_on=date(2026, 1, 5),
        ends_on=date(2026, 12, 18),
        status=Programme.Status.ACTIVE,
        created_by=org.hr,
    )
    cohort = Cohort.objects.create(programme=programme, name=f"Pulse cohort {tag}", capacity=50)
    enrolments = []
    for n in range(size):
        user = employee_ensure(org, user_ensure(f"pulse{tag}{n}@{org.organisation.slug}.test", "Pia", f"P{n}"))
        enrolments.append(enrol(user, cohort, coach=org.coach))
    return programme, enrolments


def test_hr_sees_the_average_of_a_programme_only_with_at_least_five_people(world, in_tenant, client_for):
    org = world.acme
    with in_tenant(org):
        programme, enrolments = _cohort_of(org, 5, "hr")
        for n, enrolment in enumerate(enrolments[:4]):
            Pulse.objects.create(
                employee=enrolment.employee, enrolment=enrolment, feeling=2 + n % 2, energy=3, confidence=4, note="x"
            )
        disclosure.refresh(force=True)
        actor = policy.actor_for(org.hr, org.organisation)
        filters, _problems = dashboard_selectors.filters_from(actor=actor, params={"programme": str(programme.pk)})
        report = dashboard_selectors.dashboard(actor=actor, filters=filters)
        assert not report.pulse.shown and report.pulse.feeling is None
        # Two pulses of one person weigh as their average: (5 + 3) / 2 = 4.
        last = enrolments[4]
        for feeling in (5, 3):
            Pulse.objects.create(employee=last.employee, enrolment=last, feeling=feeling, energy=3, confidence=4)
        disclosure.refresh(force=True)
        report = dashboard_selectors.dashboard(actor=actor, filters=filters)
    assert report.pulse.shown and report.pulse.people == 5
    assert report.pulse.feeling == round((2 + 3 + 2 + 3 + 4) / 5, 1) and report.pulse.energy == 3.0
    api = client_for(org.hr, org.host).get("/api/v1/reports/dashboard/", {"programme": programme.pk}).json()
    assert api["pulse"]["people"] == 5 and api["pulse"]["feeling"] == 2.8
    assert [row["pulse"]["people"] for row in api["breakdown"]] == [5]
    page = client_for(org.hr, org.host).get(reverse("reports_dashboard"), {"programme": programme.pk})
    assert "How people feel" in page.content.decode() and ">x<" not in page.content.decode()


# --- the trend ----------------------------------------------------------------------------------------


def test_the_trend_chart_says_every_figure_in_words(world, in_tenant):
    org = world.acme
    with in_tenant(org):
        enrolment = Enrolment.objects.get(pk=org.people["enrolment"])
        now = timezone.now()
        rows = [
            Pulse(employee=org.employee, enrolment=enrolment, feeling=f, energy=e, confidence=c, created_at=at)
            for f, e, c, at in (
                (2, 3, 4, now - timedelta(weeks=2)),
                (4, 5, 2, now - timedelta(weeks=2)),
                (5, 5, 5, now),
            )
        ]
    weeks = selectors.trend(rows)
    assert [week.count for week in weeks] == [2, 1]
    assert weeks[0].means == {"feeling": 3.0, "energy": 4.0, "confidence": 3.0}
    chart = str(selectors.trend_chart(weeks, chart_id="t", title="Trend"))
    assert 'role="img"' in chart and 'aria-labelledby="t-title t-desc"' in chart
    for figure in ("How I feel 3.0", "Energy 4.0", "Confidence 3.0", "(2 pulses)", "How I feel 5.0"):
        assert figure in chart
    assert 'style="width: 60.0%"' in chart  # 3 of 5


def test_the_pages_are_in_the_organisations_language(world, client_for):
    org = world.globex  # Dutch
    pages = (
        (org.employee, reverse("pulses")),
        (org.coach, reverse("coachee_page", kwargs={"pk": org.people["enrolment"]})),
    )
    for user, path in pages:
        response = client_for(user, org.host).get(path)
        assert response.status_code == 200
        body = response.content.decode()
        assert '<html lang="nl"' in body
        assert "Wie mijn gegevens heeft ingezien" in body or "Assessmentresultaten" in body

"""Session notes: the coach's private note is its author's alone, not even another coach of the same
employee reads it; the shared summary is read by the employee (everyone in a group session) and their
coaches."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from assessments.models.journal import SessionNote, SessionSummary
from programmes.models import Cohort, Session


def _second_coach(world, in_tenant) -> None:
    """The coach of both becomes a coach of the employee's cohort: a second coach of the employee."""
    with in_tenant(world.acme):
        Cohort.objects.get(pk=world.acme.people["cohort_a"]).coaches.add(world.coach_both)


def test_only_the_author_reads_a_private_note(world, client_for, in_tenant):
    _second_coach(world, in_tenant)
    note = world.acme.people["j_note"]
    assert client_for(world.acme.coach, world.acme.host).get(f"/api/v1/session-notes/{note}/").status_code == 200
    for user in (world.coach_both, world.acme.hr, world.acme.employee):
        client = client_for(user, world.acme.host)
        assert client.get(f"/api/v1/session-notes/{note}/").status_code == 404
        listed = client.get("/api/v1/session-notes/")
        assert listed.status_code == 404 or note not in {row["id"] for row in listed.json()["results"]}


def test_a_second_coach_reads_the_summary_but_not_the_note(world, client_for, in_tenant):
    _second_coach(world, in_tenant)
    summary = world.acme.people["j_summary"]
    client = client_for(world.coach_both, world.acme.host)
    assert client.get(f"/api/v1/session-summaries/{summary}/").json()["body"] == "We agreed on a next step."
    # They did not lead the session, so its follow-up page (with the note form) is not theirs.
    assert client.get(f"/sessions/{world.acme.people['j_session']}/follow-up/").status_code == 404


def test_the_coach_writes_the_note_again_rather_than_a_second_one(world, client_for, in_tenant):
    session = world.acme.people["j_session"]
    client = client_for(world.acme.coach, world.acme.host)
    response = client.post(
        "/api/v1/session-notes/", {"session": session, "body": "Second thoughts."}, content_type="application/json"
    )
    assert response.status_code == 201
    with in_tenant(world.acme):
        assert list(SessionNote.objects.filter(session_id=session).values_list("body", flat=True)) == [
            "Second thoughts."
        ]


def test_an_empty_note_is_refused_and_the_old_one_kept(world, client_for, in_tenant):
    session = world.acme.people["j_session"]
    response = client_for(world.acme.coach, world.acme.host).post(
        f"/sessions/{session}/follow-up/note/", {"body": "   "}
    )
    assert response.status_code == 400
    with in_tenant(world.acme):
        assert SessionNote.objects.get(session_id=session).body == "Private observation."


def test_the_author_deletes_their_note(world, client_for, in_tenant):
    session = world.acme.people["j_session"]
    client_for(world.acme.coach, world.acme.host).post(f"/sessions/{session}/follow-up/note/delete/")
    with in_tenant(world.acme):
        assert not SessionNote.objects.filter(session_id=session).exists()


def test_the_employee_reads_the_summary_of_their_session(world, client_for):
    page = (
        client_for(world.acme.employee, world.acme.host)
        .get(f"/sessions/{world.acme.people['j_session']}/follow-up/")
        .content.decode()
    )
    assert "We agreed on a next step." in page and "You and your coach" in page


def test_a_group_sessions_summary_reaches_its_cohort_and_no_one_else(world, client_for, in_tenant):
    with in_tenant(world.acme):
        group = Session.objects.create(
            kind="group",
            cohort_id=world.acme.people["cohort_a"],
            coach=world.acme.coach,
            starts_at=timezone.now() - timedelta(hours=2),
        )
        SessionSummary.objects.create(session=group, author=world.acme.coach, body="We practised saying no.")
    for user, visible in (
        (world.acme.employee, True),
        (world.acme.coach, True),
        (world.acme.employee2, False),
        (world.coach_both, False),
        (world.acme.hr, False),
    ):
        response = client_for(user, world.acme.host).get("/api/v1/session-summaries/")
        bodies = {row["body"] for row in response.json()["results"]} if response.status_code == 200 else set()
        assert ("We practised saying no." in bodies) is visible, user


def test_only_the_coach_who_leads_writes_the_summary(world, client_for):
    session = world.acme.people["j_session"]
    response = client_for(world.acme.employee, world.acme.host).post(
        "/api/v1/session-summaries/", {"session": session, "body": "My version."}, content_type="application/json"
    )
    assert response.status_code == 404
    response = client_for(world.acme.coach, world.acme.host).post(
        "/api/v1/session-summaries/", {"session": session, "body": "   "}, content_type="application/json"
    )
    assert response.status_code == 400 and "body" in response.json()

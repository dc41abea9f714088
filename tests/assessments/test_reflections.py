"""Reflections: written by the employee after a session or any time, private unless shared with their coach,
answered by the coach, shared or taken back later. Pages, fragments and the API."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from assessments.models.journal import AccessLogEntry, Reflection, ReflectionReply
from assessments.services import reflections as services


def test_the_api_creates_a_private_reflection_by_default(world, client_for, in_tenant):
    client = client_for(world.acme.employee, world.acme.host)
    response = client.post(
        "/api/v1/reflections/", {"body": "  What I noticed today.  "}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["body"] == "What I noticed today."
    assert data["shared_with_coach"] is False and data["session"] is None
    with in_tenant(world.acme):
        assert Reflection.objects.get(pk=data["id"]).employee == world.acme.employee


def test_the_api_links_a_reflection_to_a_session_and_shares_it(world, client_for):
    client = client_for(world.acme.employee, world.acme.host)
    session = world.acme.people["j_session"]
    response = client.post(
        "/api/v1/reflections/",
        {"body": "After the 1:1.", "shared_with_coach": True, "session": session},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["session"] == session and response.json()["shared_with_coach"] is True
    assert response.json()["shared_at"]


@pytest.mark.parametrize("payload, field", [({"body": "   "}, "body"), ({}, "body"), ({"body": "x" * 20_001}, "body")])
def test_the_api_names_what_is_wrong_and_saves_nothing(world, client_for, in_tenant, payload, field):
    with in_tenant(world.acme):
        before = Reflection.objects.count()
    response = client_for(world.acme.employee, world.acme.host).post(
        "/api/v1/reflections/", payload, content_type="application/json"
    )
    assert response.status_code == 400
    assert field in response.json()
    with in_tenant(world.acme):
        assert Reflection.objects.count() == before


def test_a_session_of_someone_else_cannot_be_named(world, client_for):
    # j_group is cohort B's session: the employee is in cohort A.
    response = client_for(world.acme.employee, world.acme.host).post(
        "/api/v1/reflections/",
        {"body": "Sneaky.", "session": world.acme.people["j_group"]},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {"session": ["Choose one of your own sessions."]}


def test_the_coach_reads_only_shared_reflections_of_the_people_they_coach(world, client_for):
    rows = client_for(world.acme.coach, world.acme.host).get("/api/v1/reflections/").json()["results"]
    ids = {row["id"] for row in rows}
    assert world.acme.people["j_shared"] in ids
    assert world.acme.people["j_private"] not in ids
    other = client_for(world.coach_both, world.acme.host).get("/api/v1/reflections/").json()["results"]
    assert world.acme.people["j_shared"] not in {row["id"] for row in other}


def test_filters_only_narrow_what_the_list_already_shows(world, client_for):
    client = client_for(world.acme.coach, world.acme.host)
    for query in (
        "?shared=false",
        f"?session={world.acme.people['j_session']}&shared=false",
        "?ordering=body",
        f"?employee={world.acme.employee.pk}",
        "?search=private",
    ):
        ids = {row["id"] for row in client.get("/api/v1/reflections/" + query).json()["results"]}
        assert world.acme.people["j_private"] not in ids, query


def test_the_employee_can_take_a_shared_reflection_back(world, client_for, in_tenant):
    pk = world.acme.people["j_shared"]
    response = client_for(world.acme.employee, world.acme.host).patch(
        f"/api/v1/reflections/{pk}/", {"shared_with_coach": False}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["shared_at"] is None
    coach = client_for(world.acme.coach, world.acme.host)
    assert coach.get(f"/api/v1/reflections/{pk}/").status_code == 404
    assert coach.get(f"/reflections/{pk}/").status_code == 404


def test_the_coach_cannot_change_or_delete_a_reflection_they_read(world, client_for):
    pk = world.acme.people["j_shared"]
    coach = client_for(world.acme.coach, world.acme.host)
    assert (
        coach.patch(f"/api/v1/reflections/{pk}/", {"body": "Mine now"}, content_type="application/json").status_code
        == 404
    )
    assert coach.delete(f"/api/v1/reflections/{pk}/").status_code == 404
    assert coach.post(f"/reflections/{pk}/sharing/", {"shared": "0"}).status_code == 404


def test_the_coach_answers_a_shared_reflection_and_the_employee_reads_it(world, client_for):
    pk = world.acme.people["j_shared"]
    response = client_for(world.acme.coach, world.acme.host).post(
        f"/api/v1/reflections/{pk}/replies/", {"body": "What would help next time?"}, content_type="application/json"
    )
    assert response.status_code == 201
    page = client_for(world.acme.employee, world.acme.host).get(f"/reflections/{pk}/")
    assert "What would help next time?" in page.content.decode()


def test_a_reply_cannot_slip_in_after_the_reflection_was_taken_back(world, actor, in_tenant):
    with in_tenant(world.acme):
        reflection = Reflection.objects.get(pk=world.acme.people["j_shared"])
        stale = Reflection.objects.get(pk=reflection.pk)  # as the coach's request loaded it
        services.reflection_update(
            actor=actor(world.acme.employee, world.acme), reflection=reflection, shared_with_coach=False
        )
        with pytest.raises(ValidationError):
            services.reflection_reply(actor=actor(world.acme.coach, world.acme), reflection=stale, body="Late.")
        assert not ReflectionReply.objects.filter(reflection=reflection, body="Late.").exists()


def test_the_page_writes_a_reflection_for_a_session_and_shows_who_can_read_it(world, client_for, in_tenant):
    client = client_for(world.acme.employee, world.acme.host)
    response = client.post(
        "/reflections/", {"body": "I will count to five.", "session": world.acme.people["j_session"]}
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "I will count to five." in page
    assert "privacy-note--private" in page and "Only you" in page


def test_the_page_refuses_an_empty_reflection_with_a_message(world, client_for):
    response = client_for(world.acme.employee, world.acme.host).post("/reflections/", {"body": "  "})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()


def test_sharing_from_the_page_swaps_the_privacy_note_in_place(world, client_for):
    pk = world.acme.people["j_private"]
    response = client_for(world.acme.employee, world.acme.host).post(
        f"/reflections/{pk}/sharing/", {"shared": "1"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "privacy-note--shared" in html and "Cor Acme" in html  # names the coach who can now read it
    assert "Make private again" in html


def test_the_coach_opening_a_reflection_is_logged_for_the_employee(world, client_for, in_tenant):
    pk = world.acme.people["j_shared"]
    client_for(world.acme.coach, world.acme.host).get(f"/reflections/{pk}/")
    client_for(world.acme.employee, world.acme.host).get(f"/reflections/{pk}/")  # one's own: not logged
    with in_tenant(world.acme):
        entries = list(AccessLogEntry.objects.filter(owner=world.acme.employee, kind="reflection", object_id=pk))
    assert [(e.reader_id, e.reader_role) for e in entries] == [(world.acme.coach.pk, "coach")]

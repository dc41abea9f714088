"""The instrument builder through the API: the rules of the builder's pages, and changes to a scheduled
(frozen) instrument landing in a new version."""

from __future__ import annotations

import pytest

from assessments.models import Instrument, InstrumentVersion

JSON = "application/json"


@pytest.fixture
def hr_api(world, client_for):
    return client_for(world.acme.hr, world.acme.host)


def test_hr_builds_an_instrument_from_nothing(world, hr_api):
    made = hr_api.post("/api/v1/instruments/", {"title_en": "Focus", "title_nl": "Focus"}, content_type=JSON)
    assert made.status_code == 201, made.content
    version = made.json()
    assert (version["version"], version["questions"], version["dimensions"]) == (1, [], [])
    with_dimension = hr_api.post(
        f"/api/v1/instruments/{version['id']}/dimensions/", {"name_en": "Calm", "name_nl": "Rust"}, content_type=JSON
    ).json()
    dimension = with_dimension["dimensions"][0]
    assert dimension["key"] == "calm"
    banded = hr_api.post(
        f"/api/v1/instrument-dimensions/{dimension['id']}/bands/",
        {"lower": 0, "upper": 49, "label_en": "Low", "label_nl": "Laag", "text_en": "Rest.", "text_nl": "Rust."},
        content_type=JSON,
    )
    assert banded.status_code == 201 and banded.json()["dimensions"][0]["bands"][0]["label_en"] == "Low"
    overlapping = hr_api.post(
        f"/api/v1/instrument-dimensions/{dimension['id']}/bands/",
        {"lower": 40, "upper": 60, "label_en": "Mid", "label_nl": "Mid", "text_en": "x", "text_nl": "x"},
        content_type=JSON,
    )
    assert overlapping.status_code == 400
    for text in ("I stay calm.", "I plan my day."):
        added = hr_api.post(
            f"/api/v1/instruments/{version['id']}/questions/",
            {"kind": "likert5", "text_en": text, "text_nl": text, "dimension": dimension["id"]},
            content_type=JSON,
        )
        assert added.status_code == 201, added.content
    questions = added.json()["questions"]
    moved = hr_api.post(
        f"/api/v1/instrument-questions/{questions[1]['id']}/move/", {"direction": "up"}, content_type=JSON
    )
    assert [q["text_en"] for q in moved.json()["questions"]] == ["I plan my day.", "I stay calm."]
    changed = hr_api.put(
        f"/api/v1/instrument-questions/{questions[0]['id']}/",
        {"kind": "text", "text_en": "Anything else?", "text_nl": "Nog iets?"},
        content_type=JSON,
    )
    assert changed.status_code == 200
    still_counted = hr_api.delete(f"/api/v1/instrument-dimensions/{dimension['id']}/")
    assert still_counted.status_code == 400 and "still has 1 question" in still_counted.json()["detail"][0]
    renamed = hr_api.put(
        f"/api/v1/instruments/{version['id']}/",
        {"title_en": "Focus at work", "title_nl": "Focus op het werk", "results_need_release": True},
        content_type=JSON,
    )
    assert renamed.json()["title_en"] == "Focus at work" and renamed.json()["results_need_release"] is True
    assert hr_api.delete(f"/api/v1/instruments/{version['id']}/").json() == {"removed": "deleted"}


def test_bad_questions_are_refused_naming_the_field(world, hr_api):
    custom = world.acme.people["a_custom"]
    for body, field in (
        ({"kind": "essay", "text_en": "x", "text_nl": "x"}, "kind"),
        ({"kind": "likert5", "text_en": "x"}, "text_nl"),
        (
            {"kind": "choice", "text_en": "x", "text_nl": "x", "choices": [{"label_en": "A", "label_nl": "A"}]},
            "choices",
        ),
        ({"kind": "likert5", "text_en": "x", "text_nl": "x", "dimension": 999999}, "dimension"),
        ({"kind": "text", "text_en": "x", "text_nl": "x", "reverse_scored": True}, "reverse_scored"),
    ):
        response = hr_api.post(f"/api/v1/instruments/{custom}/questions/", body, content_type=JSON)
        assert response.status_code == 400 and field in response.json(), (body, response.json())


def test_a_scheduled_instrument_changes_in_a_new_version(world, hr_api, in_tenant):
    builtin = world.acme.people["a_builtin"]
    assert (
        hr_api.post(f"/api/v1/instruments/{builtin}/dimensions/", {"name_en": "X", "name_nl": "X"}).status_code == 400
    )
    copy = hr_api.post(f"/api/v1/instruments/{builtin}/copy/").json()
    assert copy["builtin"] is False and copy["title_en"].endswith("(copy)")
    with in_tenant(world.acme):
        InstrumentVersion.objects.filter(pk=copy["id"]).update(frozen_at="2026-01-01T00:00:00Z")
    landed = hr_api.post(
        f"/api/v1/instruments/{copy['id']}/dimensions/", {"name_en": "Extra", "name_nl": "Extra"}, content_type=JSON
    ).json()
    assert landed["id"] != copy["id"] and landed["version"] == copy["version"] + 1
    stale = hr_api.post(
        f"/api/v1/instruments/{copy['id']}/dimensions/", {"name_en": "Again", "name_nl": "Weer"}, content_type=JSON
    )
    assert stale.status_code == 400 and "older version" in stale.json()["detail"][0]


def test_a_coach_changes_only_their_own_instruments(world, client_for, in_tenant):
    coach = client_for(world.acme.coach, world.acme.host)
    hrs = world.acme.people["a_custom"]
    refused = coach.put(f"/api/v1/instruments/{hrs}/", {"title_en": "Mine", "title_nl": "Mijn"}, content_type=JSON)
    assert refused.status_code == 400 and "Only HR and the coach who made" in refused.json()["detail"][0]
    own = coach.post("/api/v1/instruments/", {"title_en": "Coach's", "title_nl": "Coach"}, content_type=JSON).json()
    assert (
        coach.put(
            f"/api/v1/instruments/{own['id']}/", {"title_en": "Mine", "title_nl": "Mijn"}, content_type=JSON
        ).status_code
        == 200
    )
    employee = client_for(world.acme.employee, world.acme.host)
    assert (
        employee.post("/api/v1/instruments/", {"title_en": "E", "title_nl": "E"}, content_type=JSON).status_code == 404
    )
    with in_tenant(world.acme):
        assert not Instrument.objects.filter(versions__title_en="E").exists()

"""The instrument editor: questions added, edited and reordered with htmx, new versions when in use,
clear messages for bad input; scheduling an instrument in a programme phase."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from assessments.models import InstrumentVersion, PhaseAssessment, Question
from programmes.models import Phase

HTMX = {"HTTP_HX_REQUEST": "true"}
NEW = {
    "new-kind": "likert7",
    "new-text_en": "I plan my week.",
    "new-text_nl": "Ik plan mijn week.",
    "new-required": "on",
}


def test_adding_a_question_with_htmx_answers_with_the_refreshed_list(world, client_for, in_tenant):
    client = client_for(world.acme.hr, world.acme.host)
    response = client.post(reverse("instrument_question_add", args=[world.acme.people["a_custom"]]), NEW, **HTMX)
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert 'id="questions"' in body and "Question 2 is added." in body and "I plan my week." in body
    with in_tenant(world.acme):
        assert Question.objects.filter(version_id=world.acme.people["a_custom"]).count() == 2


def test_a_bad_question_shows_what_is_wrong_beside_the_field_and_saves_nothing(world, client_for, in_tenant):
    client = client_for(world.acme.hr, world.acme.host)
    response = client.post(
        reverse("instrument_question_add", args=[world.acme.people["a_custom"]]),
        {**NEW, "new-kind": "choice", "new-choices": "Only one | Maar één"},
        **HTMX,
    )
    body = response.content.decode()
    assert "Give at least two options, one per line." in body
    bad_line = client.post(
        reverse("instrument_question_add", args=[world.acme.people["a_custom"]]),
        {**NEW, "new-kind": "choice", "new-choices": "A | A | lots\nB | B"},
        **HTMX,
    )
    assert "Line 1: the score must be a whole number." in bad_line.content.decode()
    with in_tenant(world.acme):
        assert Question.objects.filter(version_id=world.acme.people["a_custom"]).count() == 1


def test_editing_and_moving_a_question_with_htmx(world, client_for, in_tenant):
    client = client_for(world.acme.hr, world.acme.host)
    client.post(reverse("instrument_question_add", args=[world.acme.people["a_custom"]]), NEW, **HTMX)
    first = world.acme.people["a_question"]
    form = client.get(reverse("instrument_question_edit", args=[first]), **HTMX).content.decode()
    assert f'name="q{first}-text_en"' in form and "I have energy for my work." in form
    saved = client.post(
        reverse("instrument_question_edit", args=[first]),
        {
            f"q{first}-kind": "likert5",
            f"q{first}-text_en": "I have energy left at the end of the day.",
            f"q{first}-text_nl": "Ik heb aan het eind van de dag nog energie.",
            f"q{first}-required": "on",
        },
        **HTMX,
    )
    assert "Question 1 is saved." in saved.content.decode()
    moved = client.post(reverse("instrument_question_move", args=[first]), {"direction": "down"}, **HTMX)
    assert "Question moved to number 2." in moved.content.decode()
    with in_tenant(world.acme):
        assert list(
            Question.objects.filter(version_id=world.acme.people["a_custom"]).values_list("position", "text_en")
        ) == [(1, "I plan my week."), (2, "I have energy left at the end of the day.")]


def test_editing_an_instrument_in_use_sends_the_editor_to_the_new_version(world, client_for, in_tenant):
    client = client_for(world.acme.hr, world.acme.host)
    with in_tenant(world.acme):
        InstrumentVersion.objects.filter(pk=world.acme.people["a_custom"]).update(frozen_at=timezone.now())
    response = client.post(reverse("instrument_question_add", args=[world.acme.people["a_custom"]]), NEW, **HTMX)
    assert response.status_code == 204
    with in_tenant(world.acme):
        new = InstrumentVersion.objects.get(instrument_id=world.acme.people["a_custom_instrument"], is_latest=True)
    assert new.number == 2 and response["HX-Redirect"] == reverse("instrument_detail", args=[new.pk])
    page = client.get(response["HX-Redirect"]).content.decode()
    assert "Version 1 is in use, so your change made version 2." in page
    old = client.get(reverse("instrument_detail", args=[world.acme.people["a_custom"]])).content.decode()
    assert "This is version 1, kept for the people who answered it. The current version is 2." in old
    assert "Add a question" not in old


def test_a_coach_sees_hr_instruments_but_cannot_change_them(world, client_for):
    client = client_for(world.acme.coach, world.acme.host)
    page = client.get(reverse("instrument_detail", args=[world.acme.people["a_custom"]])).content.decode()
    assert "HR and the coach who made this instrument can change it." in page and "Add a question" not in page
    refused = client.post(
        reverse("instrument_question_move", args=[world.acme.people["a_question"]]), {"direction": "up"}, **HTMX
    )
    assert "Only HR and the coach who made this instrument can change it." in refused.content.decode()


def test_a_built_in_instrument_offers_a_copy(world, client_for, in_tenant):
    client = client_for(world.acme.coach, world.acme.host)
    page = client.get(reverse("instrument_detail", args=[world.acme.people["a_builtin"]])).content.decode()
    assert "Built-in instruments cannot be changed" in page and "Make a copy" in page
    copied = client.post(reverse("instrument_copy", args=[world.acme.people["a_builtin"]]))
    copy_page = client.get(copied["Location"]).content.decode()
    assert "Self-confidence at work (copy)" in copy_page and "Add a question" in copy_page


def test_creating_an_instrument_needs_both_languages(world, client_for):
    client = client_for(world.acme.hr, world.acme.host)
    response = client.post(reverse("instrument_create"), {"title_en": "Team climate", "title_nl": ""})
    assert response.status_code == 200 and "This field is required." in response.content.decode()
    created = client.post(reverse("instrument_create"), {"title_en": "Team climate", "title_nl": "Teamklimaat"})
    assert created.status_code == 302


def test_hr_schedules_an_instrument_and_everyone_enrolled_gets_it(world, client_for, in_tenant):
    client = client_for(world.acme.hr, world.acme.host)
    with in_tenant(world.acme):
        phase = Phase.objects.filter(programme_id=world.acme.people["programme"], kind="individual").first()
        version = InstrumentVersion.objects.get(instrument__key="readiness-for-change")
    today = timezone.localdate()
    data = {
        "phase": phase.pk,
        "version": version.pk,
        "moment": "midpoint",
        "opens_on": today.isoformat(),
        "due_on": (today - timedelta(days=1)).isoformat(),
        "reminder_days_before": "3",
    }
    refused = client.post(reverse("assignment_schedule"), data)
    assert "The due date must be on or after the day it opens." in refused.content.decode()
    data["due_on"] = (today + timedelta(days=14)).isoformat()
    done = client.post(reverse("assignment_schedule"), data, follow=True)
    assert "Scheduled for 2 people." in done.content.decode()
    with in_tenant(world.acme):
        scheduled = PhaseAssessment.objects.get(version=version)
        assert scheduled.assignments.count() == 2
    again = client.post(reverse("assignment_schedule"), data)
    assert "This programme already has a midpoint assessment with this instrument." in again.content.decode()


def test_hr_cannot_schedule_another_organisations_phase(world, client_for, in_tenant):
    with in_tenant(world.globex):
        foreign_phase = Phase.objects.first()
    with in_tenant(world.acme):
        version = InstrumentVersion.objects.get(instrument__key="readiness-for-change")
    today = timezone.localdate().isoformat()
    response = client_for(world.acme.hr, world.acme.host).post(
        reverse("assignment_schedule"),
        {
            "phase": foreign_phase.pk + 100000,
            "version": version.pk,
            "moment": "initial",
            "opens_on": today,
            "due_on": today,
            "reminder_days_before": "1",
        },
    )
    assert "Select a valid choice" in response.content.decode()


def test_the_library_counts_questions_once_however_often_an_instrument_is_scheduled(world, client_for):
    body = client_for(world.acme.hr, world.acme.host).get(reverse("instrument_list")).content.decode()
    # Self-confidence at work is scheduled twice in the world and has 17 questions.
    assert '<td class="num">17</td>' in body and "In use in 2 programme moments" in body

"""Programmes, their phases and learning resources, copying a programme as a template, and cohorts."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from programmes.models import Cohort, Enrolment, Phase, Programme
from programmes.services import programmes as services


def phases_of(programme: Programme) -> list[tuple[int, str]]:
    return list(programme.phases.order_by("position").values_list("position", "name"))


def test_a_new_programme_starts_with_the_four_default_phases(hr):
    programme = services.programme_create(
        actor=hr, name="Team leads 2027", starts_on=date(2027, 1, 4), ends_on=date(2027, 6, 30)
    )
    assert phases_of(programme) == [
        (1, "Intake and initial assessment"),
        (2, "Group sessions"),
        (3, "Individual coaching"),
        (4, "Final assessment"),
    ]
    assert list(programme.phases.values_list("kind", flat=True)) == ["intake", "group", "individual", "final"]
    assert programme.status == Programme.Status.DRAFT and programme.created_by == hr.user


def test_a_programme_cannot_end_before_it_starts(hr):
    with pytest.raises(ValidationError) as error:
        services.programme_create(actor=hr, name="Backwards", starts_on=date(2027, 6, 1), ends_on=date(2027, 1, 1))
    assert error.value.message_dict == {"ends_on": ["The end date is before the start date."]}


def test_only_hr_changes_programmes(acme, actor, programme):
    with pytest.raises(Http404):
        services.programme_copy(
            actor=actor(acme.coach, acme), programme=programme, name="X", starts_on=date(2027, 1, 1)
        )


def test_copying_a_programme_moves_its_phases_resources_and_cohorts_to_the_new_dates(hr, programme, acme):
    phase = programme.phases.get(position=2)
    services.phase_update(
        actor=hr,
        phase=phase,
        name=phase.name,
        kind=phase.kind,
        description="Four sessions",
        starts_on=date(2026, 2, 2),
        ends_on=date(2026, 3, 30),
    )
    copy = services.programme_copy(actor=hr, programme=programme, name="Leadership 2027", starts_on=date(2027, 1, 4))
    offset = date(2027, 1, 4) - programme.starts_on
    assert (copy.status, copy.copied_from, copy.ends_on) == (
        Programme.Status.DRAFT,
        programme,
        programme.ends_on + offset,
    )
    assert phases_of(copy) == phases_of(programme)
    moved = copy.phases.get(position=2)
    assert (moved.starts_on, moved.ends_on, moved.description) == (
        date(2026, 2, 2) + offset,
        date(2026, 3, 30) + offset,
        "Four sessions",
    )
    assert list(copy.resources.values_list("title", "url")) == list(programme.resources.values_list("title", "url"))
    cohorts = {cohort.name: cohort for cohort in copy.cohorts.prefetch_related("coaches")}
    assert set(cohorts) == {"Cohort A", "Cohort B"}
    assert [coach.pk for coach in cohorts["Cohort A"].coaches.all()] == [acme.coach.pk]
    assert cohorts["Cohort A"].starts_on == programme.cohorts.get(name="Cohort A").starts_on + offset
    assert not Enrolment.objects.filter(programme=copy).exists()  # nobody comes along


def test_a_copy_can_leave_the_cohorts_behind(hr, programme):
    copy = services.programme_copy(
        actor=hr, programme=programme, name="Lean", starts_on=date(2027, 1, 4), include_cohorts=False
    )
    assert not copy.cohorts.exists() and copy.phases.count() == 4


def test_phases_are_added_at_the_end_moved_and_removed_keeping_positions_in_order(hr, programme):
    added = services.phase_add(actor=hr, programme=programme, name="Follow-up")
    assert phases_of(programme)[-1] == (5, "Follow-up")
    services.phase_move(actor=hr, phase=added, up=True)
    assert [name for _position, name in phases_of(programme)][3:] == ["Follow-up", "Final assessment"]
    services.phase_move(actor=hr, phase=programme.phases.get(position=1), up=True)  # the first stays first
    services.phase_delete(actor=hr, phase=programme.phases.get(position=2))
    assert phases_of(programme) == [
        (1, "Intake and initial assessment"),
        (2, "Individual coaching"),
        (3, "Follow-up"),
        (4, "Final assessment"),
    ]


def test_a_phase_falls_within_its_programme(hr, programme):
    with pytest.raises(ValidationError) as error:
        services.phase_add(actor=hr, programme=programme, name="Late", starts_on=date(2030, 1, 1))
    assert "Choose a date within the programme" in error.value.message_dict["starts_on"][0]


def test_the_phase_buttons_swap_only_the_list_with_htmx(world, client_for, in_tenant):
    client = client_for(world.acme.hr, world.acme.host)
    response = client.post(f"/phases/{world.acme.people['phase']}/move/", {"direction": "down"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith('<section class="card" id="phases"')
    with in_tenant(world.acme):
        assert Phase.objects.get(pk=world.acme.people["phase"]).position == 2


def test_a_resource_is_a_link_or_a_file_never_both_or_neither(hr, programme):
    with pytest.raises(ValidationError, match="Add a link or a file."):
        services.resource_add(actor=hr, programme=programme, title="Nothing")
    with pytest.raises(ValidationError, match="not both"):
        services.resource_add(
            actor=hr,
            programme=programme,
            title="Both",
            url="https://example.com",
            file=SimpleUploadedFile("a.pdf", b"%PDF"),
        )
    with pytest.raises(ValidationError) as error:
        services.resource_add(actor=hr, programme=programme, title="Script", file=SimpleUploadedFile("run.exe", b"MZ"))
    assert "cannot be shared" in error.value.message_dict["file"][0]


def test_a_resource_file_is_downloaded_only_by_those_who_see_its_programme(
    world, client_for, in_tenant, settings, tmp_path, actor
):
    settings.MEDIA_ROOT = tmp_path
    with in_tenant(world.acme):
        programme = Programme.objects.get(pk=world.acme.people["programme"])
        resource = services.resource_add(
            actor=actor(world.acme.hr, world.acme),
            programme=programme,
            title="Feedback guide",
            file=SimpleUploadedFile("guide.pdf", b"%PDF-1.7 guide"),
        )
    url = f"/resources/{resource.pk}/file/"
    for user in (world.acme.employee, world.acme.coach, world.acme.hr):
        response = client_for(user, world.acme.host).get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == b"%PDF-1.7 guide"
        assert 'attachment; filename="guide.pdf"' in response["Content-Disposition"]
    with in_tenant(world.acme):
        Enrolment.objects.filter(employee=world.acme.employee2).delete()  # no longer in the programme
        Cohort.coaches.through.objects.filter(user_id=world.coach_both.pk).delete()
    assert client_for(world.acme.employee2, world.acme.host).get(url).status_code == 404
    assert client_for(world.coach_both, world.acme.host).get(url).status_code == 404
    assert client_for(world.globex.hr, world.globex.host).get(url).status_code == 404


def test_cohort_names_are_unique_within_a_programme(hr, programme):
    with pytest.raises(ValidationError) as error:
        services.cohort_create(actor=hr, programme=programme, name="cohort a", capacity=10)
    assert error.value.message_dict == {"name": ["This programme already has a cohort with this name."]}


def test_a_cohorts_coaches_coach_in_this_organisation(hr, programme, acme):
    with pytest.raises(ValidationError) as error:
        services.cohort_create(actor=hr, programme=programme, name="Cohort C", capacity=10, coaches=[acme.hr])
    assert error.value.message_dict == {"coaches": ["Choose coaches who coach in this organisation."]}


def test_a_cohorts_capacity_never_drops_below_the_people_in_it(hr, programme):
    cohort = programme.cohorts.get(name="Cohort A")
    with pytest.raises(ValidationError) as error:
        services.cohort_update(actor=hr, cohort=cohort, name="Cohort A", capacity=0, starts_on=None, coaches=[])
    assert error.value.message_dict == {
        "capacity": ["1 person is enrolled in this cohort; the capacity cannot be lower."]
    }


def test_hr_creates_a_programme_on_the_page(world, client_for, in_tenant):
    client = client_for(world.acme.hr, world.acme.host)
    response = client.post(
        "/programmes/new/",
        {
            "name": "Pilot",
            "starts_on": "2027-01-04",
            "ends_on": "2026-12-01",
            "status": "draft",
            "default_credits": "6",
        },
    )
    assert response.status_code == 200 and "The end date is before the start date." in response.content.decode()
    response = client.post(
        "/programmes/new/",
        {
            "name": "Pilot",
            "starts_on": "2027-01-04",
            "ends_on": "2027-06-01",
            "status": "draft",
            "default_credits": "6",
        },
    )
    with in_tenant(world.acme):
        programme = Programme.objects.get(name="Pilot")
    assert response["Location"] == f"/programmes/{programme.pk}/"
    assert "Intake and initial assessment" in client.get(response["Location"]).content.decode()


def test_an_employee_sees_their_place_and_the_resources_but_no_cohort_lists(world, client_for):
    body = (
        client_for(world.acme.employee, world.acme.host)
        .get(f"/programmes/{world.acme.people['programme']}/")
        .content.decode()
    )
    assert "Your place in this programme" in body and "Cohort A" in body and "Feedback that lands" in body
    assert "Seats taken" not in body and "Cohort B" not in body and "Edit" not in body


def test_a_coach_sees_only_the_programmes_they_coach_in(world, client_for, in_tenant):
    with in_tenant(world.acme):
        Programme.objects.create(name="Someone else's", starts_on=date(2026, 1, 1), ends_on=date(2026, 2, 1))
    body = client_for(world.acme.coach, world.acme.host).get("/programmes/").content.decode()
    assert "Leadership in practice" in body and "Someone else" not in body

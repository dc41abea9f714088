"""Choosing a coach: the ranking, suggestions from the pool, chemistry calls, choosing within capacity,
rematch, the pool as HR sees it, and the coach's profile."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from django_tenants.utils import schema_context
from PIL import Image

from assessments.models.journal import AccessLogEntry, Reflection
from coaches.models import CoachProfile
from coaches.services import PHOTO_SIDE, profile_update
from matching import services
from matching.models import ChemistryCall, Intake, PoolMember, Rematch
from matching.ranking import Candidate, rank, reasons_text
from programmes.availability.models import Slot
from programmes.models import Cohort, CreditTransaction, Enrolment
from programmes.services.sessions import SessionRefused
from reports import disclosure
from tests.world import user_ensure
from tests.world.matching import profile_ensure
from tests.world.sessions import at, free_slot

INTAKE = {"focus": ["career", "leadership"], "language": "en", "mode": "video", "city": "", "times": ["morning"]}


def candidate(coach_id, **fields) -> Candidate:
    values = {
        "name": f"Coach {coach_id}",
        "languages": ["en"],
        "specialisms": [],
        "modes": ["video"],
        "city": "",
        "places_left": 1,
        "free_times": 0,
    }
    return Candidate(coach_id=coach_id, **{**values, **fields})


# --- the ranking ---------------------------------------------------------------------------------------


def test_language_mode_city_and_room_are_requirements_not_points():
    ranked = rank(
        [
            candidate(1, languages=["nl"]),
            candidate(2, modes=["phone"]),
            candidate(3, places_left=0, specialisms=["career"]),
            candidate(4, modes=["in_person"], city="Utrecht"),
            candidate(5),
        ],
        focus=["career"],
        language="en",
        mode="video",
        city="",
    )
    assert [row.coach_id for row in ranked] == [5]
    in_person = rank(
        [candidate(4, modes=["in_person"], city=" utrecht"), candidate(6, modes=["in_person"], city="Delft")],
        focus=["career"],
        language="en",
        mode="in_person",
        city="Utrecht",
    )
    assert [row.coach_id for row in in_person] == [4]


def test_focus_free_times_and_room_add_up_to_the_score_and_at_most_three_are_suggested():
    ranked = rank(
        [
            candidate(1, specialisms=["career"], free_times=10, places_left=5),  # 2 + 3 + 2
            candidate(2, specialisms=["career", "leadership"], places_left=1),  # 4 + 0 + 1
            candidate(3, free_times=1, places_left=1),  # 0 + 1 + 1
            candidate(4, places_left=1),  # 0 + 0 + 1
        ],
        focus=["career", "leadership"],
        language="en",
        mode="video",
        city="",
    )
    assert [(row.coach_id, row.score) for row in ranked] == [(1, 7), (2, 5), (3, 2)]


def test_reasons_are_written_in_plain_words_in_both_languages():
    [row] = rank(
        [candidate(1, specialisms=["career"], free_times=2, places_left=3)],
        focus=["career"],
        language="en",
        mode="video",
        city="",
    )
    with translation.override("en"):
        english = reasons_text(row.reasons)
    with translation.override("nl"):
        dutch = reasons_text(row.reasons)
    assert "Specialises in career: what you want to work on" in english
    assert "2 free times that suit you in the next two weeks" in english
    assert "Room for 3 more coachees" in english
    assert english != dutch and all(dutch)


# --- suggestions, chemistry calls, choosing ---------------------------------------------------------


def test_suggestions_come_from_the_accepted_pool_ranked_with_reasons(world, in_tenant, chooser):
    user, enrolment, me = chooser
    profile_ensure(world.acme.coach, specialisms=["career"], capacity=4)
    profile_ensure(world.coach_both, specialisms=["career", "leadership"], capacity=4)
    with in_tenant(world.acme):
        intake = services.intake_submit(actor=me, enrolment=enrolment, **INTAKE)
        rows = list(intake.suggestions.order_by("rank").values_list("coach_id", "score"))
        # coach of both: 4 for two focus areas, 2 for room; the organisation's coach: 2 + 2.
        assert rows[0] == (world.coach_both.pk, 6)
        assert rows[1][0] == world.acme.coach.pk
        PoolMember.objects.filter(coach=world.coach_both).update(status=PoolMember.Status.DECLINED)
        again = services.intake_submit(actor=me, enrolment=enrolment, **INTAKE)
        assert list(again.suggestions.values_list("coach_id", flat=True)) == [world.acme.coach.pk]
        assert Intake.objects.filter(enrolment=enrolment, closed_at__isnull=True).count() == 1


def test_a_bad_intake_names_what_is_wrong_and_writes_nothing(world, in_tenant, chooser):
    user, enrolment, me = chooser
    with in_tenant(world.acme):
        with pytest.raises(ValidationError) as refused:
            services.intake_submit(
                actor=me, enrolment=enrolment, focus=[], language="xx", mode="in_person", city="", times=[]
            )
        assert set(refused.value.message_dict) == {"focus", "language", "city", "times"}
        assert not Intake.objects.filter(enrolment=enrolment).exists()


def test_a_chemistry_call_takes_twenty_minutes_of_the_slot_and_no_credit(world, in_tenant, chooser):
    user, enrolment, me = chooser
    with schema_context("public"):
        slot = free_slot(world.acme.coach, at(3, 9))
    with in_tenant(world.acme):
        intake = services.intake_submit(actor=me, enrolment=enrolment, **INTAKE)
        suggestion = intake.suggestions.get(coach=world.acme.coach)
        session = services.chemistry_book(actor=me, suggestion=suggestion, slot_id=slot.pk)
        assert session.duration_minutes == 20 and session.coach_id == world.acme.coach.pk
        assert ChemistryCall.objects.filter(session=session, intake=intake).exists()
        assert not CreditTransaction.objects.filter(enrolment=enrolment).exists()
        rest = Slot.objects.get(coach=world.acme.coach, starts_at=slot.starts_at + timedelta(minutes=20))
        assert rest.ends_at == slot.ends_at and not rest.is_booked
        assert list(rest.organisations.all()) == list(slot.organisations.all())
        with pytest.raises(SessionRefused) as again:
            services.chemistry_book(actor=me, suggestion=suggestion, slot_id=rest.pk)
        assert again.value.code == "already_booked"


def test_choosing_makes_the_coach_theirs_and_a_full_coach_is_refused(world, in_tenant, chooser):
    user, enrolment, me = chooser
    with in_tenant(world.acme):
        intake = services.intake_submit(actor=me, enrolment=enrolment, **INTAKE)
        suggestion = intake.suggestions.get(coach=world.acme.coach)
        # The coach's coachees in both organisations count; none is named.
        used = services.selectors.coachees_counts([world.acme.coach.pk])[world.acme.coach.pk]
    profile_ensure(world.acme.coach, capacity=used)
    with in_tenant(world.acme):
        with pytest.raises(SessionRefused) as full:
            services.coach_choose(actor=me, suggestion=suggestion)
        assert full.value.code == "coach_full"
    profile_ensure(world.acme.coach, capacity=used + 1)
    with in_tenant(world.acme):
        services.coach_choose(actor=me, suggestion=suggestion)
        enrolment.refresh_from_db()
        assert enrolment.coach_id == world.acme.coach.pk
        assert Intake.objects.get(pk=intake.pk).closed_at is not None


def test_an_employee_cannot_choose_on_someone_elses_suggestion(world, client_for):
    suggestion = world.acme.people["suggestion"]
    client = client_for(world.acme.employee2, world.acme.host)
    assert client.post(f"/api/v1/suggestions/{suggestion}/choose/").status_code == 404


# --- rematch -------------------------------------------------------------------------------------------


def test_after_a_rematch_the_former_coach_reads_nothing_more_and_the_access_log_shows_it(
    world, in_tenant, chooser, client_for
):
    user, enrolment, me = chooser
    coach = world.acme.coach
    with in_tenant(world.acme):
        Enrolment.objects.filter(pk=enrolment.pk).update(coach=coach)
        enrolment.refresh_from_db()
        shared = Reflection.objects.create(
            employee=user, body="What I tell my coach", shared_with_coach=True, shared_at=timezone.now()
        )
    coach_client = client_for(coach, world.acme.host)
    assert coach_client.get(f"/reflections/{shared.pk}/").status_code == 200
    with in_tenant(world.acme):
        reads = AccessLogEntry.objects.filter(owner=user, reader=coach, kind="reflection", object_id=shared.pk)
        assert reads.count() == 1
    employee_client = client_for(user, world.acme.host)
    response = employee_client.post(f"/my-coach/{enrolment.pk}/rematch/", {"reason": "We do not click."})
    assert response.status_code == 302
    assert coach_client.get(f"/reflections/{shared.pk}/").status_code == 404
    assert coach_client.get(f"/api/v1/reflections/{shared.pk}/").status_code == 404
    with in_tenant(world.acme):
        assert reads.count() == 1, "the former coach's refused reads are not reads"
        rematch = Rematch.objects.get(enrolment=enrolment)
        assert rematch.former_coach_id == coach.pk and rematch.reason == "We do not click."
        enrolment.refresh_from_db()
        assert enrolment.coach_id is None
        # Their own content stays theirs.
        assert Reflection.objects.filter(pk=shared.pk, employee=user).exists()
    # The employee's access log shows the read from before the switch, and none since.
    log = employee_client.get("/me/access-log/")
    assert log.status_code == 200 and coach.get_full_name() in log.content.decode()
    # New suggestions leave the former coach out; a second change is refused.
    with in_tenant(world.acme):
        intake = services.intake_submit(actor=me, enrolment=enrolment, **INTAKE)
        assert coach.pk not in set(intake.suggestions.values_list("coach_id", flat=True))
        Enrolment.objects.filter(pk=enrolment.pk).update(coach=world.coach_both)
        enrolment.refresh_from_db()
        with pytest.raises(SessionRefused) as twice:
            services.rematch_start(actor=me, enrolment=enrolment, reason="Again")
        assert twice.value.code == "rematch_used"


def test_hr_sees_how_many_changed_coach_per_programme_only_from_enough_people(world, in_tenant, actor, settings):
    org = world.acme
    with in_tenant(org):
        programme_id = org.people["programme"]
        cohort = Cohort.objects.create(programme_id=programme_id, name="Rematch cohort")
        for number in range(settings.MIN_AGGREGATE_GROUP_SIZE):
            person = user_ensure(f"rematch{number}@acme.test", "Re", str(number))
            enrolment = Enrolment.objects.create(
                programme_id=programme_id, cohort=cohort, employee=person, status="active", credit_allowance=1
            )
            Rematch.objects.create(
                enrolment=enrolment, employee=person, former_coach=org.coach, reason=f"secret {number}"
            )
        disclosure.refresh(force=True)
        released = disclosure.released(actor=actor(org.hr, org), kinds=("rematches",)).by("rematches", "programme_id")
        assert released[programme_id].contributors == settings.MIN_AGGREGATE_GROUP_SIZE
        Rematch.objects.filter(enrolment__cohort=cohort).first().delete()
        Enrolment.objects.filter(cohort=cohort).exclude(pk__in=Rematch.objects.values("enrolment_id")).delete()
        disclosure.refresh(force=True)
        again = disclosure.released(actor=actor(org.hr, org), kinds=("rematches",)).by("rematches", "programme_id")
        assert programme_id not in again


# --- the pool as HR sees it --------------------------------------------------------------------------


def test_hr_sees_each_pool_coachs_room_as_numbers_never_their_other_organisations(world, client_for, in_tenant):
    profile_ensure(world.coach_both, capacity=9)
    page = client_for(world.acme.hr, world.acme.host).get("/pool/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Globex" not in text and "globex" not in text
    rows = client_for(world.acme.hr, world.acme.host).get("/api/v1/pool/").json()
    both = next(row for row in rows if row["coach"]["id"] == world.coach_both.pk)
    # The coach of both coaches people in each organisation: all of them count, wherever they are.
    coached = 0
    for org in (world.acme, world.globex):
        with in_tenant(org):
            coached += Enrolment.objects.filter(coach=world.coach_both, status__in=("invited", "active")).count()
    assert coached >= 2
    assert both["room"] == {"capacity": 9, "used": coached, "left": max(9 - coached, 0)}
    assert set(both) == {"id", "coach", "programme", "status", "invited_at", "answered_at", "room"}


def test_hr_can_ask_only_the_organisations_own_coaches_into_the_pool(world, client_for):
    client = client_for(world.acme.hr, world.acme.host)
    response = client.post("/api/v1/pool/", {"coach": world.globex.coach.pk}, content_type="application/json")
    assert response.status_code == 400 and "coach" in response.json()


def test_a_coach_decides_per_organisation_and_only_an_accepted_profile_is_shown(world, client_for, in_tenant):
    with in_tenant(world.acme):
        PoolMember.objects.filter(coach=world.acme.coach).update(status=PoolMember.Status.DECLINED)
    employee = client_for(world.acme.employee, world.acme.host)
    assert employee.get(f"/pool/coaches/{world.acme.coach.pk}/photo").status_code == 404
    coach = client_for(world.acme.coach, world.acme.host)
    assert coach.post(f"/pool/{world.acme.people['pool_own']}/answer/", {"answer": "accept"}).status_code == 302
    answer = employee.get(f"/pool/coaches/{world.acme.coach.pk}/photo")
    assert answer.status_code == 200 and answer["Content-Type"] == "image/jpeg"
    assert "no-store" in answer["Cache-Control"]


# --- the coach's profile ----------------------------------------------------------------------------


def _image(size=(1600, 1200), fmt="PNG") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 10, 10)).save(out, format=fmt)
    return SimpleUploadedFile(f"me.{fmt.lower()}", out.getvalue(), content_type=f"image/{fmt.lower()}")


def test_a_photo_is_stored_resized_as_a_new_jpeg(world, actor):
    profile = profile_update(actor=actor(world.coach_both), photo=_image(), languages=["nl"])
    with Image.open(io.BytesIO(bytes(profile.photo))) as stored:
        assert stored.format == "JPEG" and max(stored.size) == PHOTO_SIDE
    assert CoachProfile.objects.get(coach=world.coach_both).languages == ["nl"]


def test_a_bad_profile_names_the_field_and_changes_nothing(world, actor):
    before = CoachProfile.objects.get(coach=world.coach_both)
    fake = SimpleUploadedFile("me.png", b"not an image at all", content_type="image/png")
    with pytest.raises(ValidationError) as refused:
        profile_update(actor=actor(world.coach_both), photo=fake, capacity=3)
    assert "photo" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        profile_update(actor=actor(world.coach_both), modes=["in_person"], city="", time_zone="Mars/Olympus")
    assert set(refused.value.message_dict) & {"time_zone", "city"}
    after = CoachProfile.objects.get(coach=world.coach_both)
    assert (after.capacity, after.modes, bytes(after.photo)) == (before.capacity, before.modes, bytes(before.photo))


def test_only_coaches_have_a_profile_page(world, client_for):
    assert client_for(world.acme.employee, "localhost").get("/coach/profile/").status_code == 404
    page = client_for(world.coach_both, "localhost").get("/coach/profile/")
    assert page.status_code == 200 and "Coach for leaders" in page.content.decode()

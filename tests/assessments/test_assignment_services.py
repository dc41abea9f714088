"""Scheduling assessments in programme phases, answering, submitting, releasing and reminders."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from assessments.models import Answer, Assignment, InstrumentVersion, PhaseAssessment, Question, Score
from assessments.services import assignments as services
from assessments.services.assignments import AnswerInput
from assessments.tasks import assessment_reminders
from programmes.models import Enrolment, Phase
from tenants.models import Membership, Role, User
from tests.world.assessments import answer_all


@pytest.fixture
def hr(world, actor):
    return actor(world.acme.hr, world.acme)


@pytest.fixture
def me(world, actor):
    return actor(world.acme.employee, world.acme)


def check_in_version():
    return InstrumentVersion.objects.get(instrument__key="session-check-in", is_latest=True)


def schedule_check_in(world, hr, moment="midpoint", opens=0, due=7):
    today = timezone.localdate()
    phase = Phase.objects.filter(programme_id=world.acme.people["programme"], kind="individual").first()
    return services.phase_assessment_schedule(
        actor=hr,
        phase=phase,
        version=check_in_version(),
        moment=moment,
        opens_on=today + timedelta(days=opens),
        due_on=today + timedelta(days=due),
    )


def mine(world, scheduled, who="employee"):
    return Assignment.objects.get(phase_assessment=scheduled, employee=getattr(world.acme, who))


def test_scheduling_gives_everyone_enrolled_an_assessment_and_freezes_the_version(world, hr, in_tenant):
    with in_tenant(world.acme):
        Enrolment.objects.filter(pk=world.acme.people["enrolment2"]).update(status=Enrolment.Status.WITHDRAWN)
        scheduled = schedule_check_in(world, hr)
        assert list(scheduled.assignments.values_list("employee_id", flat=True)) == [world.acme.employee.pk]
        assert check_in_version().is_frozen
        assert scheduled.programme_id == world.acme.people["programme"]


def test_only_hr_schedules(world, me, in_tenant):
    with in_tenant(world.acme), pytest.raises(Http404):
        schedule_check_in(world, me)


@pytest.mark.parametrize("change, field", [({"due": -1}, "due_on"), ({"moment": "later"}, "moment")])
def test_a_bad_schedule_is_refused_naming_the_field(world, hr, in_tenant, change, field):
    with in_tenant(world.acme):
        with pytest.raises(ValidationError) as raised:
            schedule_check_in(world, hr, **change)
        assert field in raised.value.message_dict
        assert not PhaseAssessment.objects.filter(version=check_in_version()).exists()
        assert not check_in_version().is_frozen


def test_the_same_moment_of_an_instrument_is_scheduled_once_per_programme(world, hr, in_tenant):
    with in_tenant(world.acme):
        schedule_check_in(world, hr)
        with pytest.raises(ValidationError, match="already has a midpoint assessment"):
            schedule_check_in(world, hr)


def test_people_enrolled_later_get_theirs_and_syncing_twice_adds_nobody(world, hr, in_tenant):
    with in_tenant(world.acme):
        scheduled = schedule_check_in(world, hr)
        newcomer = User.objects.create_user(email="late@acme.test", password=None, first_name="Lia")
        Membership.objects.create(user=newcomer, organisation=world.acme.organisation, role=Role.EMPLOYEE)
        Enrolment.objects.create(
            programme_id=scheduled.programme_id,
            cohort_id=world.acme.people["cohort_a"],
            employee=newcomer,
            credit_allowance=6,
            status=Enrolment.Status.INVITED,
        )
        assert services.assignments_sync(phase_assessment=scheduled) == 1
        assert services.assignments_sync(phase_assessment=scheduled) == 0
        assert scheduled.assignments.filter(employee=newcomer).exists()


def test_answers_are_saved_and_replaced(world, hr, me, in_tenant):
    with in_tenant(world.acme):
        assignment = mine(world, schedule_check_in(world, hr))
        feel, stand, note = Question.objects.filter(version=assignment.version).order_by("position")
        services.answers_save(actor=me, assignment=assignment, answers=[AnswerInput(feel.pk, value=3)])
        services.answers_save(
            actor=me,
            assignment=assignment,
            answers=[AnswerInput(feel.pk, value=8), AnswerInput(note.pk, text="Tired, but hopeful.")],
        )
        answers = dict(assignment.answers.values_list("question_id", "value"))
        assert answers == {feel.pk: 8, note.pk: None}
        assignment.refresh_from_db()
        assert assignment.started_at and assignment.last_saved_at


def test_an_empty_answer_clears_it(world, hr, me, in_tenant):
    with in_tenant(world.acme):
        assignment = mine(world, schedule_check_in(world, hr))
        note = Question.objects.get(version=assignment.version, kind="text")
        services.answers_save(actor=me, assignment=assignment, answers=[AnswerInput(note.pk, text="Hi")])
        services.answers_save(actor=me, assignment=assignment, answers=[AnswerInput(note.pk, text="  ")])
        assert not assignment.answers.exists()


@pytest.mark.parametrize("value", [0, 11, "seven", True])
def test_one_wrong_answer_saves_none_and_names_the_question(world, hr, me, in_tenant, value):
    with in_tenant(world.acme):
        assignment = mine(world, schedule_check_in(world, hr))
        feel, stand, _note = Question.objects.filter(version=assignment.version).order_by("position")
        with pytest.raises(ValidationError, match="Question 2: choose a whole number from 1 to 10"):
            services.answers_save(
                actor=me,
                assignment=assignment,
                answers=[AnswerInput(feel.pk, value=5), AnswerInput(stand.pk, value=value)],
            )
        assert not assignment.answers.exists()


def test_a_question_of_another_instrument_is_refused(world, hr, me, in_tenant):
    with in_tenant(world.acme):
        assignment = mine(world, schedule_check_in(world, hr))
        foreign = Question.objects.exclude(version=assignment.version).first()
        with pytest.raises(ValidationError, match=f"not part of this assessment: {foreign.pk}"):
            services.answers_save(actor=me, assignment=assignment, answers=[AnswerInput(foreign.pk, value=1)])


def test_an_option_of_another_question_is_refused(world, hr, me, in_tenant):
    with in_tenant(world.acme):
        version = InstrumentVersion.objects.get(instrument__key="readiness-for-change")
        phase = Phase.objects.filter(programme_id=world.acme.people["programme"], kind="individual").first()
        today = timezone.localdate()
        scheduled = services.phase_assessment_schedule(
            actor=hr, phase=phase, version=version, moment="initial", opens_on=today, due_on=today
        )
        assignment = mine(world, scheduled)
        choice_question = Question.objects.get(version=version, kind="choice")
        stranger = Question.objects.filter(kind="choice").exclude(pk=choice_question.pk).first()
        wrong = (stranger.choices.first().pk if stranger else 0) or 999999
        with pytest.raises(ValidationError, match="choose one of its options"):
            services.answers_save(
                actor=me, assignment=assignment, answers=[AnswerInput(choice_question.pk, choice_id=wrong)]
            )


def test_nobody_else_answers_my_assessment(world, hr, actor, in_tenant):
    with in_tenant(world.acme):
        assignment = mine(world, schedule_check_in(world, hr))
        question = Question.objects.filter(version=assignment.version).first()
        other = actor(world.acme.employee2, world.acme)
        with pytest.raises(ValidationError, match="Only the person"):
            services.answers_save(actor=other, assignment=assignment, answers=[AnswerInput(question.pk, value=1)])


def test_an_assessment_not_yet_open_cannot_be_answered(world, hr, me, in_tenant):
    with in_tenant(world.acme):
        assignment = mine(world, schedule_check_in(world, hr, opens=2, due=9))
        question = Question.objects.filter(version=assignment.version).first()
        with pytest.raises(ValidationError, match="opens on"):
            services.answers_save(actor=me, assignment=assignment, answers=[AnswerInput(question.pk, value=1)])


def test_submitting_needs_every_required_answer_and_says_which_are_open(world, hr, me, in_tenant):
    with in_tenant(world.acme):
        assignment = mine(world, schedule_check_in(world, hr))
        feel = Question.objects.get(version=assignment.version, position=1)
        services.answers_save(actor=me, assignment=assignment, answers=[AnswerInput(feel.pk, value=10)])
        with pytest.raises(ValidationError, match="Still open: 2."):
            services.assignment_submit(actor=me, assignment=assignment)
        assignment.refresh_from_db()
        assert assignment.submitted_at is None and not Score.objects.filter(assignment=assignment).exists()


def test_submitting_scores_each_dimension_once_and_freezes_the_answers(world, hr, me, in_tenant):
    with in_tenant(world.acme):
        assignment = mine(world, schedule_check_in(world, hr))
        feel, stand, _note = Question.objects.filter(version=assignment.version).order_by("position")
        services.answers_save(
            actor=me, assignment=assignment, answers=[AnswerInput(feel.pk, value=10), AnswerInput(stand.pk, value=4)]
        )
        services.assignment_submit(actor=me, assignment=assignment)
        assert dict(Score.objects.filter(assignment=assignment).values_list("dimension_key", "value")) == {
            "feeling": 100.0,
            "standing": 33.3,
        }
        with pytest.raises(ValidationError, match="submitted"):
            services.answers_save(actor=me, assignment=assignment, answers=[AnswerInput(feel.pk, value=1)])
        with pytest.raises(ValidationError, match="submitted"):
            services.assignment_submit(actor=me, assignment=assignment)
        assert Answer.objects.get(assignment=assignment, question=feel).value == 10
        assert Score.objects.filter(assignment=assignment).count() == 2


def test_reverse_items_count_the_other_way_in_a_real_submission(world, hr, me, in_tenant):
    with in_tenant(world.acme):
        version = InstrumentVersion.objects.get(instrument__key="self-confidence-at-work")
        phase = Phase.objects.filter(programme_id=world.acme.people["programme"], kind="individual").first()
        today = timezone.localdate()
        scheduled = services.phase_assessment_schedule(
            actor=hr, phase=phase, version=version, moment="midpoint", opens_on=today, due_on=today
        )
        assignment = mine(world, scheduled)
        # Agree fully with everything: the reverse items then count as the lowest score.
        answer_all(me, assignment, value=5)
        services.assignment_submit(actor=me, assignment=assignment)
        # Each dimension: 2 or 3 plain items at 1.0 and 1 or 2 reverse items at 0.0.
        scores = dict(Score.objects.filter(assignment=assignment).values_list("dimension_key", "value"))
        assert scores == {"voice": 75.0, "capability": 50.0, "setbacks": 50.0, "boundaries": 75.0}


def test_results_can_wait_for_the_coach_who_releases_them(world, hr, me, actor, in_tenant):
    with in_tenant(world.acme):
        version = check_in_version()
        version.instrument.results_need_release = True
        version.instrument.save(update_fields=["results_need_release"])
        assignment = mine(world, schedule_check_in(world, hr))
        with pytest.raises(ValidationError, match="nothing to release"):
            services.assignment_release(actor=actor(world.acme.coach, world.acme), assignment=assignment)
        answer_all(me, assignment, value=6)
        services.assignment_submit(actor=me, assignment=assignment)
        assignment.refresh_from_db()
        assert assignment.release_required and not assignment.results_visible_to_employee
        with pytest.raises(ValidationError, match="coach"):
            services.assignment_release(actor=me, assignment=assignment)
        services.assignment_release(actor=actor(world.acme.coach, world.acme), assignment=assignment)
        assignment.refresh_from_db()
        assert assignment.results_visible_to_employee and assignment.released_by == world.acme.coach


def test_a_scheduled_assessment_nobody_started_can_be_withdrawn_and_the_version_thaws(world, hr, me, in_tenant):
    with in_tenant(world.acme):
        scheduled = schedule_check_in(world, hr)
        services.phase_assessment_cancel(actor=hr, phase_assessment=scheduled)
        assert not check_in_version().is_frozen
        scheduled = schedule_check_in(world, hr)
        answer_all(me, mine(world, scheduled))
        with pytest.raises(ValidationError, match="started answering"):
            services.phase_assessment_cancel(actor=hr, phase_assessment=scheduled)


def test_dates_can_move_but_not_backwards(world, hr, in_tenant):
    with in_tenant(world.acme):
        scheduled = schedule_check_in(world, hr)
        today = timezone.localdate()
        with pytest.raises(ValidationError) as raised:
            services.phase_assessment_update(
                actor=hr,
                phase_assessment=scheduled,
                opens_on=today,
                due_on=today - timedelta(days=1),
                reminder_days_before=2,
            )
        assert "due_on" in raised.value.message_dict
        services.phase_assessment_update(
            actor=hr,
            phase_assessment=scheduled,
            opens_on=today,
            due_on=today + timedelta(days=30),
            reminder_days_before=5,
        )
        scheduled.refresh_from_db()
        assert scheduled.due_on == today + timedelta(days=30) and scheduled.reminder_days_before == 5


# --- reminders --------------------------------------------------------------------------------------


def test_reminders_go_out_in_the_window_once_every_few_days_in_the_readers_language(world, hr, me, in_tenant):
    with in_tenant(world.acme):
        Assignment.objects.all().update(reminded_at=timezone.now())  # the world's own assessments are quiet
        scheduled = schedule_check_in(world, hr, due=10)  # reminder 3 days before
        now = timezone.now()
        User.objects.filter(pk=world.acme.employee2.pk).update(language="nl")
        organisation = world.acme.organisation
        assert services.reminders_send(organisation=organisation, now=now) == 0
        assert services.reminders_send(organisation=organisation, now=now + timedelta(days=7)) == 2
        by_address = {message.to[0]: message for message in mail.outbox}
        assert "Session check-in" in by_address[world.acme.employee.email].subject
        assert "Check-in voor de sessie" in by_address[world.acme.employee2.email].subject
        english = next(m for m in mail.outbox if m.to == [world.acme.employee.email])
        assert f"/assessments/{mine(world, scheduled).pk}/" in english.body and "is due on" in english.body
        assert services.reminders_send(organisation=organisation, now=now + timedelta(days=8)) == 0
        assert services.reminders_send(organisation=organisation, now=now + timedelta(days=10)) == 2


def test_overdue_assessments_are_reminded_and_handed_in_ones_are_not(world, hr, me, in_tenant):
    with in_tenant(world.acme):
        Assignment.objects.all().update(reminded_at=timezone.now())
        scheduled = schedule_check_in(world, hr, due=0)
        answer_all(me, mine(world, scheduled))
        services.assignment_submit(actor=me, assignment=mine(world, scheduled))
        later = timezone.now() + timedelta(days=services.REMIND_EVERY_DAYS)
        assert services.reminders_send(organisation=world.acme.organisation, now=later) == 1
        assert mail.outbox[0].to == [world.acme.employee2.email]
        assert "was due on" in mail.outbox[0].body
        reminded = mine(world, scheduled, "employee2").reminded_at
        too_late = timezone.now() + timedelta(days=services.REMIND_UNTIL_DAYS_LATE + 1)
        services.reminders_send(organisation=world.acme.organisation, now=too_late)
        assert mine(world, scheduled, "employee2").reminded_at == reminded


def test_the_reminder_task_runs_in_every_organisation(world, hr, in_tenant):

    with in_tenant(world.acme):
        Assignment.objects.all().update(reminded_at=None)
    with in_tenant(world.globex):
        Assignment.objects.all().update(reminded_at=None)
    assert assessment_reminders() >= 2
    recipients = {address for message in mail.outbox for address in message.to}
    # The world's final assessment is due in 14 days: nobody yet; the initial ones were handed in.
    assert world.acme.employee.email not in recipients

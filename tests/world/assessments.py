"""The assessments part of the test world, on top of the programmes part.

The built-in self-confidence instrument is scheduled as the initial assessment (both employees handed it
in, employee2's results wait for release) and as the final one (open). HR has its own instrument with a
dimension, a band and a question. Keys in `org.people` start with `a_`.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone
from django_tenants.utils import tenant_context

from assessments.models import Assignment, InstrumentVersion, PhaseAssessment, Question, Score
from assessments.services import assignments as assignment_services
from assessments.services import instruments as instrument_services
from portal import policy
from programmes.models import Enrolment, Phase

CUSTOM_TITLE = "World check-in"


_known: dict[str, dict] = {}


def assessment_schedule(phase: Phase, version, moment: str, *, opens_on: date, due_on: date) -> PhaseAssessment:
    """`version` scheduled as the `moment` assessment of `phase` (its programme and instrument already read)."""
    instrument, programme = version.instrument, phase.programme
    return PhaseAssessment.objects.create(
        programme=programme,
        phase=phase,
        instrument=instrument,
        version=version,
        moment=moment,
        opens_on=opens_on,
        due_on=due_on,
    )


def assessment_handed_in(
    scheduled: PhaseAssessment, enrolment: Enrolment, version, *, submitted_at, started_at=None
) -> Assignment:
    """The assessment of `enrolment`'s employee for `scheduled`, handed in at `submitted_at` (None: not)."""
    return Assignment.objects.create(
        phase_assessment=scheduled,
        enrolment=enrolment,
        employee_id=enrolment.employee_id,
        version=version,
        started_at=started_at,
        submitted_at=submitted_at,
    )


def scores_record(assignment: Assignment, dimensions: list, values: list[float]) -> None:
    """The handed-in `assignment`'s score on each of `dimensions` (four of four questions answered)."""
    Score.objects.bulk_create(
        Score(assignment=assignment, dimension=dimension, dimension_key=dimension.key, value=value, answered=4, items=4)
        for dimension, value in zip(dimensions, values, strict=True)
    )


def answer_all(actor: policy.Actor, assignment: Assignment, value: int = 4) -> None:
    """Answer every question of an assessment: scales with `value`, options with the first, text briefly."""
    given = []
    for question in Question.objects.filter(version_id=assignment.version_id).prefetch_related("choices"):
        if question.is_scale:
            given.append(assignment_services.AnswerInput(question.pk, value=min(value, question.scale_max)))
        elif question.kind == Question.Kind.CHOICE:
            given.append(assignment_services.AnswerInput(question.pk, choice_id=question.choices.all()[0].pk))
        else:
            given.append(assignment_services.AnswerInput(question.pk, text="Speak up earlier in meetings."))
    assignment_services.answers_save(actor=actor, assignment=assignment, answers=given)


def _build(org) -> dict:
    organisation = org.organisation
    hr = policy.actor_for(org.hr, organisation)
    builtin = InstrumentVersion.objects.get(instrument__key="self-confidence-at-work", is_latest=True)
    custom = InstrumentVersion.objects.filter(title_en=CUSTOM_TITLE).first()
    if custom is None:
        custom = instrument_services.instrument_create(actor=hr, title_en=CUSTOM_TITLE, title_nl="Wereldcheck")
        dimension = instrument_services.dimension_add(actor=hr, version=custom, name_en="Energy", name_nl="Energie")
        instrument_services.band_add(
            actor=hr,
            dimension=dimension,
            fields=instrument_services.BandFields(0, 49, "Low", "Laag", "Rest first.", "Eerst rust."),
        )
        instrument_services.question_add(
            actor=hr,
            version=custom,
            fields=instrument_services.QuestionFields(
                kind="likert5",
                text_en="I have energy for my work.",
                text_nl="Ik heb energie voor mijn werk.",
                dimension=dimension,
            ),
        )
    initial = PhaseAssessment.objects.filter(version=builtin, moment="initial").first()
    if initial is None:
        today = timezone.localdate()
        phases = Phase.objects.filter(programme_id=org.people["programme"]).order_by("position")
        initial = assignment_services.phase_assessment_schedule(
            actor=hr,
            phase=phases.first(),
            version=builtin,
            moment="initial",
            opens_on=today - timedelta(days=30),
            due_on=today - timedelta(days=10),
        )
        assignment_services.phase_assessment_schedule(
            actor=hr,
            phase=phases.last(),
            version=builtin,
            moment="final",
            opens_on=today - timedelta(days=1),
            due_on=today + timedelta(days=14),
        )
        for employee, value in ((org.employee, 4), (org.employee2, 2)):
            actor = policy.actor_for(employee, organisation)
            assignment = Assignment.objects.get(phase_assessment=initial, employee=employee)
            answer_all(actor, assignment, value)
            assignment_services.assignment_submit(actor=actor, assignment=assignment)
        # employee2's results wait for the coach's release.
        Assignment.objects.filter(phase_assessment=initial, employee=org.employee2).update(release_required=True)
    rows = Assignment.objects.filter(phase_assessment__version=builtin).values_list(
        "employee_id", "phase_assessment__moment", "pk"
    )
    assignments = {(employee_id, moment): pk for employee_id, moment, pk in rows}
    custom_question = custom.questions.first()
    dimension = custom.dimensions.first()
    return {
        "a_builtin": builtin.pk,
        "a_custom": custom.pk,
        "a_custom_instrument": custom.instrument_id,
        "a_dimension": dimension.pk,
        "a_band": dimension.bands.first().pk,
        "a_question": custom_question.pk,
        "a_initial": assignments[(org.employee.pk, "initial")],
        "a_final": assignments[(org.employee.pk, "final")],
        "a_initial2": assignments[(org.employee2.pk, "initial")],
        "a_scheduled": initial.pk,
        "a_final_question": builtin.questions.order_by("position").first().pk,
    }


def assessments_world(world) -> None:
    for org in (world.acme, world.globex):
        schema = org.organisation.schema_name
        if schema not in _known:
            with tenant_context(org.organisation):
                _known[schema] = _build(org)
        org.people.update(_known[schema])

"""Instruments, assignments and results in the access matrix, and their part of the test world.

The world (built on the programmes world: `employee` coached by the organisation's coach, `employee2` by
the coach of both): the built-in self-confidence instrument is scheduled as the initial assessment (both
employees handed it in, employee2's results wait for release) and as the final one (open). HR has its own
instrument with a dimension, a band and a question. Keys in `org.people` start with `a_`.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tenants.utils import tenant_context

from assessments.models import Assignment, InstrumentVersion, PhaseAssessment, Question
from assessments.services import assignments as assignment_services
from assessments.services import instruments as instrument_services
from portal import policy
from programmes.models import Phase
from tests.access import Case, api, only

CUSTOM_TITLE = "World check-in"
_known: dict[str, dict] = {}


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


def pk(key: str):
    return lambda world, org: {"pk": world.org(org).people[key]}


def person(attribute: str):
    return lambda world, org: {"user_pk": getattr(world.org(org), attribute).pk}


EDITORS = "coach hr coach_both"
JSON = "application/json"
QUESTION_DATA = {
    "new-kind": "likert5",
    "new-text_en": "I plan my week.",
    "new-text_nl": "Ik plan mijn week.",
    "new-required": "on",
}
BAND_DATA = {
    "lower": "50",
    "upper": "100",
    "label_en": "High",
    "label_nl": "Hoog",
    "text_en": "Keep going.",
    "text_nl": "Ga zo door.",
}

CASES = [
    # Instruments: HR and coaches; HR may change HR's instrument, a coach only their own.
    Case("instrument_list", only(EDITORS)),
    Case("instrument_create", only(EDITORS)),
    Case(
        "instrument_create",
        only(EDITORS, 302),
        method="post",
        data={"title_en": "Team climate", "title_nl": "Teamklimaat"},
    ),
    Case("instrument_detail", only(EDITORS), kwargs=pk("a_custom")),
    Case("instrument_detail", only(EDITORS), kwargs=pk("a_builtin")),
    Case("instrument_edit", only(EDITORS), kwargs=pk("a_custom")),
    Case(
        "instrument_edit",
        {**only(EDITORS), "hr": 302},
        method="post",
        kwargs=pk("a_custom"),
        data={"title_en": "Renamed", "title_nl": "Hernoemd"},
    ),
    Case("instrument_copy", only(EDITORS, 302), method="post", kwargs=pk("a_builtin")),
    Case("instrument_remove", only(EDITORS, 302), method="post", kwargs=pk("a_custom")),
    Case(
        "instrument_dimension_add",
        {**only(EDITORS, 400), "hr": 302},
        method="post",
        kwargs=pk("a_custom"),
        data={"name_en": "Focus", "name_nl": "Focus"},
    ),
    Case("instrument_dimension_edit", only(EDITORS), kwargs=pk("a_dimension")),
    Case("instrument_dimension_delete", only(EDITORS, 302), method="post", kwargs=pk("a_dimension")),
    Case(
        "instrument_band_add",
        {**only(EDITORS, 400), "hr": 302},
        method="post",
        kwargs=pk("a_dimension"),
        data=BAND_DATA,
    ),
    Case("instrument_band_edit", only(EDITORS), kwargs=pk("a_band")),
    Case("instrument_band_delete", only(EDITORS, 302), method="post", kwargs=pk("a_band")),
    Case(
        "instrument_question_add",
        {**only(EDITORS, 400), "hr": 302},
        method="post",
        kwargs=pk("a_custom"),
        data=QUESTION_DATA,
    ),
    Case("instrument_question_edit", only(EDITORS), kwargs=pk("a_question")),
    Case(
        "instrument_question_move", only(EDITORS, 302), method="post", kwargs=pk("a_question"), data={"direction": "up"}
    ),
    Case("instrument_question_delete", only(EDITORS, 302), method="post", kwargs=pk("a_question")),
    # The employee's own assessments
    Case("assignment_list", only("employee")),
    Case("assignment_answer", only("employee"), kwargs=pk("a_final")),
    Case("assignment_answer", only("employee", 302), method="post", kwargs=pk("a_final"), query="?step=1"),
    Case(
        "assignment_autosave",
        only("employee"),
        method="post",
        kwargs=pk("a_final"),
        data=lambda world, org: {f"q_{world.org(org).people['a_final_question']}": "3"},
    ),
    Case("assignment_submit", only("employee", 302), method="post", kwargs=pk("a_final")),
    Case("result_mine", only("employee")),
    # Results: the employee and their coach (employee2's coach is the coach of both)
    Case("assignment_result", only("employee coach"), kwargs=pk("a_initial")),
    Case("assignment_result", only("coach_both"), kwargs=pk("a_initial2")),
    Case("assignment_release", only("coach_both", 302), method="post", kwargs=pk("a_initial2")),
    Case("assignment_coaching", only("coach coach_both")),
    Case("result_coachee", only("coach"), kwargs=person("employee")),
    Case("result_coachee", only("coach_both"), kwargs=person("employee2")),
    # HR: scheduling, completion and group figures only
    Case("assignment_overview", only("hr")),
    Case("result_aggregate", only("hr"), kwargs=pk("a_scheduled")),
    Case("assignment_schedule", only("hr")),
    Case("assignment_schedule", only("hr"), method="post", data={"moment": "midpoint"}),
    Case("assignment_schedule_edit", only("hr"), kwargs=pk("a_scheduled")),
    Case("assignment_schedule_cancel", only("hr", 302), method="post", kwargs=pk("a_scheduled")),
    # API: every member's own list; the rest only on their own assessments
    Case("assignment-list", api("employee coach hr coach_both")),
    Case("assignment-detail", api("employee"), kwargs=pk("a_final")),
    Case("assignment-detail", api("employee"), kwargs=pk("a_initial")),
    Case(
        "assignment-answers",
        api("employee"),
        method="put",
        kwargs=pk("a_final"),
        content_type=JSON,
        data=lambda world, org: {"answers": [{"question": world.org(org).people["a_final_question"], "value": 3}]},
    ),
    Case("assignment-submit", api("employee", 400), method="post", kwargs=pk("a_final")),
    Case("assignment-result", api("employee"), kwargs=pk("a_initial")),
    # API: HR schedules; a coach reads and releases their coachees' results
    Case("scheduled-assessment-list", api("hr")),
    Case(
        "scheduled-assessment-list",
        api("hr", 201),
        method="post",
        content_type=JSON,
        data=lambda world, org: {
            "phase": world.org(org).people["phase"],
            "version": world.org(org).people["a_custom"],
            "moment": "midpoint",
            "opens_on": "2030-01-01",
            "due_on": "2030-01-15",
        },
    ),
    Case("scheduled-assessment-detail", api("hr"), kwargs=pk("a_scheduled")),
    Case(
        "scheduled-assessment-detail",
        api("hr"),
        method="put",
        kwargs=pk("a_scheduled"),
        content_type=JSON,
        data={"opens_on": "2030-01-01", "due_on": "2030-01-15"},
    ),
    Case("scheduled-assessment-detail", api("hr", 400), method="delete", kwargs=pk("a_scheduled")),
    Case("scheduled-assessment-results", api("hr"), kwargs=pk("a_scheduled")),
    Case("coachee-assignment-list", api("coach coach_both")),
    Case("coachee-assignment-detail", api("coach"), kwargs=pk("a_initial")),
    Case("coachee-assignment-result", api("coach_both"), kwargs=pk("a_initial2")),
    Case("coachee-assignment-release", api("coach_both"), method="post", kwargs=pk("a_initial2")),
    Case("instrument-list", api(EDITORS)),
    Case("instrument-detail", api(EDITORS), kwargs=pk("a_builtin")),
    # The builder's writes: HR may change HR's instrument; a coach is refused (400) on it; built-ins stay
    Case(
        "instrument-list",
        api(EDITORS, 201),
        method="post",
        content_type=JSON,
        data={"title_en": "Team climate", "title_nl": "Teamklimaat"},
    ),
    Case(
        "instrument-detail",
        {**api(EDITORS, 400), "hr": 200},
        method="put",
        kwargs=pk("a_custom"),
        content_type=JSON,
        data={"title_en": "Renamed", "title_nl": "Hernoemd"},
    ),
    Case("instrument-detail", {**api(EDITORS, 400), "hr": 200}, method="delete", kwargs=pk("a_custom")),
    Case("instrument-copy", api(EDITORS, 201), method="post", kwargs=pk("a_builtin")),
    Case(
        "instrument-dimensions",
        {**api(EDITORS, 400), "hr": 201},
        method="post",
        kwargs=pk("a_custom"),
        content_type=JSON,
        data={"name_en": "Focus", "name_nl": "Focus"},
    ),
    Case(
        "instrument-questions",
        {**api(EDITORS, 400), "hr": 201},
        method="post",
        kwargs=pk("a_custom"),
        content_type=JSON,
        data={"kind": "likert5", "text_en": "I plan my week.", "text_nl": "Ik plan mijn week."},
    ),
    Case(
        "instrument-dimension-detail",
        {**api(EDITORS, 400), "hr": 200},
        method="put",
        kwargs=pk("a_dimension"),
        content_type=JSON,
        data={"name_en": "Energy", "name_nl": "Energie"},
    ),
    Case("instrument-dimension-detail", api(EDITORS, 400), method="delete", kwargs=pk("a_dimension")),
    Case(
        "instrument-dimension-bands",
        {**api(EDITORS, 400), "hr": 201},
        method="post",
        kwargs=pk("a_dimension"),
        content_type=JSON,
        data={"lower": 50, "upper": 100, "label_en": "High", "label_nl": "Hoog", "text_en": "Go.", "text_nl": "Ga."},
    ),
    Case(
        "instrument-band-detail",
        {**api(EDITORS, 400), "hr": 200},
        method="put",
        kwargs=pk("a_band"),
        content_type=JSON,
        data={"lower": 0, "upper": 40, "label_en": "Low", "label_nl": "Laag", "text_en": "Rest.", "text_nl": "Rust."},
    ),
    Case("instrument-band-detail", {**api(EDITORS, 400), "hr": 200}, method="delete", kwargs=pk("a_band")),
    Case(
        "instrument-question-detail",
        {**api(EDITORS, 400), "hr": 200},
        method="put",
        kwargs=pk("a_question"),
        content_type=JSON,
        data={"kind": "likert5", "text_en": "I rest.", "text_nl": "Ik rust."},
    ),
    Case("instrument-question-detail", {**api(EDITORS, 400), "hr": 200}, method="delete", kwargs=pk("a_question")),
    Case(
        "instrument-question-move",
        {**api(EDITORS, 400), "hr": 200},
        method="post",
        kwargs=pk("a_question"),
        content_type=JSON,
        data={"direction": "up"},
    ),
]

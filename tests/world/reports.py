"""The reports part of the test world, made on demand: a programme with enough people for aggregates.

`build(org, people=...)` runs inside the organisation's schema (`with in_tenant(org):`) and creates a
programme with two cohorts, employees in two departments, past group and 1:1 sessions with attendance and
credits, initial and final assessments with scores (and a text answer), session feedback, reflections
(private and shared), goals with actions and check-ins, the coach's feedback, notes and summaries and an
urgent request. Every piece of coaching content holds a canary: a string unique to its person and kind,
so a test can search any output for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from assessments.models import (
    ActionItem,
    Answer,
    CheckIn,
    CoachFeedback,
    Goal,
    Instrument,
    Question,
    Reflection,
    SessionFeedback,
    SessionNote,
    SessionSummary,
)
from programmes.models import (
    Attendance,
    Cohort,
    CreditTransaction,
    Enrolment,
    Phase,
    Programme,
    Session,
    UrgentRequest,
)
from programmes.services.attendance_counts import attendance_counts_refresh
from tenants.models import User
from tests.world import employee_ensure, user_ensure
from tests.world.assessments import assessment_handed_in, assessment_schedule, scores_record
from tests.world.programmes import enrol

CONTENT_KINDS = (
    "answer",
    "reflection-private",
    "reflection-shared",
    "goal",
    "goal-why",
    "check-in",
    "feedback",
    "coach-feedback",
    "note",
    "summary",
    "urgent",
)


@dataclass
class Person:
    user: User
    enrolment: Enrolment
    canaries: dict[str, str] = field(default_factory=dict)
    private_reflection: Reflection | None = None
    shared_reflection: Reflection | None = None
    goal: Goal | None = None


@dataclass
class Built:
    programme: Programme
    cohorts: list[Cohort]
    people: list[Person]
    instrument: Instrument
    dimension_keys: list[str]

    def person(self, user) -> Person:
        return next(person for person in self.people if person.user.pk == user.pk)


def canary(tag: str, index: int, kind: str) -> str:
    return f"CANARY{tag}x{index}x{kind.replace('-', '')}Z"


def build(
    org,
    *,
    people: int = 6,
    tag: str = "R",
    employees: list[User] | None = None,
    name: str | None = None,
    departments: tuple[str, ...] = ("Sales", "Operations"),
    change: float = 12.0,
) -> Built:
    """A programme in the current schema; `employees` (e.g. the world's) come first, then new people."""
    today = timezone.localdate()
    now = timezone.now()
    programme = Programme.objects.create(
        name=name or f"Reports programme {tag}",
        starts_on=today - timedelta(days=120),
        ends_on=today + timedelta(days=60),
        status=Programme.Status.ACTIVE,
        default_credits=6,
        created_by=org.hr,
    )
    intake = Phase.objects.create(programme=programme, position=1, kind=Phase.Kind.INTAKE, name="Intake")
    final = Phase.objects.create(programme=programme, position=2, kind=Phase.Kind.FINAL, name="Final")
    cohorts = [Cohort.objects.create(programme=programme, name=f"Cohort {letter}", capacity=50) for letter in "AB"]
    for cohort in cohorts:
        cohort.coaches.set([org.coach])
    instrument = Instrument.objects.get(key="self-confidence-at-work")
    version = instrument.versions.get(is_latest=True)
    dimensions = list(version.dimensions.order_by("position"))
    text_question = Question.objects.filter(version=version, kind="text").first()
    moments = {}
    for moment, phase, due in (
        ("initial", intake, today - timedelta(days=90)),
        ("final", final, today - timedelta(days=5)),
    ):
        moments[moment] = assessment_schedule(phase, version, moment, opens_on=due - timedelta(days=14), due_on=due)
    users = list(employees or [])
    slug = org.organisation.slug
    for index in range(len(users), people):
        users.append(user_ensure(f"reports-{tag.lower()}-{index}@{slug}.test", f"Person{tag}{index}", f"Sample{tag}"))
    built_people = []
    group_sessions = []
    for cohort in cohorts:
        for week in (1, 2, 3):
            group_sessions.append(
                Session.objects.create(
                    kind=Session.Kind.GROUP,
                    cohort=cohort,
                    coach=org.coach,
                    title=f"Workshop {week} on feedback",
                    starts_at=now - timedelta(days=100 - week * 7),
                    status=Session.Status.COMPLETED,
                )
            )
    counted = [session.pk for session in group_sessions]  # the sessions whose attendance is written here
    for index, user in enumerate(users):
        employee_ensure(org, user, department=departments[index % len(departments)], job_title="Specialist")
        cohort = cohorts[index % 2]
        enrolment = enrol(user, cohort, coach=org.coach)
        person = Person(
            user=user, enrolment=enrolment, canaries={kind: canary(tag, index, kind) for kind in CONTENT_KINDS}
        )
        for session in group_sessions:
            if session.cohort_id == cohort.pk:
                status = Attendance.Status.ABSENT if (index + session.pk) % 5 == 0 else Attendance.Status.PRESENT
                Attendance.objects.create(
                    session=session, user=user, status=status, marked_at=session.starts_at, marked_by=org.coach
                )
        one_to_one = Session.objects.create(
            kind=Session.Kind.INDIVIDUAL,
            enrolment=enrolment,
            coach=org.coach,
            starts_at=now - timedelta(days=30 + index),
            duration_minutes=60,
            status=Session.Status.COMPLETED,
        )
        Attendance.objects.create(
            session=one_to_one,
            user=user,
            status=Attendance.Status.PRESENT,
            marked_at=one_to_one.starts_at,
            marked_by=org.coach,
        )
        CreditTransaction.objects.create(
            enrolment=enrolment, delta=-1, reason=CreditTransaction.Reason.BOOKING, session=one_to_one, by=user
        )
        for moment, scheduled in moments.items():
            assignment = assessment_handed_in(
                scheduled,
                enrolment,
                version,
                started_at=now - timedelta(days=80),
                submitted_at=now - timedelta(days=80 if moment == "initial" else 6),
            )
            values = []
            for position in range(len(dimensions)):
                base = 40 + (index * 7 + position * 5) % 30
                spread = (index * 37 + position * 11) % 21 - 10  # people change by different amounts
                values.append(min(base + (change + spread if moment == "final" else 0), 100.0))
            scores_record(assignment, dimensions, values)
            if text_question is not None:
                Answer.objects.create(
                    assignment=assignment,
                    question=text_question,
                    text=f"{person.canaries['answer']} {moment}",
                    saved_at=now,
                )
        SessionFeedback.objects.create(
            session=one_to_one, employee=user, rating=3 + index % 3, comment=person.canaries["feedback"]
        )
        CoachFeedback.objects.create(
            session=one_to_one, coach=org.coach, employee=user, body=person.canaries["coach-feedback"]
        )
        SessionNote.objects.create(session=one_to_one, author=org.coach, body=person.canaries["note"])
        SessionSummary.objects.create(session=one_to_one, author=org.coach, body=person.canaries["summary"])
        person.private_reflection = Reflection.objects.create(employee=user, body=person.canaries["reflection-private"])
        person.shared_reflection = Reflection.objects.create(
            employee=user, body=person.canaries["reflection-shared"], shared_with_coach=True, shared_at=now
        )
        person.goal = Goal.objects.create(
            employee=user,
            title=person.canaries["goal"],
            why=person.canaries["goal-why"],
            progress=(20 + index * 5) % 100,
            progress_shared_with_hr=index % 2 == 0,
        )
        ActionItem.objects.create(
            goal=person.goal, title=f"Step for {person.canaries['goal']}", due_on=today - timedelta(days=3)
        )
        CheckIn.objects.create(
            goal=person.goal, author=user, progress=person.goal.progress, note=person.canaries["check-in"]
        )
        UrgentRequest.objects.create(employee=user, coach=org.coach, message=person.canaries["urgent"])
        built_people.append(person)
        counted.append(one_to_one.pk)
    attendance_counts_refresh(session_ids=counted)
    return Built(
        programme=programme,
        cohorts=cohorts,
        people=built_people,
        instrument=instrument,
        dimension_keys=[dimension.key for dimension in dimensions],
    )


def all_canaries(built: Built) -> list[str]:
    return [value for person in built.people for value in person.canaries.values()]

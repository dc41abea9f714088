"""Demo content for assessments, run after the programmes demo (which enrols the 25 employees):

- the current programme: the initial "self-confidence at work" handed in by most people (a few are half
  way or have not started), "readiness for change" at the intake too, its results waiting for the coach's
  release for some; the midpoint open now and handed in by a handful;
- a pilot of the programme that ran last year with eight of the same people: their initial and final
  assessments, so their results show the change in the chart.

Answers are varied but believable: each person has a level per dimension, answers scatter around it,
reverse-scored items are answered the other way, and the final moves most levels up. Everything goes
through the same services as the pages. Idempotent: an organisation whose programme already has
scheduled assessments is left alone; without the programmes demo it does nothing.
"""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from django.utils import timezone

from assessments.models import Answer, Assignment, Instrument, InstrumentVersion, PhaseAssessment, Question
from assessments.services import assignments as services
from portal import policy
from programmes import demo as programmes_demo
from programmes.models import Cohort, Enrolment, Phase, Programme
from tenants import demo as people
from tenants.models import Organisation, User

PILOT_PEOPLE = range(1, 9)
MIDPOINT_DONE = range(2, 7)
HALF_WAY = {22}
READINESS_DONE = range(1, 16)
READINESS_RELEASED = range(1, 11)

CONTENT = {
    "en": {
        "pilot": "Leading with clarity – pilot 2025",
        "cohort": "Pilot group",
        "pilot_description": "The first run of the programme, with eight team leads and specialists.",
        "phases": [("intake", "Intake and initial assessment"), ("final", "Final assessment")],
        "texts": [
            "Say no to the extra requests that keep me from my own priorities.",
            "Give my view in the planning meeting before the decision is made.",
            "Ask for help earlier instead of working late to catch up.",
            "Take on the new routing project without waiting until I feel ready.",
            "Tell my manager what I need to do the job well.",
        ],
    },
    "nl": {
        "pilot": "Leidinggeven met helderheid – pilot 2025",
        "cohort": "Pilotgroep",
        "pilot_description": "De eerste editie van het traject, met acht teamleiders en specialisten.",
        "phases": [("intake", "Intake en nulmeting"), ("final", "Eindmeting")],
        "texts": [
            "Nee zeggen tegen extra verzoeken die me van mijn eigen prioriteiten afhouden.",
            "Mijn mening geven in het planningsoverleg voordat het besluit valt.",
            "Eerder om hulp vragen in plaats van overwerken om bij te blijven.",
            "Het nieuwe roosterproject oppakken zonder te wachten tot ik me er klaar voor voel.",
            "Tegen mijn leidinggevende zeggen wat ik nodig heb om mijn werk goed te doen.",
        ],
    },
}


def seed(organisation: Organisation) -> None:
    """Run in the organisation's schema (tenants.demo.seed_content)."""
    language = organisation.default_language if organisation.default_language in CONTENT else "en"
    programme_name = programmes_demo.CONTENT.get(language, programmes_demo.CONTENT["en"])["programme"]
    programme = Programme.objects.filter(name=programme_name).first()
    if programme is None or PhaseAssessment.objects.filter(programme=programme).exists():
        return
    spec = next(item for item in people.ORGANISATIONS if item["slug"] == organisation.slug)
    hr = policy.actor_for(User.objects.get(email=spec["hr"][0]), organisation)
    coach = policy.actor_for(User.objects.get(email=people.COACH[0]), organisation)
    staff = {
        number: User.objects.filter(email=f"{spec['employee_prefix']}{number}@{spec['domain']}").first()
        for number in range(1, people.EMPLOYEES_PER_ORGANISATION + 1)
    }
    texts = CONTENT[language]["texts"]
    _current(organisation, programme, hr, coach, staff, texts)
    _pilot(organisation, CONTENT[language], hr, coach, staff, texts)


def _current(organisation, programme, hr, coach, staff, texts) -> None:
    today = timezone.localdate()
    phases = {phase.kind: phase for phase in programme.phases.all()}
    confidence = _version("self-confidence-at-work")
    readiness = _version("readiness-for-change")
    Instrument.objects.filter(pk=readiness.instrument_id).update(results_need_release=True)
    start = programme.starts_on
    initial = services.phase_assessment_schedule(
        actor=hr,
        phase=phases["intake"],
        version=confidence,
        moment="initial",
        opens_on=start,
        due_on=start + timedelta(days=21),
    )
    ready = services.phase_assessment_schedule(
        actor=hr,
        phase=phases["intake"],
        version=readiness,
        moment="initial",
        opens_on=start,
        due_on=start + timedelta(days=21),
    )
    midpoint = services.phase_assessment_schedule(
        actor=hr,
        phase=phases.get("individual", phases["intake"]),
        version=confidence,
        moment="midpoint",
        opens_on=today - timedelta(days=5),
        due_on=today + timedelta(days=9),
    )
    for number, user in staff.items():
        if user is None:
            continue
        person = _Person(organisation, user, number)
        if number <= 20:
            person.hand_in(initial, texts, on=start + timedelta(days=2 + number % 12))
        elif number in HALF_WAY:
            person.half_way(initial)
        if number in READINESS_DONE:
            done = person.hand_in(ready, texts, on=start + timedelta(days=3 + number % 10))
            if done and number in READINESS_RELEASED:
                services.assignment_release(actor=coach, assignment=done)
        if number in MIDPOINT_DONE:
            person.hand_in(midpoint, texts, on=today - timedelta(days=4 - number % 4), growth=0.45)


def _pilot(organisation, content, hr, coach, staff, texts) -> None:
    """Last year's pilot: eight people, their initial and final assessments, the change between them."""
    today = timezone.localdate()
    starts_on, ends_on = today - timedelta(days=420), today - timedelta(days=240)
    programme = Programme.objects.create(
        name=content["pilot"],
        description=content["pilot_description"],
        starts_on=starts_on,
        ends_on=ends_on,
        status=Programme.Status.CLOSED,
        default_credits=6,
        created_by=hr.user,
    )
    for position, (kind, name) in enumerate(content["phases"], start=1):
        Phase.objects.create(
            programme=programme,
            position=position,
            kind=kind,
            name=name,
            starts_on=starts_on if kind == "intake" else ends_on - timedelta(days=14),
            ends_on=starts_on + timedelta(days=21) if kind == "intake" else ends_on,
        )
    cohort = Cohort.objects.create(programme=programme, name=content["cohort"], capacity=10, starts_on=starts_on)
    cohort.coaches.set([coach.user])
    for number in PILOT_PEOPLE:
        if staff.get(number) is not None:
            Enrolment.objects.create(
                programme=programme,
                cohort=cohort,
                employee=staff[number],
                coach=coach.user,
                status=Enrolment.Status.COMPLETED,
                credit_allowance=6,
                status_changed_by=hr.user,
            )
    phases = {phase.kind: phase for phase in programme.phases.all()}
    confidence = _version("self-confidence-at-work")
    initial = services.phase_assessment_schedule(
        actor=hr,
        phase=phases["intake"],
        version=confidence,
        moment="initial",
        opens_on=starts_on,
        due_on=starts_on + timedelta(days=21),
    )
    final = services.phase_assessment_schedule(
        actor=hr,
        phase=phases["final"],
        version=confidence,
        moment="final",
        opens_on=ends_on - timedelta(days=14),
        due_on=ends_on,
    )
    for number in PILOT_PEOPLE:
        if staff.get(number) is None:
            continue
        person = _Person(organisation, staff[number], number, seed_offset=1000)
        person.hand_in(initial, texts, on=starts_on + timedelta(days=3 + number))
        # Most grow clearly; person 5 barely moves, which a real group has too.
        person.hand_in(final, texts, on=ends_on - timedelta(days=10 - number), growth=0.15 if number == 5 else 1.0)


def _version(key: str) -> InstrumentVersion:
    return InstrumentVersion.objects.get(instrument__key=key, is_latest=True)


class _Person:
    """One demo employee answering: a level per dimension, answers scattered around it."""

    def __init__(self, organisation, user, number: int, seed_offset: int = 0):
        self.actor = policy.actor_for(user, organisation)
        self.number = number
        self.random = random.Random(f"{organisation.slug}-{number}-{seed_offset}")
        self.levels: dict[int, float] = {}

    def level(self, dimension_id: int | None, growth: float) -> float:
        """Where this person stands on a dimension, 0 to 1, raised by `growth` times a personal gain."""
        if dimension_id not in self.levels:
            self.levels[dimension_id] = self.random.uniform(0.2, 0.7)
        gain = self.random.uniform(0.04, 0.22) * growth
        return min(self.levels[dimension_id] + gain, 0.95)

    def answers(self, assignment: Assignment, texts: list[str], growth: float, share: float = 1.0):
        given = []
        levels: dict[int | None, float] = {}
        questions = list(Question.objects.filter(version_id=assignment.version_id).prefetch_related("choices"))
        for question in questions[: max(1, int(len(questions) * share))]:
            if question.dimension_id not in levels:
                levels[question.dimension_id] = self.level(question.dimension_id, growth)
            wanted = levels[question.dimension_id]
            if question.is_scale:
                fraction = min(max(wanted + self.random.gauss(0, 0.12), 0), 1)
                if question.reverse_scored:
                    fraction = 1 - fraction
                value = 1 + round(fraction * (question.scale_max - 1))
                given.append(services.AnswerInput(question.pk, value=value))
            elif question.kind == Question.Kind.CHOICE:
                choices = list(question.choices.all())
                given.append(services.AnswerInput(question.pk, choice_id=self.random.choice(choices).pk))
            elif self.random.random() < 0.7:
                given.append(services.AnswerInput(question.pk, text=texts[(self.number + len(given)) % len(texts)]))
        return given

    def hand_in(self, scheduled: PhaseAssessment, texts, *, on, growth: float = 0.0) -> Assignment | None:
        assignment = scheduled.assignments.filter(employee=self.actor.user).first()
        if assignment is None:
            return None
        services.answers_save(actor=self.actor, assignment=assignment, answers=self.answers(assignment, texts, growth))
        services.assignment_submit(actor=self.actor, assignment=assignment)
        moment = timezone.make_aware(datetime.combine(on, time(9 + self.number % 8, 5 * (self.number % 12))))
        Assignment.objects.filter(pk=assignment.pk).update(
            started_at=moment - timedelta(minutes=14), last_saved_at=moment, submitted_at=moment
        )
        Answer.objects.filter(assignment=assignment).update(saved_at=moment)
        return assignment

    def half_way(self, scheduled: PhaseAssessment) -> None:
        assignment = scheduled.assignments.filter(employee=self.actor.user).first()
        if assignment is not None:
            services.answers_save(
                actor=self.actor, assignment=assignment, answers=self.answers(assignment, [], 0.0, share=0.5)
            )

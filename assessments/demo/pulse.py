"""Demo pulses, run after the journal demo: eight weeks of how people feel, a pulse after most sessions
they took part in and one most weeks besides, slowly rising as the coaching goes on; some shared with the
coach, a few with a note. Every employee taking part in the journal demo gives them (so HR's average per
programme is released), employee 1 every week. Idempotent: a person with pulses is left alone.

Pulses go through the service as the people themselves; their dates are then moved back.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from assessments.demo.journal import QUIET, _number
from assessments.models.pulse import Pulse
from assessments.services import pulse as services
from portal import policy
from programmes.models import Attendance, Enrolment, Session
from tenants import demo as people
from tenants.models import Organisation

WEEKS = 8
NOTES = {
    "en": [
        "Tired after a long week, but the talk helped.",
        "More energy than last week.",
        "Nervous about Monday's meeting.",
        "Good week: I said what I wanted to say.",
        "",
        "",
    ],
    "nl": [
        "Moe na een lange week, maar het gesprek hielp.",
        "Meer energie dan vorige week.",
        "Zenuwachtig voor het overleg van maandag.",
        "Goede week: ik heb gezegd wat ik wilde zeggen.",
        "",
        "",
    ],
}


def _scale(value: float) -> int:
    return max(1, min(5, round(value)))


def seed(organisation: Organisation) -> None:
    """Run in the organisation's schema (tenants.demo.seed_content)."""
    spec = next((s for s in people.ORGANISATIONS if s["slug"] == organisation.slug), None)
    if spec is None:
        return
    notes = NOTES.get(organisation.default_language, NOTES["en"])
    given = set(Pulse.objects.values_list("employee_id", flat=True).distinct())
    enrolments = (
        Enrolment.objects.filter(status__in=[Enrolment.Status.ACTIVE, Enrolment.Status.COMPLETED])
        .exclude(employee_id__in=given)
        .select_related("employee")
        .order_by("employee_id", "-created_at")
    )
    seen: set[int] = set()
    for enrolment in enrolments:  # one (the newest) enrolment per person
        number = _number(enrolment.employee, spec)
        if number is None or number in QUIET or enrolment.employee_id in seen:
            continue
        seen.add(enrolment.employee_id)
        _pulses(organisation, enrolment, number, notes)


def _pulses(organisation: Organisation, enrolment: Enrolment, number: int, notes: list[str]) -> None:
    employee = policy.actor_for(enrolment.employee, organisation)
    now = timezone.now()
    attended = Session.objects.filter(
        starts_at__range=(now - timedelta(weeks=WEEKS), now - timedelta(hours=2)),
        attendances__user_id=enrolment.employee_id,
        attendances__status=Attendance.Status.PRESENT,
    ).exclude(status=Session.Status.CANCELLED)
    moments = [(session.starts_at + timedelta(hours=3), session) for session in attended.order_by("starts_at")]
    # One more most weeks (every week for employee 1, whose home shows the trend in the demo).
    moments += [
        (now - timedelta(weeks=week, days=number % 3, hours=number % 5), None)
        for week in range(WEEKS)
        if number == 1 or (week + number) % 4 != 0
    ]
    for index, (at, session) in enumerate(sorted(moments, key=lambda moment: moment[0])):
        weeks_ago = (now - at).days / 7
        growth = (WEEKS - weeks_ago) * 0.2  # slowly better as the weeks go by
        wobble = ((number + index) % 3 - 1) * 0.5
        try:
            pulse = services.pulse_create(
                actor=employee,
                feeling=_scale(2.6 + number % 2 * 0.4 + growth + wobble),
                energy=_scale(2.4 + growth - wobble),
                confidence=_scale(2.2 + number % 3 * 0.3 + growth * 1.2),
                note=notes[(number + index) % len(notes)],
                shared_with_coach=(number + index) % 3 != 0,
                session=session,
            )
        except ValidationError:  # a session the person no longer takes part in: that one is skipped
            continue
        Pulse.objects.filter(pk=pulse.pk).update(
            created_at=at, updated_at=at, shared_at=at if pulse.shared_at else None
        )

"""The coach's one page per coachee: everything about one enrolment the coach may see, read through the
policy piece by piece (sessions and attendance, what the coachee shared, the coach's own notes), in a
fixed number of queries however long the coaching has run: each list is bounded."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from assessments.models.journal import Goal, Reflection, SessionNote
from assessments.models.pulse import Pulse
from assessments.policies import coached_enrolment_ids
from assessments.selectors import journal as journal_selectors
from assessments.selectors import pulse as pulse_selectors
from portal import policy
from programmes.models import Attendance, Enrolment, Session

SHOWN = 10
PAST_SHOWN = 20


@dataclass
class CoacheePage:
    enrolment: Enrolment
    upcoming: list[Session]
    past: list[Session]
    attendance: dict[int, Attendance]  # session id -> the coachee's attendance
    reflections: list[Reflection]  # shared with the coach; their text is not loaded here
    goals: list[Goal]
    pulses: list[Pulse]  # shared with the coach, newest first, the trend's weeks
    weeks: list[pulse_selectors.Week]
    chart: SafeString | None
    notes: list[SessionNote]  # the coach's own private notes on this coachee's sessions

    @property
    def employee(self):
        return self.enrolment.employee


def coachee_enrolment(*, actor: policy.Actor, pk) -> Enrolment:
    """An enrolment the acting coach coaches (as its 1:1 coach or its cohort's), or the ordinary 404."""
    coach = policy.lens(actor, policy.COACH)
    policy.require(coach, policy.COACH)
    mine = Enrolment.objects.filter(pk__in=coached_enrolment_ids(coach)).exclude(employee_id=actor.user_id)
    return policy.get_or_404(coach, Enrolment, mine.select_related("employee", "programme", "cohort", "coach"), pk=pk)


def coachee_page(*, actor: policy.Actor, pk) -> CoacheePage:
    """Queries: 1 the enrolment, 2 coming sessions, 3 past sessions, 4 the coachee's attendance at them,
    5 reflections shared with me (no text), 6 goals with action counts, 7 shared pulses of the trend's
    weeks, 8 my private notes; reads of the coachee's content are logged by the policy as they go out."""
    enrolment = coachee_enrolment(actor=actor, pk=pk)
    coach = policy.lens(actor, policy.COACH)
    now = timezone.now()
    sessions = (
        policy.scope(coach, Session)
        .filter(Q(enrolment=enrolment) | Q(kind=Session.Kind.GROUP, cohort_id=enrolment.cohort_id))
        # The enrolment comes along: the policy reads it to decide who sees how to join a 1:1.
        .select_related("coach", "cohort", "enrolment")
    )
    upcoming = list(sessions.filter(starts_at__gte=now).order_by("starts_at", "pk")[:SHOWN])
    past = list(sessions.filter(starts_at__lt=now).order_by("-starts_at", "-pk")[:PAST_SHOWN])
    shown = [session.pk for session in upcoming + past]
    attendance = {
        row.session_id: row
        for row in policy.scope(coach, Attendance).filter(session_id__in=shown, user_id=enrolment.employee_id)
    }
    for session in upcoming + past:
        session.coachee_attendance = attendance.get(session.pk)
    employee_id = enrolment.employee_id
    reflections = list(journal_selectors.reflections_shared_with_me(actor=coach, employee_id=employee_id)[:SHOWN])
    goals = list(journal_selectors.goals_list(actor=coach, employee_id=employee_id)[:SHOWN])
    pulses = pulse_selectors.recent(pulse_selectors.shared_pulses(actor=coach, enrolment=enrolment))
    weeks = pulse_selectors.trend(pulses)
    notes = list(
        policy.scope(coach, SessionNote)
        .filter(
            Q(session__enrolment=enrolment)
            | Q(session__kind=Session.Kind.GROUP, session__cohort_id=enrolment.cohort_id)
        )
        .select_related("session")
        .order_by("-session__starts_at", "-pk")[:SHOWN]
    )
    name = enrolment.employee.get_full_name() or enrolment.employee.email
    return CoacheePage(
        enrolment=enrolment,
        upcoming=upcoming,
        past=past,
        attendance=attendance,
        reflections=reflections,
        goals=goals,
        pulses=pulses,
        weeks=weeks,
        chart=pulse_selectors.trend_chart(
            weeks,
            chart_id=f"pulse-{enrolment.pk}",
            title=_("Pulse %(name)s shared with you, per week, on a scale of 1 to 5") % {"name": name},
        ),
        notes=notes,
    )

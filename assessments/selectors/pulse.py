"""Reads of pulses, always through the policy: the employee's own, a coachee's shared ones, and the trend
per week that both draw as a chart (the session still waiting for a pulse is read with the journal's
follow-ups, `journal.after_sessions`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from assessments import charts
from assessments.models.pulse import SCALES, Pulse
from assessments.selectors.journal import follow_up_session
from portal import clock, policy
from portal.formats import local_date_format
from programmes.models import Enrolment, Session

TREND_WEEKS = 8


def scale_labels() -> dict[str, str]:
    return {"feeling": _("How I feel"), "energy": _("Energy"), "confidence": _("Confidence")}


def my_pulses(*, actor: policy.Actor) -> QuerySet[Pulse]:
    """The employee's own pulses, newest first (never a coachee's, whatever else the person is here)."""
    mine = policy.lens(actor, policy.EMPLOYEE)
    return (
        policy.scope(mine, Pulse)
        .filter(employee_id=actor.user_id)
        .select_related("session")
        .order_by("-created_at", "-pk")
    )


def my_recent_pulses(*, actor: policy.Actor, weeks: int = TREND_WEEKS) -> QuerySet[Pulse]:
    """The employee's own pulses of the trend's weeks and of up to six days before them (which `trend` leaves
    out): bounded by a day a fixed distance back from today, not by this week's Monday, so that the home
    can keep the read (portal.kept). Only for the person's own pulses: a coach reading those extra days
    would have pulses the trend does not show logged as read."""
    return my_pulses(actor=actor).filter(created_at__date__gte=clock.today() - timedelta(weeks=weeks))


def pulse_get(*, actor: policy.Actor, pk) -> Pulse:
    """One of the employee's own pulses, for a change."""
    return policy.get_or_404(actor, Pulse, Pulse.objects.filter(employee_id=actor.user_id), pk=pk)


def shared_pulses(*, actor: policy.Actor, enrolment: Enrolment) -> QuerySet[Pulse]:
    """A coachee's pulses shared with the acting coach in this enrolment (each one read is in their log)."""
    coach = policy.lens(actor, policy.COACH)
    return policy.scope(coach, Pulse).filter(enrolment=enrolment).exclude(employee_id=actor.user_id)


def since(weeks: int = TREND_WEEKS) -> date:
    """The Monday that starts the trend's first week."""
    today = clock.today()
    return today - timedelta(days=today.weekday(), weeks=weeks - 1)


def recent(pulses: QuerySet[Pulse], weeks: int = TREND_WEEKS) -> list[Pulse]:
    """The pulses of the trend's weeks (a bounded list, however long someone has been giving them)."""
    return list(pulses.filter(created_at__date__gte=since(weeks)))


@dataclass(frozen=True)
class Week:
    starts_on: date
    label: str
    count: int
    means: dict[str, float | None]


def trend(pulses: list[Pulse], weeks: int = TREND_WEEKS) -> list[Week]:
    """The mean of each scale per week, oldest week first; weeks without a pulse are left out."""
    by_week: dict[date, list[Pulse]] = {}
    for pulse in pulses:
        day = timezone.localtime(pulse.created_at).date()
        by_week.setdefault(day - timedelta(days=day.weekday()), []).append(pulse)
    first = since(weeks)
    return [
        Week(
            starts_on=monday,
            label=_("Week of %(day)s") % {"day": local_date_format(monday, "j M")},
            count=len(rows),
            means={scale: sum(getattr(p, scale) for p in rows) / len(rows) for scale in SCALES},
        )
        for monday, rows in sorted(by_week.items())
        if monday >= first
    ]


def trend_chart(weeks: list[Week], *, chart_id: str, title: str) -> SafeString | None:
    """The trend drawn with the assessments' chart: a row per week, a bar per scale (1–5); its description
    says every figure in words."""
    if not weeks:
        return None
    labels = scale_labels()
    series = [charts.Series(key, labels[scale]) for key, scale in zip(("initial", "midpoint", "final"), SCALES)]
    described = "; ".join(
        f"{week.label}: "
        + ", ".join(f"{labels[scale]} {week.means[scale]:.1f}" for scale in SCALES)
        + " "
        + ngettext("(%(count)s pulse)", "(%(count)s pulses)", week.count) % {"count": week.count}
        for week in weeks
    )
    return charts.scores_chart(
        chart_id=chart_id,
        title=title,
        description=described,
        series=series,
        rows=[charts.Row(week.label, tuple(week.means[scale] for scale in SCALES)) for week in weeks],
        no_score_label=_("no pulse"),
        scale=charts.PULSE_SCALE,
    )


def session_pulse(*, actor: policy.Actor, session: Session) -> Pulse | None:
    """The employee's own pulse for a session, if they gave one."""
    return my_pulses(actor=actor).filter(session=session).first()


def session_for_pulse(*, actor: policy.Actor, pk) -> Session:
    return follow_up_session(actor=actor, pk=pk)

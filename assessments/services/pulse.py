"""Writes for pulses: the employee gives one (after a session, at a check-in, or on its own) and shares it
with their coach or takes it back. Nobody else writes a pulse."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models.journal import CheckIn
from assessments.models.pulse import SCALES, Pulse
from assessments.selectors import journal as journal_selectors
from assessments.services.reflections import clean_text
from portal import policy
from programmes.models import Enrolment, Session

NOTE_LENGTH = 5_000


def _scale(value, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise ValidationError({field: _("Choose a number from 1 to 5.")})
    return value


def _enrolment_for(actor: policy.Actor, session: Session | None) -> Enrolment:
    """The enrolment a pulse belongs to: the session's (a 1:1's own, a group session's cohort), else the
    employee's current one."""
    own = Enrolment.objects.filter(employee_id=actor.user_id).exclude(status=Enrolment.Status.WITHDRAWN)
    if session is not None:
        own = own.filter(pk=session.enrolment_id) if session.enrolment_id else own.filter(cohort_id=session.cohort_id)
    enrolment = own.order_by("-programme__starts_on", "-pk").first()
    if enrolment is None:
        raise ValidationError(_("A pulse belongs to a programme you take part in, and you are in none here."))
    return enrolment


def _check_session(actor: policy.Actor, session: Session) -> None:
    if not journal_selectors.takes_part_in(actor=actor, session=session):
        raise ValidationError({"session": _("Choose one of your own sessions.")})
    if not journal_selectors.session_has_taken_place(session):
        raise ValidationError({"session": _("This session has not taken place yet.")})


def pulse_create(
    *,
    actor: policy.Actor,
    feeling: int,
    energy: int,
    confidence: int,
    note: str = "",
    shared_with_coach: bool = False,
    session: Session | None = None,
    check_in: CheckIn | None = None,
) -> Pulse:
    """The employee's pulse; one per session at most. Nothing is written when any part is refused."""
    policy.require(actor, policy.EMPLOYEE)
    values = {name: _scale(value, name) for name, value in zip(SCALES, (feeling, energy, confidence))}
    text = clean_text(note, field="note", required=False, max_length=NOTE_LENGTH)
    if session is not None:
        _check_session(actor, session)
    if check_in is not None and check_in.author_id != actor.user_id:
        raise ValidationError({"check_in": _("Choose one of your own check-ins.")})
    now = timezone.now()
    try:
        with transaction.atomic():
            return Pulse.objects.create(
                employee_id=actor.user_id,
                enrolment=_enrolment_for(actor, session),
                session=session,
                check_in=check_in,
                note=text,
                shared_with_coach=shared_with_coach,
                shared_at=now if shared_with_coach else None,
                created_at=now,
                **values,
            )
    except IntegrityError:
        raise ValidationError({"session": _("You already gave a pulse for this session.")}) from None


def pulse_share(*, actor: policy.Actor, pulse: Pulse, shared: bool) -> Pulse:
    """Share one pulse with the coach, or take it back (it then leaves the coach's view at once)."""
    if not actor.is_employee or pulse.employee_id != actor.user_id:
        raise PermissionDenied(_("Only the person who gave a pulse can share it."))
    if shared != pulse.shared_with_coach:
        pulse.shared_with_coach = shared
        pulse.shared_at = timezone.now() if shared else None
        pulse.save(update_fields=["shared_with_coach", "shared_at", "updated_at"])
    return pulse

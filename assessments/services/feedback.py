"""Writes for two-way feedback after a session: the employee's rating, the coach's feedback for them."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from assessments.models.journal import CoachFeedback, SessionFeedback
from assessments.selectors import journal as selectors
from assessments.services.reflections import clean_text
from portal import policy
from programmes.models import Session


def _held(session: Session) -> None:
    if not selectors.session_has_taken_place(session):
        raise ValidationError(_("Feedback opens once the session has taken place."))


def session_feedback_give(*, actor: policy.Actor, session: Session, rating, comment: str = "") -> SessionFeedback:
    """The employee rates a session they took part in (1–5, a comment if they like); again replaces it."""
    policy.require(actor, policy.EMPLOYEE)
    if not selectors.takes_part_in(actor=actor, session=session):
        raise PermissionDenied(_("You can only give feedback on your own sessions."))
    _held(session)
    try:
        value = int(rating)
    except (TypeError, ValueError):
        raise ValidationError({"rating": _("Choose a rating from 1 to 5.")}) from None
    if not 1 <= value <= 5:
        raise ValidationError({"rating": _("Choose a rating from 1 to 5.")})
    text = clean_text(comment, field="comment", required=False, max_length=5_000)
    feedback, _created = SessionFeedback.objects.update_or_create(
        session=session, employee_id=actor.user_id, defaults={"rating": value, "comment": text}
    )
    return feedback


def coach_feedback_give(*, actor: policy.Actor, session: Session, employee_id: int, body: str) -> CoachFeedback:
    """The coach who led the session writes feedback for one employee who took part; again replaces it."""
    policy.require(actor, policy.COACH)
    if session.coach_id != actor.user_id:
        raise PermissionDenied(_("Only the coach who led the session can give feedback on it."))
    if employee_id not in selectors.participant_ids(session):
        raise ValidationError({"employee": _("Choose someone who took part in this session.")})
    _held(session)
    text = clean_text(body, field="body", empty_message=_("Write your feedback first."))
    feedback, _created = CoachFeedback.objects.update_or_create(
        session=session, employee_id=employee_id, defaults={"coach_id": actor.user_id, "body": text}
    )
    return feedback

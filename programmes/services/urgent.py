"""The moment an employee decides they must talk to someone now: their coach is told at once, by email
and in their workspace, and the employee sees the organisation's support contact."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import policy
from portal.policy import Actor
from programmes.models import UrgentRequest
from programmes.selectors.sessions import bookable_enrolments
from programmes.tasks import sessions as session_tasks
from webhooks import outbox

MESSAGE_MAX_LENGTH = 2000
# Pressing the button again soon after does not alarm the coach a second time.
REPEAT_WINDOW = timedelta(minutes=30)


@transaction.atomic
def urgent_request_create(*, actor: Actor, message: str = "") -> UrgentRequest:
    """Ask the employee's coach for an urgent conversation (the coach of their latest open enrolment)."""
    policy.require(actor, policy.EMPLOYEE)
    message = message.strip()
    if len(message) > MESSAGE_MAX_LENGTH:
        raise ValidationError(
            {"message": _("Keep the message under %(count)d characters.") % {"count": MESSAGE_MAX_LENGTH}}
        )
    enrolment = bookable_enrolments(actor=actor).filter(coach__isnull=False).order_by("-created_at", "-pk").first()
    if enrolment is None:
        raise ValidationError(_("You do not have a coach yet. Please use the support contact on this page."))
    pending = (
        UrgentRequest.objects.select_for_update()
        .filter(
            employee_id=actor.user_id,
            coach_id=enrolment.coach_id,
            acknowledged_at__isnull=True,
            created_at__gte=timezone.now() - REPEAT_WINDOW,
        )
        .first()
    )
    if pending is not None:
        if message and message not in pending.message:
            pending.message = f"{pending.message}\n\n{message}".strip()[:MESSAGE_MAX_LENGTH]
            pending.save(update_fields=["message"])
        return pending
    request = UrgentRequest.objects.create(employee_id=actor.user_id, coach_id=enrolment.coach_id, message=message)
    outbox.urgent_request(request)
    session_tasks.after_commit(session_tasks.urgent_request_notify, request.pk)
    return request


@transaction.atomic
def urgent_request_acknowledge(*, actor: Actor, request: UrgentRequest) -> UrgentRequest:
    """The coach has seen the request and will get in touch; the employee is told so."""
    request = UrgentRequest.objects.select_for_update().get(pk=request.pk)
    if request.coach_id != actor.user_id:
        raise ValidationError(_("Only the coach who was asked can answer this request."))
    if request.acknowledged_at is None:
        request.acknowledged_at = timezone.now()
        request.save(update_fields=["acknowledged_at"])
        session_tasks.after_commit(session_tasks.urgent_request_acknowledged_notify, request.pk)
    return request

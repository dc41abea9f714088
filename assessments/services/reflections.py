"""Writes for reflections: the employee writes, shares or withdraws; the coach answers a shared one."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models.journal import Reflection, ReflectionReply
from assessments.selectors import journal as selectors
from portal import policy
from programmes.models import Session

MAX_LENGTH = 20_000


def clean_text(
    value: str | None, *, field: str, required: bool = True, max_length: int = MAX_LENGTH, empty_message: str = ""
) -> str:
    """Text from a form or the API, stripped; a clear message when it is missing or too long."""
    text = (value or "").strip()
    if required and not text:
        raise ValidationError({field: empty_message or _("Write something first.")})
    if len(text) > max_length:
        raise ValidationError(
            {
                field: _("Keep it under %(limit)s characters (this is %(length)s).")
                % {"limit": f"{max_length:,}", "length": f"{len(text):,}"}
            }
        )
    return text


def _own(actor: policy.Actor, reflection: Reflection) -> None:
    if not actor.is_employee or reflection.employee_id != actor.user_id:
        raise PermissionDenied(_("Only the person who wrote a reflection can change it."))


def reflection_create(
    *, actor: policy.Actor, body: str, shared_with_coach: bool = False, session: Session | None = None
) -> Reflection:
    policy.require(actor, policy.EMPLOYEE)
    text = clean_text(body, field="body", empty_message=_("Write your reflection first."))
    if session is not None and not selectors.takes_part_in(actor=actor, session=session):
        raise ValidationError({"session": _("Choose one of your own sessions.")})
    now = timezone.now()
    return Reflection.objects.create(
        employee_id=actor.user_id,
        session=session,
        body=text,
        shared_with_coach=shared_with_coach,
        shared_at=now if shared_with_coach else None,
        created_at=now,
    )


def reflection_update(
    *, actor: policy.Actor, reflection: Reflection, body: str | None = None, shared_with_coach: bool | None = None
) -> Reflection:
    """Change the text, the sharing, or both. Withdrawing the sharing hides it (and its replies) again."""
    _own(actor, reflection)
    fields = ["updated_at"]
    if body is not None:
        reflection.body = clean_text(body, field="body", empty_message=_("Write your reflection first."))
        fields.append("body")
    if shared_with_coach is not None and shared_with_coach != reflection.shared_with_coach:
        reflection.shared_with_coach = shared_with_coach
        reflection.shared_at = timezone.now() if shared_with_coach else None
        fields += ["shared_with_coach", "shared_at"]
    reflection.save(update_fields=fields)
    return reflection


def reflection_delete(*, actor: policy.Actor, reflection: Reflection) -> None:
    _own(actor, reflection)
    reflection.delete()


@transaction.atomic
def reflection_reply(*, actor: policy.Actor, reflection: Reflection, body: str) -> ReflectionReply:
    """The coach answers a reflection shared with them; the employee may answer back."""
    is_owner = actor.is_employee and reflection.employee_id == actor.user_id
    coaches_it = actor.is_coach and selectors.coaches(actor=actor, employee_id=reflection.employee_id)
    if not (is_owner or coaches_it):
        raise PermissionDenied(_("Only the employee and their coach can answer a reflection."))
    # Read the sharing under a lock: a reply must not slip in after the employee withdrew it.
    shared = Reflection.objects.select_for_update().filter(pk=reflection.pk, shared_with_coach=True).exists()
    if not shared:
        raise ValidationError({"body": _("This reflection is not shared with the coach, so it has no replies.")})
    text = clean_text(body, field="body", max_length=5_000, empty_message=_("Write your reply first."))
    return ReflectionReply.objects.create(reflection=reflection, author_id=actor.user_id, body=text)

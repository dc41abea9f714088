"""Erasure of an employee's data and the retention of coaching content.

The employee asks for their own erasure (it covers every organisation they belong to) or an HR manager
asks for it for one of their employees (it covers that organisation). Nothing happens until the grace
period (settings.ERASURE_GRACE_DAYS) has passed; until then the person or HR can cancel it. Then, in each
organisation covered, in one transaction each:

  - coaching content is deleted: answers and scores, reflections, goals with their actions and check-ins,
    feedback either way, urgent requests, the read log, and the coach's notes and summaries of their 1:1s;
  - the history others depend on (enrolments, attendance, agreement acceptance, audit) is kept but
    pointed at an anonymous stand-in account, so figures stay right and nobody can tell whose it was;
  - "who did this" references to the person on other rows are emptied.

When the person keeps no role anywhere, their account itself is closed: name and email replaced,
password unusable, tokens, invitations, calendar feeds and sign-in records deleted. reports/data_map.py
says, field by field, what happens where. Erasure applies to employees only: someone who is also a coach
or HR manager where they would be erased must have those roles removed first.
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import timedelta

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Model
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context, tenant_context

from portal import policy
from reports import data_map
from reports.models import AuditEvent, ErasureRequest
from reports.services.audit import audit_record
from tenants.models import Membership, Organisation, Role, User
from tenants.services import organisation_url

logger = logging.getLogger(__name__)

ERASED_DOMAIN = "erased.invalid"
# Text that copies a person's email address into another row (import problems) is scrubbed too.
EMAIL_SCRUB: tuple[tuple[str, tuple[str, ...]], ...] = (("programmes.EnrolmentImport", ("errors", "summary")),)


def _other_roles(person: User, organisations) -> list[Membership]:
    return list(
        Membership.objects.filter(user=person, organisation__in=organisations, is_active=True)
        .exclude(role=Role.EMPLOYEE)
        .select_related("organisation")
    )


def organisations_of(person: User) -> list[Organisation]:
    """Every organisation where the person holds or held a role (memberships are never deleted but here)."""
    return list(
        Organisation.objects.filter(memberships__user=person).exclude(schema_name="public").distinct().order_by("pk")
    )


def _covered(request: ErasureRequest) -> list[Organisation]:
    if request.scope == ErasureRequest.Scope.EVERYWHERE:
        return organisations_of(request.person)
    return [connection.tenant]


def _blocking_roles_message(roles: list[Membership]) -> str:
    names = ", ".join(sorted({f"{m.get_role_display()} ({m.organisation.name})" for m in roles}))
    return _(
        "This person also holds other roles: %(roles)s. Remove those roles first; erasure applies to "
        "an employee's data only."
    ) % {"roles": names}


# --- asking and cancelling -------------------------------------------------------------------------------


@transaction.atomic
def erasure_request(*, actor: policy.Actor, person: User) -> ErasureRequest:
    """Schedule the erasure of `person`: their own request covers every organisation, HR's this one."""
    organisation = actor.organisation
    if person.pk == actor.user_id and actor.is_employee:
        scope = ErasureRequest.Scope.EVERYWHERE
    else:
        policy.require(actor, policy.HR_MANAGER)
        scope = ErasureRequest.Scope.ORGANISATION
        if not Membership.objects.filter(user=person, organisation=organisation, role=Role.EMPLOYEE).exists():
            raise ValidationError(_("%(email)s is not an employee of this organisation.") % {"email": person.email})
    covered = organisations_of(person) if scope == ErasureRequest.Scope.EVERYWHERE else [organisation]
    roles = _other_roles(person, covered)
    if roles:
        raise ValidationError(_blocking_roles_message(roles))
    if ErasureRequest.objects.filter(person=person, status=ErasureRequest.Status.PENDING).exists():
        raise ValidationError(_("An erasure of this person's data is already scheduled."))
    now = timezone.now()
    request = ErasureRequest.objects.create(
        person=person,
        requested_by_id=actor.user_id,
        scope=scope,
        requested_at=now,
        due_at=now + timedelta(days=settings.ERASURE_GRACE_DAYS),
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.ERASURE_REQUESTED,
        subject=person,
        scope=scope,
        due=request.due_at.date().isoformat(),
    )
    if scope == ErasureRequest.Scope.ORGANISATION:
        transaction.on_commit(lambda: _tell_the_person(request, organisation))
    return request


def erasure_request_for_email(*, actor: policy.Actor, email: str) -> ErasureRequest:
    """HR: schedule the erasure of the employee of this organisation who has `email` (the address is how
    HR names the person, on the page and in the API alike)."""
    policy.require(actor, policy.HR_MANAGER)
    person = (
        policy.scope(actor, User)
        .filter(
            email=User.objects.normalize_email(email).strip().lower(),
            memberships__organisation=actor.organisation,
            memberships__role=Role.EMPLOYEE,
        )
        .first()
    )
    if person is None:
        raise ValidationError({"email": _("No employee of this organisation has that email address.")})
    return erasure_request(actor=actor, person=person)


def _tell_the_person(request: ErasureRequest, organisation: Organisation) -> None:
    """An erasure someone else asked for is announced to the person, with time to export their data."""
    person = request.person
    with translation.override(person.language or organisation.default_language):
        context = {
            "person": person,
            "organisation": organisation,
            "link": organisation_url(organisation, "/my-data/"),
            "due_date": formats.date_format(timezone.localtime(request.due_at), "DATE_FORMAT"),
        }
        subject = _("Your coaching data at %(organisation)s will be erased") % {"organisation": organisation.name}
        body = render_to_string("reports/email/erasure_scheduled.txt", context)
    send_mail(subject, body, None, [person.email])


@transaction.atomic
def erasure_cancel(*, actor: policy.Actor, request: ErasureRequest) -> ErasureRequest:
    """Call off a scheduled erasure: the person themselves, or HR."""
    locked = ErasureRequest.objects.select_for_update().get(pk=request.pk)
    own = actor.is_employee and locked.person_id == actor.user_id
    # A person's own request is theirs to call off; HR cancels only what HR asked for.
    if not (own or (actor.is_hr and locked.scope == ErasureRequest.Scope.ORGANISATION)):
        raise ValidationError(_("Only the person or an HR manager can cancel this erasure."))
    if locked.status != ErasureRequest.Status.PENDING:
        raise ValidationError(_("This erasure is no longer scheduled, so it cannot be cancelled."))
    locked.status, locked.cancelled_at, locked.cancelled_by_id = (
        ErasureRequest.Status.CANCELLED,
        timezone.now(),
        actor.user_id,
    )
    locked.save(update_fields=["status", "cancelled_at", "cancelled_by"])
    audit_record(actor=actor, action=AuditEvent.Action.ERASURE_CANCELLED, subject=locked.person_id, scope=locked.scope)
    return locked


# --- carrying it out -------------------------------------------------------------------------------------


def erasures_due_run(*, now=None) -> int:
    """Carry out this organisation's erasures whose grace period has passed (the scheduled task)."""
    done = 0
    due = list(
        ErasureRequest.objects.filter(
            status=ErasureRequest.Status.PENDING, due_at__lte=now or timezone.now()
        ).values_list("pk", flat=True)
    )
    for pk in due:
        try:
            if erasure_execute(request_id=pk):
                done += 1
        except Exception:  # one failure must not stop the others; it stays pending and is retried
            logger.exception("Erasure %s in %s failed; it stays scheduled", pk, connection.schema_name)
    return done


def erasure_execute(*, request_id: int) -> bool:
    """Erase now (the grace period is the caller's business). True when done; False when blocked."""
    home = connection.tenant
    with transaction.atomic():
        request = (
            ErasureRequest.objects.select_for_update(skip_locked=True)
            .select_related("person")
            .filter(pk=request_id, status=ErasureRequest.Status.PENDING)
            .first()
        )
        if request is None:
            return False
        person = request.person
        covered = _covered(request)
        roles = _other_roles(person, covered)
        if roles:
            request.summary = {"blocked": _blocking_roles_message(roles)}
            request.save(update_fields=["summary"])
            return False
        everywhere = request.scope == ErasureRequest.Scope.EVERYWHERE
        stand_in = person if everywhere else _stand_in()
        summary = {}
        for organisation in covered:
            with tenant_context(organisation):
                summary[organisation.slug] = erase_here(person=person, stand_in=stand_in)
                audit_record(
                    actor=None,
                    action=AuditEvent.Action.ERASURE_COMPLETED,
                    subject=stand_in,
                    scope=request.scope,
                    rows=sum(summary[organisation.slug].values()),
                )
        with schema_context("public"):
            Membership.objects.filter(user=person, organisation__in=covered).delete()
            closed = everywhere or not Membership.objects.filter(user=person).exists()
            if closed:
                summary["account"] = account_close(person=person)
        with tenant_context(home):
            request.status, request.completed_at = ErasureRequest.Status.COMPLETED, timezone.now()
            request.summary = summary
            request.save(update_fields=["status", "completed_at", "summary"])
    return True


def _stand_in() -> User:
    """An anonymous, inactive account that an erased person's history points at in one organisation."""
    user = User(email=f"erased-{uuid.uuid4().hex}@{ERASED_DOMAIN}", is_active=False)
    user.set_unusable_password()
    with schema_context("public"):
        user.save()
    return user


def _model(label: str) -> type[Model]:
    return apps.get_model(label)


def erase_here(*, person: User, stand_in: User) -> dict[str, int]:
    """Erase `person` in the current organisation's schema (see the module docstring); rows per model."""
    counts: dict[str, int] = {}

    def note(label: str, number: int) -> None:
        if number:
            counts[label] = counts.get(label, 0) + number

    for label in data_map.SESSION_CONTENT:
        deleted, _rows = _model(label).objects.filter(session__enrolment__employee=person).delete()
        note(label, deleted)
    for entry in data_map.ENTRIES:
        model = _model(entry.model)
        if not data_map.is_tenant_model(model):
            continue
        rows = model._default_manager.filter(**{entry.field: person})
        if entry.erase == data_map.DELETE:
            deleted, _rows = rows.delete()
            note(entry.model, deleted)
        elif entry.erase == data_map.ANONYMISE:
            changes = {entry.field: stand_in}
            for name in entry.clear:
                field = model._meta.get_field(name)
                changes[name] = None if field.null else ""
            note(entry.model, rows.update(**changes))
        elif entry.erase == data_map.NULL:
            note(entry.model, rows.update(**{entry.field: None}))
    note("scrubbed", _scrub_email(person.email))
    return counts


def _scrub_email(email: str) -> int:
    """Replace the person's email address in copied text (an import's list of problems) with [erased]."""
    changed = 0
    for label, fields in EMAIL_SCRUB:
        model = _model(label)
        for row in model._default_manager.only("pk", *fields).iterator():
            updates = {}
            for name in fields:
                text = json.dumps(getattr(row, name))
                if email.lower() in text.lower():
                    updates[name] = json.loads(_replace_ci(text, email, "[erased]"))
            if updates:
                model._default_manager.filter(pk=row.pk).update(**updates)
                changed += 1
    return changed


def _replace_ci(text: str, old: str, new: str) -> str:
    lowered, needle, out, start = text.lower(), old.lower(), [], 0
    while (found := lowered.find(needle, start)) != -1:
        out.append(text[start:found] + new)
        start = found + len(old)
    out.append(text[start:])
    return "".join(out)


def account_close(*, person: User) -> dict[str, int]:
    """Close the account of someone erased everywhere: public data deleted or emptied, the user row kept
    (organisations' history points at it) but with nothing left that says who it was."""
    counts = {}
    old_email = person.email
    for entry in data_map.ENTRIES:
        model = _model(entry.model)
        if data_map.is_tenant_model(model):
            continue
        rows = model._default_manager.filter(**{entry.field: person})
        if entry.erase == data_map.ACCOUNT:
            counts[entry.model] = rows.delete()[0]
        elif entry.erase == data_map.NULL:
            counts[entry.model] = rows.update(**{entry.field: None})
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        counts[model._meta.label] = model.objects.filter(username__iexact=old_email).delete()[0]
    person.email = f"erased-{uuid.uuid4().hex}@{ERASED_DOMAIN}"
    person.first_name = person.last_name = person.language = ""
    person.is_active = person.is_staff = person.is_superuser = False
    person.set_unusable_password()
    person.save(
        update_fields=[
            "email",
            "first_name",
            "last_name",
            "language",
            "is_active",
            "is_staff",
            "is_superuser",
            "password",
        ]
    )
    person.groups.clear()
    person.user_permissions.clear()
    return {label: number for label, number in counts.items() if number}

"""The audit pages: an organisation's administrative events for its HR managers, and the platform's
provisioning and offboarding for platform staff. Never coaching content: what happened, who did it, to
whom, when.

An organisation's events live in three places (its own reports.AuditEvent, programmes.EnrolmentEvent, and
tenants.PlatformEvent rows about it in the public schema); one UNION query pages through them together,
which works because an organisation's search path holds its schema and the public one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import BigIntegerField, CharField, Count, F, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat, JSONObject, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal import policy
from programmes.models import Enrolment, EnrolmentEvent
from reports.models import AuditEvent, data_right_events
from tenants.models import PlatformEvent, Role, User

CATEGORIES = {
    "": _("Everything"),
    "enrolments": _("Enrolments"),
    "roles": _("Roles"),
    "exports": _("Exports and reports"),
    "erasure": _("Erasure and retention"),
    "organisation": _("Organisation"),
}
PLATFORM_CATEGORIES = {
    "": _("Everything"),
    "provisioning": _("Provisioning"),
    "offboarding": _("Offboarding"),
    "roles": _("Roles"),
    "data_rights": _("Data rights"),
}
OFFBOARDING_ACTIONS = ("organisation.exported", "organisation.offboarded", "organisation.restored")
COLUMNS = ("source", "at", "actor_id", "subject_id", "action", "info", "ref")


def _audit_events(rows: QuerySet, category: str) -> QuerySet | None:
    actions = {
        "exports": [AuditEvent.Action.CSV_EXPORTED, AuditEvent.Action.REPORT_DOWNLOADED],
        "erasure": [
            AuditEvent.Action.ERASURE_REQUESTED,
            AuditEvent.Action.ERASURE_CANCELLED,
            AuditEvent.Action.ERASURE_COMPLETED,
            AuditEvent.Action.RETENTION_PURGED,
        ],
    }
    if category and category not in actions:
        return None
    if category:
        rows = rows.filter(action__in=actions[category])
    return (
        rows.annotate(source=Value("audit", output_field=CharField()), info=F("detail"), ref=F("pk"))
        .values_list(*COLUMNS)
        .order_by()
    )


def _enrolment_events(rows: QuerySet, category: str) -> QuerySet | None:
    if category not in ("", "enrolments"):
        return None
    return (
        rows.annotate(
            source=Value("enrolment", output_field=CharField()),
            actor_id=F("by_id"),
            subject_id=F("enrolment__employee_id"),
            action=Concat(Value("enrolment."), "to_status", output_field=CharField()),
            info=JSONObject(
                programme="enrolment__programme__name",
                cohort="enrolment__cohort__name",
                from_status="from_status",
                to_status="to_status",
            ),
            ref=F("pk"),
        )
        .values_list(*COLUMNS)
        .order_by()
    )


def _platform_events(rows: QuerySet, category: str) -> QuerySet | None:
    if category not in ("", "roles", "organisation"):
        return None
    if category == "roles":
        rows = rows.filter(action__startswith="membership.")
    elif category == "organisation":
        rows = rows.exclude(action__startswith="membership.")
    return (
        rows.annotate(
            source=Value("platform", output_field=CharField()),
            at=F("created_at"),
            subject_id=Cast(Value(None), BigIntegerField()),
            info=F("detail"),
            ref=F("pk"),
        )
        .values_list(*COLUMNS)
        .order_by()
    )


def organisation_events(*, actor: policy.Actor, category: str = "") -> QuerySet:
    """Every administrative event of the actor's organisation, newest first, as one pageable query."""
    policy.require(actor, policy.HR_MANAGER)
    parts = [
        part
        for part in (
            _audit_events(policy.scope(actor, AuditEvent), category),
            _enrolment_events(policy.scope(actor, EnrolmentEvent), category),
            _platform_events(policy.scope(actor, PlatformEvent), category),
        )
        if part is not None
    ]
    combined = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    return combined.order_by("-at", "-ref")


@dataclass
class DataRightMonth:
    month: date
    exported: int  # people who exported their data
    erasure_asked: int  # people who asked for their own data to be erased
    erased: int  # people whose own request was carried out


def data_right_counts(*, actor: policy.Actor, months: int = 12) -> list[DataRightMonth]:
    """How many people exercised a data right here, month by month (the last `months`, newest first).

    HR's only view of them: that someone exported their data or asked for erasure is that person's
    business (DESIGN.md), so these rows are read past the policy (which hides them from HR) and only
    counted, never listed. One query."""
    policy.require(actor, policy.HR_MANAGER)
    since = (timezone.localdate().replace(day=1) - timedelta(days=31 * (months - 1))).replace(day=1)
    columns = {
        AuditEvent.Action.DATA_EXPORTED: "exported",
        AuditEvent.Action.ERASURE_REQUESTED: "erasure_asked",
        AuditEvent.Action.ERASURE_COMPLETED: "erased",
    }
    rows = (
        AuditEvent.objects.filter(data_right_events(), action__in=list(columns), at__date__gte=since)
        .annotate(month=TruncMonth("at"))
        .order_by()
        .values_list("month", "action")
        .annotate(people=Count("subject", distinct=True))
    )
    found: dict[date, DataRightMonth] = {}
    for month, action, people in rows:
        day = timezone.localdate(month) if timezone.is_aware(month) else month.date()
        line = found.setdefault(day, DataRightMonth(month=day, exported=0, erasure_asked=0, erased=0))
        setattr(line, columns[action], people)
    return sorted(found.values(), key=lambda line: line.month, reverse=True)


@dataclass
class EventLine:
    at: object
    source: str
    action: str
    label: str
    actor: str
    subject: str
    details: str


ROLE_LABELS = dict(Role.choices)
STATUS_LABELS = dict(Enrolment.Status.choices)


def _person(users: dict[int, User], user_id) -> str:
    if user_id is None:
        return ""
    user = users.get(int(user_id)) if str(user_id).isdigit() else None
    if user is None:
        return str(_("someone no longer here"))
    if user.email.endswith("@erased.invalid"):
        return str(_("an erased person"))
    return user.get_full_name() or user.email


def _describe(source: str, action: str, info: dict) -> tuple[str, str]:
    info = info or {}
    if source == "enrolment":
        labels = {
            "invited": _("Enrolled and invited"),
            "active": _("Started the programme"),
            "completed": _("Completed the programme"),
            "withdrawn": _("Withdrew from the programme"),
        }
        status = info.get("to_status")
        label = labels.get(status) or _("Enrolment: %(status)s") % {"status": STATUS_LABELS.get(status, status)}
        return str(label), " · ".join(part for part in (info.get("programme"), info.get("cohort")) if part)
    if source == "platform":
        labels = {
            "membership.granted": _("Role granted"),
            "membership.revoked": _("Role removed"),
            "organisation.created": _("Organisation created"),
            "api_token.created": _("API token made"),
            "api_token.revoked": _("API token revoked"),
        }
        details = str(ROLE_LABELS.get(info.get("role"), "")) if "role" in info else ""
        if action.startswith("api_token."):
            # The token's first characters, never the token.
            details = f"{info.get('prefix', '')}…"
        return str(labels.get(action, action)), details
    labels = dict(AuditEvent.Action.choices)
    details = []
    if info.get("kind"):
        details.append(str(info["kind"]))
    if info.get("scope"):
        details.append(str(_("every organisation") if info["scope"] == "everywhere" else _("this organisation")))
    if info.get("due"):
        details.append(str(_("due %(date)s") % {"date": info["due"]}))
    if isinstance(info.get("rows"), dict):
        details.append(str(_("%(count)s rows") % {"count": sum(info["rows"].values())}))
    elif info.get("rows"):
        details.append(str(_("%(count)s rows") % {"count": info["rows"]}))
    return str(labels.get(action, action)), " · ".join(details)


def event_lines(*, actor: policy.Actor, rows: list[tuple]) -> list[EventLine]:
    """One page of events with the names of the people in them (one query for all the names)."""
    ids = set()
    for source, _at, actor_id, subject_id, _action, info, _ref in rows:
        ids.update(value for value in (actor_id, subject_id) if value is not None)
        if source == "platform" and str((info or {}).get("user", "")).isdigit():
            ids.add(int(info["user"]))
    users = {user.pk: user for user in policy.scope(actor, User).filter(pk__in=ids)} if ids else {}
    lines = []
    for source, at, actor_id, subject_id, action, info, _ref in rows:
        if source == "platform" and subject_id is None:
            subject_id = (info or {}).get("user")
        label, details = _describe(source, action, info)
        lines.append(
            EventLine(
                at=at,
                source=source,
                action=action,
                label=label,
                actor=_person(users, actor_id),
                subject=_person(users, subject_id),
                details=details,
            )
        )
    return lines


def platform_events(*, actor: policy.Actor, category: str = "") -> QuerySet[PlatformEvent]:
    """Platform staff: provisioning, offboarding and roles across the platform, newest first."""
    policy.require_platform_staff(actor)
    rows = policy.scope(actor, PlatformEvent).select_related("actor", "organisation").order_by("-created_at", "-pk")
    if category == "provisioning":
        rows = rows.filter(action__startswith="organisation.").exclude(action__in=OFFBOARDING_ACTIONS)
    elif category == "offboarding":
        rows = rows.filter(action__in=OFFBOARDING_ACTIONS)
    elif category == "roles":
        rows = rows.filter(Q(action__startswith="membership.") | Q(action__startswith="invitation."))
    elif category == "data_rights":
        rows = rows.filter(action__startswith=PlatformEvent.DATA_RIGHT_PREFIX)
    return rows

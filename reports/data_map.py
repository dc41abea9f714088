"""Where the portal keeps personal data: every foreign key (or many-to-many) to a person, and what export,
erasure and retention do with it. Export-my-data, erasure and the retention task all read this map, and
tests/reports/test_export.py fails when a model that points at a person is missing from it.

Export
  ROW        the row is about the person or was written by them: exported whole (minus the fields
             NOT_EXPORTED names, and never a secret: see secret_reason below), with `children` (rows
             hanging off it), each read through the policy as the person.
  REFERENCE  the person only acted on a row about something or someone else ("marked attendance"):
             exported as a reference (model, id, field, when), never the other row's content; without
             the id where the id is a secret.

Erasure (of an employee: someone who holds no coach or HR role where they are erased)
  DELETE     coaching content: deleted, with everything hanging off it.
  ANONYMISE  history that figures and other people's records depend on (an enrolment, an attendance):
             pointed at an anonymous stand-in account, with `clear` fields emptied.
  NULL       "who did this" on someone else's row: emptied.
  ACCOUNT    public-schema data of the account itself: handled when the account is closed.
  KEEP       kept, for the `reason` given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import AutoField, BigAutoField, BinaryField, Field, Model, SmallAutoField

ROW, REFERENCE = "row", "reference"
DELETE, ANONYMISE, NULL, ACCOUNT, KEEP = "delete", "anonymise", "null", "account", "keep"


@dataclass(frozen=True)
class Entry:
    model: str  # app_label.ModelName
    field: str
    export: str
    erase: str
    children: tuple[str, ...] = ()  # reverse relations exported with each row (read through the policy)
    clear: tuple[str, ...] = ()  # fields emptied when the row is anonymised
    dated_by: str = ""  # REFERENCE exports: the field that says when
    via_policy: bool = True  # False: read directly, with `reason` (the person's own account data)
    reason: str = ""


ENTRIES: tuple[Entry, ...] = (
    # --- the account (public schema) -------------------------------------------------------------------
    Entry("tenants.Membership", "user", ROW, ACCOUNT, via_policy=False, reason="the person's own roles"),
    Entry("tenants.Invitation", "user", ROW, ACCOUNT, via_policy=False, reason="invitations sent to the person"),
    Entry("tenants.Invitation", "invited_by", REFERENCE, NULL, dated_by="created_at"),
    Entry("tenants.HandoffToken", "user", REFERENCE, ACCOUNT, dated_by="created_at"),
    Entry("tenants.PlatformEvent", "actor", REFERENCE, NULL, dated_by="created_at"),
    Entry("authtoken.Token", "user", ROW, ACCOUNT, via_policy=False, reason="that an API token exists, never its key"),
    Entry(
        "tenants.ApiToken",
        "user",
        ROW,
        ACCOUNT,
        via_policy=False,
        reason="the person's own API tokens: name, first characters and dates, never the token or its digest",
    ),
    Entry(
        "otp_totp.TOTPDevice",
        "user",
        ROW,
        ACCOUNT,
        via_policy=False,
        reason="that the person set up an authenticator app, never its key",
    ),
    Entry(
        "tenants.RecoveryCode",
        "user",
        ROW,
        ACCOUNT,
        via_policy=False,
        reason="the person's recovery codes: when made and used, never the codes",
    ),
    Entry(
        "availability.Slot",
        "coach",
        ROW,
        KEEP,
        via_policy=False,
        reason="a coach's own availability; erasure applies to employees only",
    ),
    Entry("availability.Slot", "booked_by", REFERENCE, NULL, dated_by="booked_at"),
    Entry(
        "availability.OfferDefault",
        "coach",
        ROW,
        ACCOUNT,
        via_policy=False,
        reason="the coach's own choice of which organisations may book their new free time",
    ),
    Entry(
        "availability.ExternalCalendar",
        "coach",
        ROW,
        ACCOUNT,
        via_policy=False,
        reason="the coach's own calendar connection: when it was read and why not, never its address",
    ),
    Entry(
        "availability.BusyTime",
        "coach",
        ROW,
        ACCOUNT,
        via_policy=False,
        reason="the busy times read from the coach's own calendar",
    ),
    Entry(
        "availability.CalendarFeed",
        "user",
        ROW,
        ACCOUNT,
        via_policy=False,
        reason="the person's own calendar feeds, never their secret",
    ),
    # --- programmes ------------------------------------------------------------------------------------
    Entry(
        "programmes.EmployeeProfile",
        "user",
        ROW,
        ANONYMISE,
        clear=("job_title", "manager"),
        via_policy=False,
        reason="where the person stands in the organisation is theirs to see",
    ),
    Entry("programmes.EmployeeProfile", "manager", REFERENCE, NULL, dated_by="updated_at"),
    Entry("programmes.Programme", "created_by", REFERENCE, NULL, dated_by="created_at"),
    Entry("programmes.Cohort", "coaches", REFERENCE, KEEP, reason="coaches only; erasure applies to employees"),
    Entry("programmes.Enrolment", "employee", ROW, ANONYMISE, children=("events", "credit_transactions")),
    Entry(
        "programmes.Enrolment",
        "coach",
        REFERENCE,
        KEEP,
        dated_by="created_at",
        reason="coaches only; erasure applies to employees",
    ),
    Entry("programmes.Enrolment", "status_changed_by", REFERENCE, NULL, dated_by="status_changed_at"),
    Entry("programmes.EnrolmentEvent", "by", REFERENCE, NULL, dated_by="at"),
    Entry("programmes.Agreement", "created_by", REFERENCE, NULL, dated_by="created_at"),
    Entry("programmes.AgreementAcceptance", "user", ROW, ANONYMISE),
    Entry("programmes.EnrolmentAgreement", "proposed_by", REFERENCE, NULL, dated_by="proposed_at"),
    Entry("programmes.PartyAcceptance", "user", ROW, ANONYMISE),
    Entry("programmes.EnrolmentImport", "created_by", REFERENCE, NULL, dated_by="created_at"),
    Entry("webhooks.Endpoint", "created_by", REFERENCE, NULL, dated_by="created_at"),
    Entry("scim.ScimToken", "created_by", REFERENCE, NULL, dated_by="created_at"),
    # --- single sign-on (public schema) ---------------------------------------------------------------
    Entry(
        "sso.ExternalIdentity",
        "user",
        ROW,
        ACCOUNT,
        via_policy=False,
        reason="the person's own sign-in links: which provider, its issuer and the subject it knows them by",
    ),
    Entry("sso.IdentityProvider", "created_by", REFERENCE, NULL, dated_by="created_at"),
    Entry("sso.DomainClaim", "requested_by", REFERENCE, NULL, dated_by="requested_at"),
    Entry("sso.DomainClaim", "approved_by", REFERENCE, NULL, dated_by="approved_at"),
    Entry(
        "sso.SignInPolicy",
        "break_glass",
        REFERENCE,
        KEEP,
        dated_by="updated_at",
        reason="HR managers only; erasure applies to employees",
    ),
    Entry(
        "scim.ScimUser",
        "user",
        ROW,
        DELETE,
        via_policy=False,
        reason="what the organisation's identity provider sent about the person; erased with them",
    ),
    Entry(
        "programmes.Session",
        "coach",
        REFERENCE,
        KEEP,
        dated_by="starts_at",
        reason="coaches only; erasure applies to employees",
    ),
    Entry("programmes.Session", "cancelled_by", REFERENCE, NULL, dated_by="cancelled_at"),
    Entry("programmes.Session", "created_by", REFERENCE, NULL, dated_by="created_at"),
    Entry("programmes.Attendance", "user", ROW, ANONYMISE),
    Entry("programmes.Attendance", "marked_by", REFERENCE, NULL, dated_by="marked_at"),
    Entry("programmes.CreditTransaction", "by", REFERENCE, NULL, dated_by="at"),
    Entry("programmes.UrgentRequest", "employee", ROW, DELETE),
    Entry(
        "programmes.UrgentRequest",
        "coach",
        REFERENCE,
        KEEP,
        dated_by="created_at",
        reason="coaches only; erasure applies to employees",
    ),
    # --- coach profiles and matching -------------------------------------------------------------------
    Entry(
        "coaches.CoachProfile",
        "coach",
        ROW,
        ACCOUNT,
        via_policy=False,
        reason="the coach's own profile (its photo is not exported as a file)",
    ),
    Entry(
        "matching.PoolMember",
        "coach",
        REFERENCE,
        KEEP,
        dated_by="invited_at",
        reason="coaches only; erasure applies to employees",
    ),
    Entry("matching.PoolMember", "invited_by", REFERENCE, NULL, dated_by="invited_at"),
    Entry("matching.Intake", "employee", ROW, DELETE, children=("suggestions",)),
    Entry(
        "matching.Suggestion",
        "coach",
        REFERENCE,
        KEEP,
        reason="coaches only; an erased employee's suggestions go with their intake",
    ),
    Entry("matching.Rematch", "employee", ROW, DELETE),
    Entry(
        "matching.Rematch",
        "former_coach",
        REFERENCE,
        KEEP,
        dated_by="created_at",
        reason="coaches only; erasure applies to employees",
    ),
    # --- assessments and the journal -------------------------------------------------------------------
    Entry("assessments.Instrument", "created_by", REFERENCE, NULL, dated_by="created_at"),
    Entry("assessments.InstrumentVersion", "created_by", REFERENCE, NULL, dated_by="created_at"),
    Entry("assessments.PhaseAssessment", "created_by", REFERENCE, NULL, dated_by="created_at"),
    Entry("assessments.Assignment", "employee", ROW, DELETE, children=("answers", "scores")),
    Entry("assessments.Assignment", "released_by", REFERENCE, NULL, dated_by="released_at"),
    Entry("assessments.AccessLogEntry", "owner", ROW, DELETE),
    Entry("assessments.AccessLogEntry", "reader", REFERENCE, DELETE, dated_by="at"),
    Entry("assessments.Reflection", "employee", ROW, DELETE, children=("replies",)),
    Entry("assessments.ReflectionReply", "author", ROW, DELETE),
    Entry("assessments.Goal", "employee", ROW, DELETE, children=("options", "actions", "check_ins", "comments")),
    Entry("assessments.GoalOption", "added_by", REFERENCE, NULL, dated_by="created_at"),
    Entry("assessments.CheckIn", "author", ROW, DELETE),
    Entry("assessments.GoalComment", "author", ROW, DELETE),
    Entry("assessments.SessionFeedback", "employee", ROW, DELETE),
    Entry("assessments.Pulse", "employee", ROW, DELETE),
    Entry(
        "assessments.CoachFeedback",
        "coach",
        REFERENCE,
        KEEP,
        dated_by="created_at",
        reason="coaches only; erasure applies to employees",
    ),
    Entry("assessments.CoachFeedback", "employee", ROW, DELETE),
    Entry(
        "assessments.SessionNote",
        "author",
        ROW,
        KEEP,
        reason="coaches only; an erased employee's 1:1 notes go with their sessions (SESSION_CONTENT)",
    ),
    Entry("assessments.SessionSummary", "author", REFERENCE, NULL, dated_by="updated_at"),
    # --- stakeholder feedback ----------------------------------------------------------------------------
    # The rounds about the person and whom they asked; never what a rater answered (no rule yields it).
    Entry("stakeholders.Round", "employee", ROW, DELETE, children=("raters",)),
    Entry("stakeholders.Rater", "invited_by", REFERENCE, NULL, dated_by="invited_at"),
    # --- reports ---------------------------------------------------------------------------------------
    Entry("reports.AuditEvent", "actor", REFERENCE, NULL, dated_by="at"),
    Entry(
        "reports.AuditEvent",
        "subject",
        ROW,
        ANONYMISE,
        via_policy=False,
        reason="what the organisation did with the person's data (exports, erasure) is theirs to know",
    ),
    Entry("reports.ReportJob", "requested_by", REFERENCE, DELETE, dated_by="created_at"),
    Entry(
        "programmes.IdempotencyRecord",
        "user",
        REFERENCE,
        DELETE,
        dated_by="created_at",
        via_policy=False,
        reason="the first answer to a retried API request, kept 24 hours",
    ),
    Entry("reports.ReportJob", "subject", REFERENCE, DELETE, dated_by="created_at"),
    Entry("reports.ErasureRequest", "person", ROW, KEEP, reason="the record that an erasure was asked for and done"),
    Entry("reports.ErasureRequest", "requested_by", REFERENCE, NULL, dated_by="requested_at"),
    Entry("reports.ErasureRequest", "cancelled_by", REFERENCE, NULL, dated_by="cancelled_at"),
)

# Coaching content about an employee that points at their sessions rather than at them: deleted with
# their data (a coach's private notes and the shared summaries of the employee's 1:1s).
SESSION_CONTENT: tuple[str, ...] = ("assessments.SessionNote", "assessments.SessionSummary")

# Coaching content and when it was last written: the retention task deletes rows older than the
# organisation's retention period (Organisation.retention_months), with everything hanging off them.
RETENTION: tuple[tuple[str, str], ...] = (
    ("assessments.Reflection", "updated_at"),
    ("assessments.Goal", "updated_at"),
    ("assessments.Assignment", "created_at"),
    ("assessments.SessionFeedback", "updated_at"),
    ("assessments.Pulse", "updated_at"),
    ("assessments.CoachFeedback", "updated_at"),
    ("assessments.SessionNote", "updated_at"),
    ("assessments.SessionSummary", "updated_at"),
    ("assessments.AccessLogEntry", "at"),
    ("programmes.UrgentRequest", "created_at"),
    ("stakeholders.Round", "created_at"),
)


# --- what never leaves the portal in a file ---------------------------------------------------------------
# Exports, offboarding bundles, PDFs and CSVs carry no credential: no token, key, secret, password hash,
# session key, or the id of an invitation or handoff ticket (that id is what their signed links carry).
# One rule, secret_reason(), decides field by field; export_fields() and checked_fields() refuse to write
# what it names, and tests/reports/test_secrets.py walks every model a file can reach.

# Models whose primary key is itself the secret: the key is never written, nor any field pointing at it.
SECRET_MODELS: dict[str, str] = {
    "authtoken.Token": "the primary key is the API token",
    "sessions.Session": "the primary key is the session cookie",
    "tenants.Invitation": "the id is what the signed invitation link carries",
    "tenants.HandoffToken": "the id is what the signed handoff ticket carries",
}
# Other fields that hold a secret whatever their name.
SECRET_FIELDS: dict[tuple[str, str], str] = {
    ("sessions.Session", "session_data"): "the signed session, with a digest of the password hash",
    ("tenants.ApiToken", "digest"): "the SHA-256 of an API token, which would let guesses be checked offline",
    ("tenants.RecoveryCode", "digest"): "the digest of a recovery code",
    (
        "stakeholders.Rater",
        "token_digest",
    ): "the SHA-256 of a rater's personal link, which would let guesses be checked",
}
# Primary keys that are not a sequence but only name a row, which the pages reach through the policy.
OPAQUE_IDS: dict[str, str] = {
    "programmes.EnrolmentImport": "names an import on HR's pages, which check who asks",
    "reports.ReportJob": "names a report in preparation, seen only by the person who asked for it",
    "webhooks.Message": "the webhook-id receivers see; it opens nothing, signatures need the endpoint's secret",
    "scim.ScimUser": "the SCIM id the identity provider keeps; it opens nothing without the organisation's SCIM token",
    "scim.ScimGroup": "the SCIM id of a department the identity provider keeps; it opens nothing without a SCIM token",
}
SEQUENTIAL_KEYS = (AutoField, BigAutoField, SmallAutoField)
# Field classes never written to a file (raw bytes: a rendered PDF, key material).
SECRET_FIELD_CLASSES: tuple[type[Field], ...] = (BinaryField,)
SECRET_NAME = re.compile(r"(^|_)(password|passwd|secret|token|key|hash|salt|nonce|otp|signature|credentials?)(_|$)")
# Names the pattern catches that hold no secret.
NOT_SECRET: dict[tuple[str, str], str] = {
    ("assessments.Instrument", "key"): "a slug naming the instrument",
    ("assessments.Dimension", "key"): "a slug naming the dimension",
    ("assessments.Score", "dimension_key"): "the slug of the dimension scored",
    ("scim.ScimUser", "user_name_key"): "the SCIM userName in lower case, for finding it whatever its case",
    ("scim.ScimGroup", "display_name_key"): "the department's name in lower case, for finding it whatever its case",
}
# Per model, the fields a personal export leaves out ("id": the primary key). The rule refuses an export
# of any model that reaches a secret without withholding it here.
NOT_EXPORTED: dict[str, tuple[str, ...]] = {
    "authtoken.Token": ("id",),  # that a token exists and when it was made, never the token
    "tenants.Invitation": ("id",),
    "tenants.HandoffToken": ("id",),
    "tenants.ApiToken": ("digest",),
    "availability.CalendarFeed": ("secret",),
    "coaches.CoachProfile": ("photo",),  # the photo is on the profile page, not in a file
    "availability.ExternalCalendar": ("url",),  # a private calendar address is itself the key to it
    "otp_totp.TOTPDevice": ("key",),
    "tenants.RecoveryCode": ("digest",),
    "reports.ReportJob": ("pdf",),
    "stakeholders.Rater": ("token_digest",),
    "sso.IdentityProvider": ("client_secret_encrypted",),
}


def entries_for(label: str) -> list[Entry]:
    return [entry for entry in ENTRIES if entry.model == label]


class SecretExported(ImproperlyConfigured):
    """A file would carry a secret: the data map must withhold the field (NOT_EXPORTED)."""


def secret_reason(model: type[Model], field: Field) -> str | None:
    """The one rule: why `field` of `model` must never leave the portal in a file, or None when it may."""
    label = model._meta.concrete_model._meta.label
    if field.primary_key and _secret_key(model):
        return "its primary key is a secret"
    if field.is_relation and field.related_model is not None and _secret_key(field.related_model):
        return f"it points at {field.related_model._meta.label}, whose id is a secret"
    if (label, field.name) in SECRET_FIELDS:
        return SECRET_FIELDS[(label, field.name)]
    if isinstance(field, SECRET_FIELD_CLASSES):
        return f"a {type(field).__name__} is never written to a file"
    if SECRET_NAME.search(field.name) and (label, field.name) not in NOT_SECRET:
        return "its name says it holds a secret"
    if not field.primary_key and _generated(field):
        return "its default is generated at random, as a credential's is"
    return None


def _secret_key(model: type[Model]) -> bool:
    label = model._meta.concrete_model._meta.label
    if label in SECRET_MODELS:
        return True
    # A random or chosen primary key may be what a link carries: a secret until the map says otherwise.
    pk = model._meta.pk
    return not isinstance(pk, SEQUENTIAL_KEYS) and not pk.is_relation and label not in OPAQUE_IDS


def _generated(field: Field) -> bool:
    default = field.default
    if not callable(default):
        return False
    name = f"{getattr(default, '__module__', '')}.{getattr(default, '__name__', '')}".lower()
    return name.startswith(("uuid.", "secrets.")) or any(word in name for word in ("token", "secret", "random"))


def checked_fields(label: str, names: tuple[str, ...]) -> tuple[str, ...]:
    """`names` of `label` ("id" for the primary key), refused with SecretExported if any holds a secret."""
    model = apps.get_model(label)
    refused = []
    for name in names:
        field = model._meta.pk if name == "id" else model._meta.get_field(name)
        reason = secret_reason(model, field)
        if reason:
            refused.append(f"{label}.{name}: {reason}")
    if refused:
        raise SecretExported(
            "A file would carry a secret (withhold it in reports/data_map.py NOT_EXPORTED): " + "; ".join(refused)
        )
    return names


def reference_fields(entry: Entry) -> tuple[str, ...]:
    """What a reference to a row of `entry.model` writes: its id (unless withheld) and when."""
    names = ("id",) if "id" not in NOT_EXPORTED.get(entry.model, ()) else ()
    return checked_fields(entry.model, names + ((entry.dated_by,) if entry.dated_by else ()))


def export_fields(label: str) -> tuple[str, ...]:
    """The fields a row of `label` is written with in a personal export ("id": its primary key, unless
    withheld): every concrete field but those NOT_EXPORTED names, checked by the rule above."""
    model = apps.get_model(label)
    withheld = set(NOT_EXPORTED.get(label, ()))
    names = tuple(
        "id" if field.primary_key else field.name
        for field in model._meta.concrete_fields
        if ("id" if field.primary_key else field.name) not in withheld
    )
    return checked_fields(label, names)


def is_tenant_model(model: type[Model]) -> bool:
    """Whether rows of `model` live in each organisation's schema (else in the public one)."""
    return model._meta.app_config.name in settings.TENANT_APPS

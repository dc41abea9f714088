"""Where the portal keeps personal data: every foreign key (or many-to-many) to a person, and what export,
erasure and retention do with it. Export-my-data, erasure and the retention task all read this map, and
tests/reports/test_data_map.py fails when a model that points at a person is missing from it.

Export
  ROW        the row is about the person or was written by them: exported whole (minus `secret` fields),
             with `children` (rows hanging off it), each read through the policy as the person.
  REFERENCE  the person only acted on a row about something or someone else ("marked attendance"):
             exported as a reference (model, id, field, when), never the other row's content.

Erasure (of an employee: someone who holds no coach or HR role where they are erased)
  DELETE     coaching content: deleted, with everything hanging off it.
  ANONYMISE  history that figures and other people's records depend on (an enrolment, an attendance):
             pointed at an anonymous stand-in account, with `clear` fields emptied.
  NULL       "who did this" on someone else's row: emptied.
  ACCOUNT    public-schema data of the account itself: handled when the account is closed.
  KEEP       kept, for the `reason` given.
"""

from __future__ import annotations

from dataclasses import dataclass

ROW, REFERENCE = "row", "reference"
DELETE, ANONYMISE, NULL, ACCOUNT, KEEP = "delete", "anonymise", "null", "account", "keep"


@dataclass(frozen=True)
class Entry:
    model: str  # app_label.ModelName
    field: str
    export: str
    erase: str
    children: tuple[str, ...] = ()  # reverse relations exported with each row (read through the policy)
    secret: tuple[str, ...] = ()  # fields never exported
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
    Entry("authtoken.Token", "user", ROW, ACCOUNT, secret=("key",), via_policy=False,
          reason="that an API token exists, never its key"),
    Entry("availability.Slot", "coach", ROW, KEEP, via_policy=False,
          reason="a coach's own availability; erasure applies to employees only"),
    Entry("availability.Slot", "booked_by", REFERENCE, NULL, dated_by="booked_at"),
    Entry("availability.OfferDefault", "coach", ROW, ACCOUNT, via_policy=False,
          reason="the coach's own choice of which organisations may book their new free time"),
    Entry("availability.CalendarFeed", "user", ROW, ACCOUNT, secret=("secret",), via_policy=False,
          reason="the person's own calendar feeds, never their secret"),

    # --- programmes ------------------------------------------------------------------------------------
    Entry("programmes.EmployeeProfile", "user", ROW, ANONYMISE, clear=("job_title", "manager"), via_policy=False,
          reason="where the person stands in the organisation is theirs to see"),
    Entry("programmes.EmployeeProfile", "manager", REFERENCE, NULL, dated_by="updated_at"),
    Entry("programmes.Programme", "created_by", REFERENCE, NULL, dated_by="created_at"),
    Entry("programmes.Cohort", "coaches", REFERENCE, KEEP, reason="coaches only; erasure applies to employees"),
    Entry("programmes.Enrolment", "employee", ROW, ANONYMISE, children=("events", "credit_transactions")),
    Entry("programmes.Enrolment", "coach", REFERENCE, KEEP, dated_by="created_at",
          reason="coaches only; erasure applies to employees"),
    Entry("programmes.Enrolment", "status_changed_by", REFERENCE, NULL, dated_by="status_changed_at"),
    Entry("programmes.EnrolmentEvent", "by", REFERENCE, NULL, dated_by="at"),
    Entry("programmes.Agreement", "created_by", REFERENCE, NULL, dated_by="created_at"),
    Entry("programmes.AgreementAcceptance", "user", ROW, ANONYMISE),
    Entry("programmes.EnrolmentImport", "created_by", REFERENCE, NULL, dated_by="created_at"),
    Entry("programmes.Session", "coach", REFERENCE, KEEP, dated_by="starts_at",
          reason="coaches only; erasure applies to employees"),
    Entry("programmes.Session", "cancelled_by", REFERENCE, NULL, dated_by="cancelled_at"),
    Entry("programmes.Session", "created_by", REFERENCE, NULL, dated_by="created_at"),
    Entry("programmes.Attendance", "user", ROW, ANONYMISE),
    Entry("programmes.Attendance", "marked_by", REFERENCE, NULL, dated_by="marked_at"),
    Entry("programmes.CreditTransaction", "by", REFERENCE, NULL, dated_by="at"),
    Entry("programmes.UrgentRequest", "employee", ROW, DELETE),
    Entry("programmes.UrgentRequest", "coach", REFERENCE, KEEP, dated_by="created_at",
          reason="coaches only; erasure applies to employees"),

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
    Entry("assessments.CoachFeedback", "coach", REFERENCE, KEEP, dated_by="created_at",
          reason="coaches only; erasure applies to employees"),
    Entry("assessments.CoachFeedback", "employee", ROW, DELETE),
    Entry("assessments.SessionNote", "author", ROW, KEEP,
          reason="coaches only; an erased employee's 1:1 notes go with their sessions (SESSION_CONTENT)"),
    Entry("assessments.SessionSummary", "author", REFERENCE, NULL, dated_by="updated_at"),

    # --- reports ---------------------------------------------------------------------------------------
    Entry("reports.AuditEvent", "actor", REFERENCE, NULL, dated_by="at"),
    Entry("reports.AuditEvent", "subject", ROW, ANONYMISE, via_policy=False,
          reason="what the organisation did with the person's data (exports, erasure) is theirs to know"),
    Entry("reports.ReportJob", "requested_by", REFERENCE, DELETE, dated_by="created_at"),
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
    ("assessments.CoachFeedback", "updated_at"),
    ("assessments.SessionNote", "updated_at"),
    ("assessments.SessionSummary", "updated_at"),
    ("assessments.AccessLogEntry", "at"),
    ("programmes.UrgentRequest", "created_at"),
)


def entries_for(label: str) -> list[Entry]:
    return [entry for entry in ENTRIES if entry.model == label]

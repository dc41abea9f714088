"""The confidentiality page a works council reads (docs/CONFIDENTIALITY.md and its Dutch twin), made from the
code that enforces it, so the page and the portal cannot say different things.

`python manage.py confidentiality_doc` writes both pages. tests/test_confidentiality_doc.py fails when a
checked-in page differs from what the code says now, when a row of the table below claims access that the
policy module's rule does not give (or denies access it does give), and when a model the policy knows is
missing from the table.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from portal import policy

DOCUMENTS = {"en": "docs/CONFIDENTIALITY.md", "nl": "docs/CONFIDENTIALITY.nl.md"}


@dataclass(frozen=True)
class Row:
    """One line of the table: what kind of data, and what each role reads of it.

    A cell of None means the role reads no row of these models at all; a text means it reads some, and says
    which. Both are checked against policy.scope(). `aggregated`: HR sees no row but figures over groups
    large enough (the disclosure rules below), which the HR cell then says.
    """

    label: str
    models: tuple[str, ...]
    employee: str | None
    coach: str | None
    hr: str | None
    aggregated: bool = False


OWN = _("their own")
EVERYONE = _("yes, everyone in the organisation")
COACHEES = _("of the people they coach")

ROWS: tuple[Row, ...] = (
    Row(_("Profile, enrolment, credits, attendance, agreement accepted"),
        ("programmes.EmployeeProfile", "programmes.Enrolment", "programmes.EnrolmentEvent",
         "programmes.CreditTransaction", "programmes.Attendance", "programmes.AgreementAcceptance"),
        OWN, COACHEES, EVERYONE),
    Row(_("Sessions: date, time, mode"), ("programmes.Session",),
        _("their own 1:1s and their group's sessions"), _("those they lead or whose people they coach"),
        _("yes, without the means to join a 1:1 (see below)")),
    Row(_("A coach's free times"), ("availability.Slot",),
        _("their own coach's times offered to the organisation"), _("their own"), None),
    Row(_("Urgent requests for a conversation"), ("programmes.UrgentRequest",),
        OWN, _("those addressed to them"), None),
    Row(_("Reflections and the coach's replies"), ("assessments.Reflection", "assessments.ReflectionReply"),
        OWN, _("only those the employee shared with them"), None),
    Row(_("Goals, options, actions, check-ins, comments"),
        ("assessments.Goal", "assessments.GoalOption", "assessments.ActionItem", "assessments.CheckIn",
         "assessments.GoalComment"),
        OWN, COACHEES, None),
    Row(_("Progress of a goal the employee chose to share with HR (status and percentage, never its title or "
          "text)"), ("assessments.SharedGoalProgress",), None, None, _("yes, only those shared")),
    Row(_("Feedback after a session (ratings, comments), both ways"),
        ("assessments.SessionFeedback", "assessments.CoachFeedback"),
        OWN, _("about their own sessions"), None, aggregated=True),
    Row(_("The coach's private notes"), ("assessments.SessionNote",), None, _("the author only"), None),
    Row(_("Shared session summary"), ("assessments.SessionSummary",), OWN, _("of their own sessions"), None),
    Row(_("Assessments: assignments, answers, scores"),
        ("assessments.Assignment", "assessments.Answer", "assessments.Score"),
        OWN, _("of the people they coach, once released where the programme says so"), None, aggregated=True),
    Row(_("Questionnaires (questions, scales, when they are asked), never anyone's answers"),
        ("assessments.Instrument", "assessments.InstrumentVersion", "assessments.Dimension",
         "assessments.Question", "assessments.Choice", "assessments.Band", "assessments.PhaseAssessment"),
        EVERYONE, EVERYONE, EVERYONE),
    Row(_("Programmes, phases, resources, cohorts, the coaching agreement"),
        ("programmes.Programme", "programmes.Phase", "programmes.Resource", "programmes.Cohort",
         "programmes.Agreement"),
        EVERYONE, EVERYONE, EVERYONE),
    Row(_("Who opened the employee's data (who, what, when; never the content)"),
        ("assessments.AccessLogEntry",), OWN, None, None),
    Row(_("Members and their roles in this organisation"), ("tenants.Membership", "tenants.User"),
        _("their own"), _("employees and coaches"), EVERYONE),
    Row(_("Spreadsheet imports of enrolments"), ("programmes.EnrolmentImport",), None, None, EVERYONE),
    Row(_("The organisation's audit log (who changed what; exercising a data right only as counts)"),
        ("reports.AuditEvent",), None, None, _("yes")),
    Row(_("Platform audit of the organisation (provisioning, roles)"), ("tenants.PlatformEvent",),
        None, None, _("yes, of this organisation")),
    Row(_("Requests to erase personal data"), ("reports.ErasureRequest",), OWN, None, _("yes, to carry them out")),
    Row(_("Reports being prepared"), ("reports.ReportJob",), _("those they asked for"), _("those they asked for"),
        _("those they asked for")),
    Row(_("Calendar feeds"), ("availability.CalendarFeed",), OWN, OWN, OWN),
    Row(_("Organisations"), ("tenants.Organisation",), _("those they belong to"), _("those they serve"),
        _("those they belong to")),
)

ROLE_CELLS = ((policy.EMPLOYEE, "employee"), (policy.COACH, "coach"), (policy.HR_MANAGER, "hr"))


def reads_rows(role: str, model) -> bool:
    """Whether an actor holding only `role` in an organisation can read any row of `model` through the policy.

    The rule is applied to a stand-in person and organisation and its SQL compiled, never run: a rule that
    gives the role nothing compiles to an empty result whatever the data.
    """
    from tenants.models import Organisation, User

    organisation = Organisation(pk=-1, schema_name=connection.schema_name)
    user = User(pk=-1, is_active=True, is_staff=False)
    actor = policy.Actor(user=user, organisation=organisation, roles=frozenset({role}))
    rows = policy.scope(actor, model)
    try:
        rows.query.get_compiler(rows.db).as_sql()
    except EmptyResultSet:
        return False
    return True


def disagreements() -> list[str]:
    """Every place where the table and the policy module say different things (empty when they agree).

    Must run with the connection on an organisation's schema (or the template schema).
    """
    from django.apps import apps

    problems = []
    described = set()
    for row in ROWS:
        for label in row.models:
            model = apps.get_model(label)
            described.add(model)
            for role, cell in ROLE_CELLS:
                claimed = getattr(row, cell) is not None
                if reads_rows(role, model) != claimed:
                    problems.append(f"{label}, {role}: the table says {'yes' if claimed else 'no'}, "
                                    f"the policy {'no' if claimed else 'yes'}")
    for model in policy.registered_models():
        if model not in described:
            problems.append(f"{model._meta.label} has a rule in the policy but no row in the table")
    return problems


def render(language: str) -> str:
    """The page in `language`, as Markdown."""
    with translation.override(language):
        return render_to_string("docs/confidentiality.md", context())


def context() -> dict:
    minimum = settings.MIN_AGGREGATE_GROUP_SIZE
    rows = [{"label": row.label,
             "cells": [_cell(row, cell, minimum) for _role, cell in ROLE_CELLS]} for row in ROWS]
    return {"rows": rows, "minimum": minimum, "sections": sections(minimum)}


def sections(minimum: int) -> list[dict]:
    """The rules in words, each paragraph filled in from the module that applies it."""
    return [
        {"title": _("Figures about groups"), "paragraphs": disclosure_paragraphs(minimum)},
        {"title": _("Sessions: HR sees when and how, never the means to join"),
         "paragraphs": session_paragraphs()},
        {"title": _("Nothing that grants access leaves the portal"), "paragraphs": export_paragraphs()},
        {"title": _("One account per person, never taken by another organisation"),
         "paragraphs": identity_paragraphs()},
    ]


def disclosure_paragraphs(minimum: int) -> list[str]:
    return []


def session_paragraphs() -> list[str]:
    return []


def export_paragraphs() -> list[str]:
    return []


def identity_paragraphs() -> list[str]:
    return []


def _cell(row: Row, cell: str, minimum: int) -> str:
    text = getattr(row, cell)
    if text is not None:
        return str(text)
    if cell == "hr" and row.aggregated:
        return str(_("no; figures over groups of at least %(minimum)s people only")) % {"minimum": minimum}
    return str(_("no"))

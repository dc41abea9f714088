"""The confidentiality page a works council reads (docs/CONFIDENTIALITY.md and its Dutch twin), made from the
code that enforces it, so the page and the portal cannot say different things.

`python manage.py confidentiality_doc` writes both pages. tests/test_confidentiality_doc.py fails when a
checked-in page differs from what the code says now, when a row of the table below claims access that the
policy module's rule does not give (or denies access it does give), and when a model the policy knows is
missing from the table.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal import policy
from programmes.models import Session
from reports import data_map, disclosure
from tenants.models import Organisation, User

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
ALL = _("yes, all of the organisation's")

ROWS: tuple[Row, ...] = (
    Row(
        _("Profile, enrolment, credits, attendance, agreement accepted"),
        (
            "programmes.EmployeeProfile",
            "programmes.Enrolment",
            "programmes.EnrolmentEvent",
            "programmes.CreditTransaction",
            "programmes.Attendance",
            "programmes.AgreementAcceptance",
        ),
        OWN,
        COACHEES,
        EVERYONE,
    ),
    Row(
        _("The three-way agreement of an enrolment: agreed objectives, versions, each party's acceptance"),
        ("programmes.EnrolmentAgreement", "programmes.PartyAcceptance"),
        _("their own, and those of the people whose coaching they sponsor as their manager"),
        COACHEES,
        EVERYONE,
    ),
    Row(
        _("What a sponsoring manager sees of the people they sponsor: enrolment and attendance, never content"),
        ("programmes.SponsoredEnrolment", "programmes.SponsoredAttendance"),
        _("only as the manager the programme names as sponsor"),
        None,
        None,
    ),
    Row(
        _("Sessions: date, time, mode"),
        ("programmes.Session",),
        _("their own 1:1s and their group's sessions"),
        _("those they lead or whose people they coach"),
        _("yes, without the means to join a 1:1 (see below)"),
    ),
    Row(
        _("A coach's free times"),
        ("availability.Slot",),
        _(
            "their own coach's times offered to the organisation, and while they choose a coach those of the coaches suggested to them"
        ),
        _("their own"),
        None,
    ),
    Row(
        _("Coach profiles (photo, biography, languages, specialisms, accreditation, capacity)"),
        ("coaches.CoachProfile",),
        _("of the coaches who accepted a place in the pool"),
        _("their own, and those of the coaches in the pool"),
        _("of the coaches who accepted a place in the pool"),
    ),
    Row(
        _("The coach pool and how each programme matches coaches"),
        ("matching.PoolMember", "matching.ProgrammeMatching"),
        _("the coaches in the pool; the setting of their programmes"),
        _("their own places in the pool; the setting of their programmes"),
        _("yes, with each coach's room as a number (never where else the coach works)"),
    ),
    Row(
        _("Matching intake, suggestions and chemistry calls"),
        ("matching.Intake", "matching.Suggestion", "matching.ChemistryCall"),
        OWN,
        _("the intakes they are suggested on while the employee chooses; their own chemistry calls"),
        None,
    ),
    Row(
        _("The reason for a change of coach"),
        ("matching.Rematch",),
        OWN,
        None,
        None,
        aggregated=True,
    ),
    Row(
        _("Urgent requests for a conversation"), ("programmes.UrgentRequest",), OWN, _("those addressed to them"), None
    ),
    Row(
        _("Reflections and the coach's replies"),
        ("assessments.Reflection", "assessments.ReflectionReply"),
        OWN,
        _("only those the employee shared with them"),
        None,
    ),
    Row(
        _("Goals, options, actions, check-ins, comments"),
        (
            "assessments.Goal",
            "assessments.GoalOption",
            "assessments.ActionItem",
            "assessments.CheckIn",
            "assessments.GoalComment",
        ),
        OWN,
        COACHEES,
        None,
    ),
    Row(
        _("Progress of a goal the employee chose to share with HR (status and percentage, never its title or text)"),
        ("assessments.SharedGoalProgress",),
        None,
        None,
        _("yes, only those shared"),
    ),
    Row(
        _("Feedback after a session (ratings, comments), both ways"),
        ("assessments.SessionFeedback", "assessments.CoachFeedback"),
        OWN,
        _("about their own sessions"),
        None,
        aggregated=True,
    ),
    Row(
        _("Pulse: how they feel, their energy and confidence, a note"),
        ("assessments.Pulse",),
        OWN,
        _("only those the employee shared with them, while they coach that enrolment"),
        None,
        aggregated=True,
    ),
    Row(_("The coach's private notes"), ("assessments.SessionNote",), None, _("the author only"), None),
    Row(_("Shared session summary"), ("assessments.SessionSummary",), OWN, _("of their own sessions"), None),
    Row(
        _("Assessments: assignments, answers, scores"),
        ("assessments.Assignment", "assessments.Answer", "assessments.Score"),
        OWN,
        _("of the people they coach, once released where the programme says so"),
        None,
        aggregated=True,
    ),
    Row(
        _("Stakeholder feedback rounds and whom the employee asked"),
        ("stakeholders.Round", "stakeholders.Rater"),
        OWN,
        _(
            "of the people they coach; whom was asked only if the employee let them invite, the results only "
            "once the employee released them"
        ),
        None,
        aggregated=True,
    ),
    Row(
        _(
            "Stakeholder answers one by one: never shown to anyone; the employee (and their coach, once "
            "released) sees means and comments per group of at least three raters"
        ),
        ("stakeholders.RaterAnswer",),
        None,
        None,
        None,
    ),
    Row(
        _("Questionnaires (questions, scales, when they are asked), never anyone's answers"),
        (
            "assessments.Instrument",
            "assessments.InstrumentVersion",
            "assessments.Dimension",
            "assessments.Question",
            "assessments.Choice",
            "assessments.Band",
            "assessments.PhaseAssessment",
        ),
        ALL,
        ALL,
        ALL,
    ),
    Row(
        _("Programmes, phases, resources, cohorts, the coaching agreement"),
        (
            "programmes.Programme",
            "programmes.Phase",
            "programmes.Resource",
            "programmes.Cohort",
            "programmes.Agreement",
        ),
        ALL,
        ALL,
        ALL,
    ),
    Row(
        _("Who opened the employee's data (who, what, when; never the content)"),
        ("assessments.AccessLogEntry",),
        OWN,
        None,
        None,
    ),
    Row(
        _("Members and their roles in this organisation"),
        ("tenants.Membership", "tenants.User"),
        _("their own"),
        _("employees and coaches"),
        EVERYONE,
    ),
    Row(_("Spreadsheet imports of enrolments"), ("programmes.EnrolmentImport",), None, None, ALL),
    Row(
        _(
            "Webhooks to the organisation's own systems, and their delivery log (events carry ids, types and "
            "times, never coaching content)"
        ),
        ("webhooks.Endpoint", "webhooks.Message", "webhooks.Delivery", "webhooks.Attempt"),
        None,
        None,
        ALL,
    ),
    Row(
        _(
            "SCIM provisioning from the organisation's HR system: its tokens (kept hashed) and the people it "
            "provisioned, as the HR system sent them"
        ),
        ("scim.ScimToken", "scim.ScimUser"),
        None,
        None,
        ALL,
    ),
    Row(
        _(
            "Single sign-on: the organisation's identity providers (their client secrets kept encrypted, never "
            "shown again), shown to everyone as the sign-in buttons of the enabled ones"
        ),
        ("sso.IdentityProvider",),
        _("the enabled ones"),
        _("the enabled ones"),
        ALL,
    ),
    Row(
        _("Single sign-on: the organisation's sign-in policy and its claimed email domains"),
        ("sso.SignInPolicy", "sso.DomainClaim"),
        None,
        None,
        ALL,
    ),
    Row(
        _("Sign-in links to an identity provider (its issuer and the subject it knows the person by)"),
        ("sso.ExternalIdentity",),
        OWN,
        OWN,
        _("those made through the organisation's providers"),
    ),
    Row(
        _("The organisation's audit log (who changed what; exercising a data right only as counts)"),
        ("reports.AuditEvent",),
        None,
        None,
        _("yes"),
    ),
    Row(
        _("Platform audit of the organisation (provisioning, roles)"),
        ("tenants.PlatformEvent",),
        None,
        None,
        _("yes, of this organisation"),
    ),
    Row(
        _("Requests to erase personal data"),
        ("reports.ErasureRequest",),
        OWN,
        None,
        _("those HR made when someone leaves; of a person's own request only how many"),
    ),
    Row(
        _("Reports being prepared"),
        ("reports.ReportJob",),
        _("those they asked for"),
        _("those they asked for"),
        _("those they asked for"),
    ),
    Row(_("Calendar feeds"), ("availability.CalendarFeed",), OWN, OWN, OWN),
    Row(
        _("Personal API tokens (name, first characters, dates; never the token itself, which is kept only hashed)"),
        ("tenants.ApiToken",),
        OWN,
        OWN,
        OWN,
    ),
    Row(
        _("The address of a coach's own calendar and the busy times read from it (each coach's own)"),
        ("availability.ExternalCalendar", "availability.BusyTime"),
        OWN,
        OWN,
        OWN,
    ),
    Row(
        _("A coach's choice of which organisations may book their new free times (each person's own setting)"),
        ("availability.OfferDefault",),
        OWN,
        OWN,
        OWN,
    ),
    Row(
        _(
            "Invitations to join the organisation (the address and the names HR typed); the person invited sees "
            "theirs on their home page, outside any organisation"
        ),
        ("tenants.Invitation",),
        None,
        None,
        _("those of this organisation"),
    ),
    Row(
        _("Organisations"),
        ("tenants.Organisation",),
        _("those they belong to"),
        _("those they serve"),
        _("those they belong to"),
    ),
)

ROLE_CELLS = ((policy.EMPLOYEE, "employee"), (policy.COACH, "coach"), (policy.HR_MANAGER, "hr"))


def reads_rows(role: str, model) -> bool:
    """Whether an actor holding only `role` in an organisation can read any row of `model` through the policy.

    The rule is applied to a stand-in person and organisation and its SQL compiled, never run: a rule that
    gives the role nothing compiles to an empty result whatever the data.
    """

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

    problems = []
    described = set()
    for row in ROWS:
        for label in row.models:
            model = apps.get_model(label)
            described.add(model)
            for role, cell in ROLE_CELLS:
                claimed = getattr(row, cell) is not None
                if reads_rows(role, model) != claimed:
                    problems.append(
                        f"{label}, {role}: the table says {'yes' if claimed else 'no'}, "
                        f"the policy {'no' if claimed else 'yes'}"
                    )
    for model in policy.registered_models():
        if model not in described:
            problems.append(f"{model._meta.label} has a rule in the policy but no row in the table")
    return problems


def render(language: str) -> str:
    """The page in `language`, as Markdown."""
    with translation.override(language):
        return render_to_string("docs/confidentiality.txt", context())


def context() -> dict:
    minimum = settings.MIN_AGGREGATE_GROUP_SIZE
    rows = [{"label": row.label, "cells": [_cell(row, cell, minimum) for _role, cell in ROLE_CELLS]} for row in ROWS]
    return {"rows": rows, "minimum": minimum, "sections": sections(minimum)}


def sections(minimum: int) -> list[dict]:
    """The rules in words, each paragraph filled in from the module that applies it."""
    return [
        {"title": _("Figures about groups"), "paragraphs": disclosure_paragraphs(minimum)},
        {"title": _("Sessions: HR sees when and how, never the means to join"), "paragraphs": session_paragraphs()},
        {"title": _("The employee sees who looked"), "paragraphs": reads_paragraphs()},
        {"title": _("Nothing that grants access leaves the portal"), "paragraphs": export_paragraphs()},
        {
            "title": _("One account per person, never taken by another organisation"),
            "paragraphs": identity_paragraphs(),
        },
    ]


# The people who stand behind each kind of figure (reports.disclosure.CONTRIBUTORS), in plain words.
CONTRIBUTORS = {
    "completion": _("for completion, the people who submitted the assessment"),
    "scores": _("for scores, the people with a score"),
    "baseline": _("for scores against the start, the people scored both at the start and at that moment"),
    "change": _("for the change over the programme, the people with a first and a final score"),
    "ratings": _("for session ratings, the people who rated a session"),
    "reflections": _("for reflections, the people who wrote one"),
    "goals": _("for goals, the people who set one"),
    "actions": _("for goal actions, the people who have actions"),
    "pulse": _("for the pulse, the people who gave one (each person's own average counts once)"),
    "rematches": _("for changes of coach, the people who changed coach"),
    "stakeholders": _("for stakeholder feedback, the people who asked for it (counts of raters asked and answered)"),
}


def disclosure_paragraphs(minimum: int) -> list[str]:

    contributors = "; ".join(str(CONTRIBUTORS[kind]) for kind in disclosure.KINDS)
    days = disclosure.REFRESH_PERIOD.days
    return [
        str(
            _(
                "Figures HR sees about what people did in their coaching (assessment completion and scores, the "
                "change over the programme, session ratings, reflections written, goals and actions) are sums of "
                "small groups: the people of one cohort in one department. A group counts only when at least "
                "%(minimum)s people contribute to it. Contributors are the people who actually stand behind a "
                "figure, never the people enrolled: %(contributors)s. Adding people who never take part releases "
                "nothing."
            )
        )
        % {"minimum": minimum, "contributors": contributors},
        str(
            _(
                'Within a cohort, departments with fewer than %(minimum)s contributors are pooled into "the rest '
                'of the cohort", which no department filter shows. When that pool is itself too small, the '
                "smallest other department joins it, until the pool reaches %(minimum)s or holds the whole "
                "cohort. A group that is withheld is part of no figure at all, so no sum or difference of the "
                "figures HR sees (a whole minus its parts, one filter against another) reaches a withheld group "
                "or tells its size. A test tries every such sum and difference over every figure and filter HR "
                "can choose."
            )
        )
        % {"minimum": minimum},
        str(
            ngettext(
                "HR sees figures as they were last released, never live data. They are recomputed at most "
                "once a day, at night. A group's new figures are released only when nobody's contribution "
                "changed since the last release, or at least %(minimum)s people's did; otherwise the previous "
                "figures stay. So one person joining, leaving or moving to another cohort or department "
                "changes no figure HR sees, and comparing two days cannot single anyone out. Every page "
                "says the date of its figures.",
                "HR sees figures as they were last released, never live data. They are recomputed at most "
                "once every %(days)s days, at night. A group's new figures are released only when nobody's "
                "contribution changed since the last release, or at least %(minimum)s people's did; "
                "otherwise the previous figures stay. So one person joining, leaving or moving to another "
                "cohort or department changes no figure HR sees, and comparing two days cannot single anyone "
                "out. Every page says the date of its figures.",
                days,
            )
        )
        % {"minimum": minimum, "days": days},
        str(
            _(
                "Enrolment, attendance and credits are not coaching content: HR sees them person by person, as the "
                "table above says. Everything else HR sees about groups (pages, their parts, the programme PDF, "
                "spreadsheets and the interface for other systems) comes through this one set of rules."
            )
        ),
    ]


def session_paragraphs() -> list[str]:

    guarded = ", ".join(
        str(Session._meta.get_field(name).verbose_name) for name in sorted(policy.guarded_fields(Session))
    )
    return [
        str(
            _(
                "HR sees every session of the organisation: its date, time, length, mode (in person, video or phone), "
                "who leads it and who attended. How to join a 1:1 (%(fields)s) is for the people in the conversation "
                "only: the employee and their coach. It is blanked on every page, fragment, calendar, email and "
                "interface answer for anyone else, HR included. Group sessions are programme events that HR organises; "
                "everyone who may see one may join it."
            )
        )
        % {"fields": guarded},
    ]


def reads_paragraphs() -> list[str]:
    logged = ", ".join(sorted(str(model._meta.verbose_name_plural) for model in policy.audited_models()))
    return [
        str(
            _(
                "Every time someone other than the employee opens their content, on any page, list, download or "
                "interface, the portal writes who, what and when (never the content itself), and the employee sees "
                "that list on their own page. Reads of these are logged: %(logged)s. The rule that logs them sits "
                "in the same module that lets the row be read, so a new page cannot forget it. A person who is "
                "both coach and employee in one organisation sees only their own items on the employee pages; "
                "what they open as a coach is logged like any coach's reading."
            )
        )
        % {"logged": logged},
    ]


# Plain words for the models whose identifier is a secret (reports.data_map.SECRET_MODELS).
SECRET_MODEL_NAMES = {
    "authtoken.Token": _("API tokens"),
    "sessions.Session": _("sign-in sessions"),
    "tenants.Invitation": _("invitations"),
    "tenants.HandoffToken": _("the tickets that carry a coach from one host to another"),
}


def export_paragraphs() -> list[str]:

    secrets = ", ".join(str(SECRET_MODEL_NAMES[label]) for label in data_map.SECRET_MODELS)
    return [
        str(
            _(
                "A person's own data export, an organisation's offboarding bundle, PDFs and spreadsheets carry no "
                "credential: no password or its hash, no API token, no session, no invitation or sign-in link, no "
                "calendar-feed address, in any field. One rule decides, field by field, what may be written to a "
                "file, and it refuses: the identifiers of %(secrets)s (those identifiers are what their links "
                "carry); any field named like a password, secret, token, key, hash, salt, nonce, code or signature; "
                "and any value generated at random, as a credential's is. A test walks every kind of data an export "
                "can reach and fails when a file would carry one."
            )
        )
        % {"secrets": secrets},
        str(
            _(
                "Every answer to a signed-in person is marked private and not to be stored (no-store), so a shared "
                "computer or a proxy keeps no copy of coaching content. Spreadsheets neutralise text that a "
                "spreadsheet program would run as a formula."
            )
        ),
    ]


def identity_paragraphs() -> list[str]:
    return [
        str(
            _(
                "Each person has one account, however many organisations they belong to, and no organisation can "
                "take it. An invitation never makes anyone a member: whether the address is new or already has an "
                "account (in another organisation, or as a coach), the person appears only in HR's list of "
                "invitations, under the name HR typed, until they accept it, by choosing a password for a new "
                "account or by signing in to the one they have. Until then they cannot sign in there, appear in no "
                "other list, and nothing can be booked with them. HR gets the same answer for a new and an "
                "existing address and learns nothing about other organisations."
            )
        ),
        str(
            _(
                "A coach's free times are offered only to the organisations the coach accepted to serve, and the "
                "coach chooses for each organisation which of those times it may book. Ending a membership ends it "
                "in that organisation only, never the account or its other memberships."
            )
        ),
        str(
            _(
                "Too many wrong passwords slow down sign-in for that account from that device, and then for the "
                "account as a whole, but never keep the right password out for long: nobody can lock someone else "
                "out of their account, or flood their mailbox with password-reset emails."
            )
        ),
    ]


def _cell(row: Row, cell: str, minimum: int) -> str:
    text = getattr(row, cell)
    if text is not None:
        return str(text)
    if cell == "hr" and row.aggregated:
        return str(_("no; figures over groups of at least %(minimum)s people only")) % {"minimum": minimum}
    return str(_("no"))

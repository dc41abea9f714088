"""The reports as documents: the same selectors feed the pages and the PDFs, and the charts are drawn once
for both. Each `*_context` returns what a template needs; each `*_pdf` renders that context to PDF.
"""

from __future__ import annotations

from django.db import connection
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from portal import policy
from portal.formats import local_date_format
from programmes.selectors import agreement as agreement_selectors
from programmes.services.enrolment_agreement import terms_text
from reports import charts, pdf
from reports.selectors import coach as coach_selectors
from reports.selectors import dashboard as dashboard_selectors
from reports.selectors import personal as personal_selectors
from stakeholders import selectors as stakeholder_selectors

DEFAULT_ACCENT = "#2f5d8a"


def organisation_of(actor: policy.Actor):
    return actor.organisation or getattr(connection, "tenant", None)


def accent_of(organisation) -> str:
    colour = getattr(organisation, "accent_colour", "") or DEFAULT_ACCENT
    return colour if len(colour) == 7 and colour.startswith("#") else DEFAULT_ACCENT


def branding(organisation, title: str) -> dict:
    return {
        "organisation": organisation,
        "accent": accent_of(organisation),
        "logo": pdf.logo_data_uri(organisation),
        "document_title": title,
        "generated_at": timezone.now(),
    }


def file_name(*parts: str) -> str:
    return "-".join(slugify(part) for part in parts if part)[:150] + ".pdf"


# --- HR: dashboard and programme report ------------------------------------------------------------------


def dashboard_charts(report: dashboard_selectors.Dashboard) -> dict:
    """The dashboard's charts (the same markup on the page and in the programme report)."""
    total = max(report.funnel[0].count if report.funnel else 0, 1)
    funnel = charts.horizontal_bars(
        [charts.Bar(step.label, step.count) for step in report.funnel],
        title=_("Enrolment funnel"),
        maximum=total,
    )
    completion = (
        charts.horizontal_bars(
            [charts.Bar(row.label, row.percent) for row in report.completion],
            title=_("Assessments completed"),
            maximum=100,
            unit="%",
        )
        if report.completion
        else ""
    )
    for group in report.change:
        group.chart = (
            charts.change(
                [(line.name, line.initial, line.final) for line in group.shown],
                title=_("%(instrument)s: mean score at the start and at the end") % {"instrument": group.title},
                before=_("Initial"),
                after=_("Final"),
            )
            if group.shown
            else ""
        )
    ratings = (
        charts.distribution(
            report.ratings.distribution,
            title=_("Session ratings"),
            axis_label=_("Rating (1 = poor, 5 = excellent)"),
        )
        if report.ratings.shown
        else ""
    )
    return {"funnel": funnel, "completion": completion, "ratings": ratings}


def dashboard_context(*, actor: policy.Actor, filters: dashboard_selectors.Filters) -> dict:
    report = dashboard_selectors.dashboard(actor=actor, filters=filters)
    rows = dashboard_selectors.breakdown(actor=actor, filters=filters, report=report)
    return {
        "report": report,
        "breakdown": rows,
        "breakdown_by_cohort": bool(filters.programme),
        "charts": dashboard_charts(report),
        "minimum": report.minimum,
    }


def programme_title(filters: dashboard_selectors.Filters) -> str:
    return filters.programme.name if filters.programme else _("All programmes")


def programme_pdf(
    *, actor: policy.Actor, filters: dashboard_selectors.Filters, progress=None
) -> tuple[pdf.Rendered, str]:
    organisation = organisation_of(actor)
    context = {
        **branding(organisation, _("Programme report")),
        **dashboard_context(actor=actor, filters=filters),
        "filters": filters,
        "subtitle": programme_title(filters),
    }
    name = file_name(
        organisation.slug,
        "programme-report",
        programme_title(filters),
        filters.cohort.name if filters.cohort else "",
        filters.department,
        timezone.localdate().isoformat(),
    )
    if progress:
        progress(30)
    return pdf.render("reports/pdf/programme.html", context, progress=progress), name


# --- personal progress report ----------------------------------------------------------------------------


def personal_context(*, actor: policy.Actor, person, reflection_ids: list[int] | None = None) -> dict:
    report = personal_selectors.personal_report(actor=actor, person=person, reflection_ids=reflection_ids)
    result_charts = {}
    for group in report.results:
        lines = [line for line in group.lines if line.values]
        if group.has_initial and group.has_final and lines:
            result_charts[id(group)] = charts.change(
                [(line.name, line.values.get("initial"), line.values.get("final")) for line in lines],
                title=_("%(instrument)s: your scores at the start and at the end") % {"instrument": group.title},
                before=_("Initial"),
                after=_("Final"),
            )
    groups = []
    for group in report.results:
        moments = [moment for moment, _label in group.moments]
        rows = [
            {
                "name": line.name,
                "values": [line.value(moment) for moment in moments],
                "change": line.change,
                "band": line.latest_band,
            }
            for line in group.lines
        ]
        groups.append({"group": group, "chart": result_charts.get(id(group), ""), "rows": rows})
    return {"report": report, "result_groups": groups, "stakeholder_changes": stakeholder_changes(actor, person)}


def stakeholder_changes(actor: policy.Actor, person) -> list[dict]:
    """The stakeholder rounds' change per dimension the reader may see (a coach: released rounds only)."""
    changes = []
    for change in stakeholder_selectors.change_for(actor=actor, employee_id=person.pk):
        chart = charts.change(
            [(line.name, line.start, line.end) for line in change.lines],
            title=_("%(programme)s: what the people around you saw at the start and at the end")
            % {"programme": change.programme},
            before=_("Start"),
            after=_("End"),
        )
        changes.append({"change": change, "chart": chart})
    return changes


def personal_pdf(
    *, actor: policy.Actor, person, reflection_ids: list[int] | None = None, progress=None
) -> tuple[pdf.Rendered, str]:
    organisation = organisation_of(actor)
    context = {
        **branding(organisation, _("Personal progress report")),
        **personal_context(actor=actor, person=person, reflection_ids=reflection_ids),
    }
    name = file_name(
        organisation.slug,
        "progress-report",
        person.get_full_name() or f"person-{person.pk}",
        timezone.localdate().isoformat(),
    )
    return pdf.render("reports/pdf/personal.html", context, progress=progress), name


# --- the coach's hours -----------------------------------------------------------------------------------


def coach_context(*, actor: policy.Actor, period: coach_selectors.Period, with_sessions: bool = True) -> dict:
    report = coach_selectors.coach_report(actor=actor, period=period, with_sessions=with_sessions)
    chart = charts.columns(
        [(local_date_format(row.month, "M y"), row.hours) for row in report.months],
        title=_("Coaching hours per month"),
        unit="h",
        decimals=1,
    )
    return {"report": report, "chart": chart}


def coach_pdf(*, actor: policy.Actor, period: coach_selectors.Period, progress=None) -> tuple[pdf.Rendered, str]:
    organisation = organisation_of(actor)
    context = {
        **branding(organisation, _("Coaching hours")),
        **coach_context(actor=actor, period=period),
        "coach": actor.user,
    }
    name = file_name(
        organisation.slug,
        "coaching-hours",
        actor.user.get_full_name() or "coach",
        period.first.strftime("%Y-%m"),
        period.last.strftime("%Y-%m"),
    )
    return pdf.render("reports/pdf/coach.html", context, progress=progress), name


# --- the three-way agreement of an enrolment ---------------------------------------------------------------


def agreement_context(*, actor: policy.Actor, enrolment_pk: int) -> dict:
    state = agreement_selectors.agreement_state(
        actor=actor, enrolment=agreement_selectors.agreement_enrolment(actor=actor, pk=enrolment_pk)
    )
    terms = terms_text(actor=actor, agreement=state.current)
    return {"state": state, "terms": terms}


def agreement_pdf(*, actor: policy.Actor, enrolment_pk: int) -> tuple[pdf.Rendered, str]:
    """The agreement as its three parties downloaded it, in the organisation's language (the language the
    text was written in), whoever asks."""
    organisation = organisation_of(actor)
    language = organisation.default_language
    with translation.override(language):
        context = {
            **branding(organisation, _("Coaching agreement")),
            **agreement_context(actor=actor, enrolment_pk=enrolment_pk),
        }
        state = context["state"]
        employee = state.enrolment.employee
        name = file_name(
            organisation.slug,
            "coaching-agreement",
            employee.get_full_name() or f"person-{employee.pk}",
            f"v{state.current.version}" if state.current else "draft",
        )
        return pdf.render("reports/pdf/agreement.html", context, language=language), name

"""Session pages on an organisation's host: the list, one session, scheduling, moving, cancelling,
attendance, the .ics download, credit use and the urgent request."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal import kept, policy
from portal.forms import add_service_errors
from programmes.availability.selectors import free_times, offered_slot
from programmes.forms.sessions import ScheduleForm, TimeForm, UrgentForm, WhenForm
from programmes.models import Attendance, Session
from programmes.selectors import credits as credit_selectors
from programmes.selectors import sessions as selectors
from programmes.services import attendance as attendance_services
from programmes.services import sessions as services
from programmes.services import urgent as urgent_services
from programmes.services.calendar import calendar_ics
from tenants.services import public_url

PAGE_SIZE = 25
S = Session.Kind


def _time_field_errors(error: ValidationError) -> ValidationError:
    """The services speak of `starts_at`; the form asks for a date and a start time."""
    if hasattr(error, "error_dict") and "starts_at" in error.error_dict:
        error.error_dict["day"] = error.error_dict.pop("starts_at")
    return error


# --- the list ---------------------------------------------------------------------------------------


@require_GET
@policy.page(policy.EMPLOYEE, policy.COACH, policy.HR_MANAGER)
def sessions(request: HttpRequest) -> HttpResponse:
    """Coming or past sessions the person may see; for an employee also their credits."""
    actor = request.actor
    show = "past" if request.GET.get("show") == "past" else "upcoming"
    listed = selectors.sessions_past(actor=actor) if show == "past" else selectors.sessions_upcoming(actor=actor)
    page = Paginator(listed.prefetch_related(selectors.own_attendance(actor=actor)), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"show": show, "page": page, "is_organiser": actor.is_hr or actor.is_coach}
    if request.htmx and request.htmx.target == "session-list":
        return render(request, "programmes/session_list_rows.html", context)
    if actor.is_employee:
        # Kept (portal.kept): building the credits' statement cost more than running it.
        context["enrolments"] = kept.read(actor, "sessions", _enrolments_read)["enrolments"]
    if actor.is_coach:
        context["to_mark"] = list(selectors.sessions_to_mark(actor=actor))
    return render(request, "programmes/session_list.html", context)


def _enrolments_read(actor: policy.Actor) -> dict:
    return {"enrolments": credit_selectors.with_credits(selectors.bookable_enrolments(actor=actor))}


# --- one session ------------------------------------------------------------------------------------


@require_GET
@policy.page()
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.actor
    session = selectors.session_get(actor=actor, pk=pk)
    coach_here = services.coaches_session(actor, session)
    organiser = actor.is_hr or coach_here
    context = {
        "session": session,
        "organiser": organiser,
        "is_coach_here": coach_here,
        "join_hidden": bool(policy.hidden_fields(actor, session)),
        "own": session.kind == S.INDIVIDUAL and session.enrolment.employee_id == actor.user_id,
        "late": services.within_notice(actor, session),
        "started": session.starts_at <= timezone.now(),
        "notice_hours": actor.organisation.cancellation_notice_hours,
    }
    if organiser:
        context["sheet"] = selectors.attendance_sheet(actor=actor, session=session)
    else:
        context["mine"] = policy.scope(actor, Attendance).filter(session=session, user_id=actor.user_id).first()
    return render(request, "programmes/session_detail.html", context)


@require_GET
@policy.page()
def session_join(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Join the video call": on to the session's link, for those the policy lets join it; anyone else
    (HR and a 1:1) gets the 404 of a session that does not exist."""
    return redirect(selectors.session_join_link(actor=request.actor, pk=pk))


@require_POST
@policy.page()
def session_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get(actor=request.actor, pk=pk)
    try:
        session = services.session_cancel(actor=request.actor, session=session)
    except services.SessionRefused as refused:
        messages.error(request, refused.message)
    else:
        if session.late_cancellation:
            messages.warning(
                request,
                _(
                    "The session is cancelled. It was less than %(hours)d hours before the "
                    "start, so the credit is not given back."
                )
                % {"hours": request.actor.organisation.cancellation_notice_hours},
            )
        else:
            messages.success(request, _("The session is cancelled. Everyone taking part has been told."))
    return redirect("session_detail", pk=pk)


@require_GET
@policy.page()
def session_ics(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.session_get(actor=request.actor, pk=pk)
    for_coach = session.coach_id == request.user.pk
    body = calendar_ics(
        [(session, request.actor.organisation, for_coach)],
        name=request.actor.organisation.name,
        language=request.LANGUAGE_CODE,
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="session-{session.pk}.ics"'
    return response


# --- scheduling and moving --------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@policy.page(policy.COACH)
def session_create(request: HttpRequest) -> HttpResponse:
    """A coach schedules a group session or a 1:1 directly."""
    form = ScheduleForm(request.POST or None, actor=request.actor, initial=request.GET.dict() or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = services.session_schedule(
                actor=request.actor,
                kind=data["kind"],
                starts_at=form.starts_at(),
                duration_minutes=data["duration_minutes"],
                meeting=form.meeting(),
                enrolment=data["enrolment"],
                cohort=data["cohort"],
                title=data["title"],
            )
        except ValidationError as error:
            add_service_errors(form, _time_field_errors(error))
        except services.SessionRefused as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(request, _("The session is planned and everyone taking part has been told."))
            return redirect("session_detail", pk=session.pk)
    return render(request, "programmes/session_form.html", {"form": form})


def _move_by_organiser(request: HttpRequest, session: Session, form: TimeForm) -> bool:
    if not form.is_valid():
        return False
    try:
        services.session_move(
            actor=request.actor,
            session=session,
            starts_at=form.starts_at(),
            duration_minutes=form.cleaned_data["duration_minutes"],
            meeting=form.meeting(),
        )
    except ValidationError as error:
        add_service_errors(form, _time_field_errors(error))
    except services.SessionRefused as refused:
        form.add_error(None, refused.message)
    else:
        return True
    return False


def _move_by_employee(request: HttpRequest, session: Session) -> bool:
    slot = offered_slot(actor=request.actor, pk=request.POST.get("slot"))
    try:
        services.session_move_to_slot(actor=request.actor, session=session, slot=slot)
    except services.SessionRefused as refused:
        messages.error(request, refused.message)
        return False
    return True


@require_http_methods(["GET", "POST"])
@policy.page()
def session_reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    """Organisers choose any new time; an employee moves their own 1:1 to another free slot."""
    actor = request.actor
    session = selectors.session_get(actor=actor, pk=pk)
    organiser = services.organises(actor, session)
    form = None
    if organiser:
        local = timezone.localtime(session.starts_at)
        initial = {"day": local.date(), "start": local.time(), "duration_minutes": session.duration_minutes}
        if policy.hidden_fields(actor, session):
            form = TimeForm(request.POST or None, initial=initial)
        else:
            form = WhenForm(
                request.POST or None,
                initial={
                    **initial,
                    "mode": session.mode,
                    "location": session.location,
                    "video_url": session.video_url,
                    "dial_in": session.dial_in,
                },
            )
    if request.method == "POST":
        moved = _move_by_organiser(request, session, form) if organiser else _move_by_employee(request, session)
        if moved:
            messages.success(request, _("The session is moved and everyone taking part has been told."))
            return redirect("session_detail", pk=pk)
        if not organiser:
            return redirect("session_reschedule", pk=pk)
    context = {
        "session": session,
        "form": form,
        "organiser": organiser,
        "late": services.within_notice(actor, session),
        "notice_hours": actor.organisation.cancellation_notice_hours,
    }
    if not organiser:
        context["days"] = free_times(actor=actor, coach_id=session.coach_id).days
    return render(request, "programmes/session_move.html", context)


# --- attendance -------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@policy.page(policy.COACH)
def session_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.actor
    session = selectors.session_get(actor=actor, pk=pk)
    sheet = selectors.attendance_sheet(actor=actor, session=session)
    error = None
    if request.method == "POST":
        marks = {row.user_id: request.POST.get(f"user_{row.user_id}") for row in sheet}
        marks = {user_id: status for user_id, status in marks.items() if status}
        try:
            attendance_services.attendance_mark(actor=actor, session=session, marks=marks)
        except ValidationError as invalid:
            error = " ".join(invalid.messages)
        except services.SessionRefused as refused:
            error = refused.message
        else:
            messages.success(request, _("Attendance is recorded."))
            return redirect("session_detail", pk=pk)
    choices = [(status, label) for status, label in Attendance.Status.choices if status in attendance_services.MARKS]
    return render(
        request,
        "programmes/attendance_form.html",
        {
            "session": session,
            "sheet": sheet,
            "choices": choices,
            "error": error,
            "started": session.starts_at <= timezone.now(),
        },
    )


# --- credit use -------------------------------------------------------------------------------------


@require_GET
@policy.page(policy.HR_MANAGER, policy.COACH)
def credits(request: HttpRequest) -> HttpResponse:
    """HR (everyone) and coaches (the people they coach): allowance, use and what is left."""
    search = request.GET.get("q", "").strip()[:100]
    page = Paginator(credit_selectors.credit_overview(actor=request.actor, search=search), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"page": page, "search": search}
    template = "programmes/session_credits_rows.html" if request.htmx else "programmes/session_credits.html"
    return render(request, template, context)


# --- urgent conversation ----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@policy.page(policy.EMPLOYEE)
def urgent_request(request: HttpRequest) -> HttpResponse:
    """Ask the coach for an urgent conversation; the organisation's support contact is always shown."""
    form = UrgentForm(request.POST or None)
    sent = None
    if request.method == "POST" and form.is_valid():
        try:
            sent = urgent_services.urgent_request_create(actor=request.actor, message=form.cleaned_data["message"])
        except ValidationError as error:
            add_service_errors(form, error)
    context = {
        "form": form,
        "sent": sent,
        "support_contact": request.actor.organisation.support_contact,
        "coach": selectors.current_coach(actor=request.actor),
    }
    return render(request, "programmes/urgent_request.html", context)


@require_GET
@policy.page(policy.COACH)
def urgent_requests(request: HttpRequest) -> HttpResponse:
    """The coach's urgent requests in this organisation: waiting for an answer, and answered lately."""
    requests = list(selectors.urgent_requests_to_me(actor=request.actor))
    return render(
        request,
        "programmes/urgent_requests.html",
        {
            "waiting": [urgent for urgent in requests if urgent.acknowledged_at is None],
            "answered": [urgent for urgent in requests if urgent.acknowledged_at is not None],
            "workspace_url": public_url("/coach/", request=request),
        },
    )


@require_POST
@policy.page(policy.COACH)
def urgent_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    """The coach answers "seen, I will get in touch" (the employee is told by email). With htmx only the
    request's row is swapped."""
    urgent = selectors.urgent_request_to_me(actor=request.actor, pk=pk)
    urgent = urgent_services.urgent_request_acknowledge(actor=request.actor, request=urgent)
    if request.htmx:
        return render(request, "programmes/urgent_request_row.html", {"urgent": urgent})
    messages.success(
        request,
        _("Marked as seen. %(name)s is told that you will get in touch.")
        % {"name": urgent.employee.get_full_name() or urgent.employee.email},
    )
    return redirect("urgent_requests")

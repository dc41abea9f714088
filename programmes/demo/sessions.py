"""Demo content for sessions, run after the programmes demo in each organisation's schema.

coach@coaching.example publishes free time over the coming two weeks (weekday mornings, offered to every
organisation the coach serves, so the first ten employees of both organisations see it); each cohort has had three group
sessions with attendance recorded and has one coming; the first ten employees have had 1:1s (one
no-show, one excused absence, one late and one timely cancellation among them) and four of them have
booked a coming 1:1 from the published slots; one urgent request waits for the coach in Acme.

Coming sessions go through the same services as the pages. Sessions in the past cannot be booked or
scheduled, so they are written as the services would have left them: holding the coach's time, with the
credit spent and the attendance recorded through the attendance service. No email is sent.
Idempotent: an organisation whose programme has sessions already is left as it is.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from portal import policy
from programmes.availability.models import Slot
from programmes.availability.services import ADD, Meeting, slots_offer, slots_publish
from programmes.demo import CONTENT as DEMO_CONTENT
from programmes.models import Attendance, CreditTransaction, Enrolment, Programme, Session, UrgentRequest
from programmes.selectors.coach import places_of
from programmes.services.attendance import attendance_mark
from programmes.services.attendance_counts import attendance_counts_refresh
from programmes.services.booking import slot_book
from programmes.services.sessions import session_schedule
from programmes.tasks.sessions import without_email
from tenants import demo as people
from tenants.models import Organisation, User

FIRST_TEN = range(1, 11)
BOOKING_AHEAD = (1, 2, 3, 4)  # employees with a coming 1:1
# Each organisation's own hours, so the one coach is never in two places at once.
HOURS = {"acme": {"group": 14, "individual": 9}, "globex": {"group": 16, "individual": 11}}
ROOMS = {"en": "Meeting room Harbour, 2nd floor", "nl": "Vergaderzaal De Linde, 1e verdieping"}
TITLES = {
    "en": [
        "Where do you stand?",
        "Feedback that helps",
        "Deciding with the choices in view",
        "Practising new ways of working",
    ],
    "nl": [
        "Waar sta je?",
        "Feedback die helpt",
        "Beslissen met de keuzes in beeld",
        "Nieuwe manieren van werken oefenen",
    ],
}
URGENT = {
    "en": "Something happened at work today and I would like to talk it through before our next session.",
    "nl": "Er is vandaag iets gebeurd op het werk en ik wil het graag bespreken voor onze volgende sessie.",
}
VIDEO = "https://meet.coaching.example/carla-jansen"


def _local(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _weekdays_back(start: date, count: int) -> list[date]:
    """`count` working days, from `start` backwards."""
    days, day = [], start
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day -= timedelta(days=1)
    return days


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def seed(organisation: Organisation) -> None:
    """Run in the organisation's schema (tenants.demo.seed_content), after programmes.demo.seed."""
    name = DEMO_CONTENT.get(organisation.default_language, DEMO_CONTENT["en"])["programme"]
    programme = Programme.objects.filter(name=name).first()
    if programme is None or Session.objects.filter(cohort__programme=programme).exists():
        return
    coach = User.objects.get(email=people.COACH[0])
    spec = next(spec for spec in people.ORGANISATIONS if spec["slug"] == organisation.slug)
    hours = HOURS.get(organisation.slug, {"group": 15, "individual": 13})
    language = organisation.default_language
    with without_email():
        _publish_free_time(coach)
        employees = _coached_first_ten(organisation, programme, coach, spec)
        _group_sessions(organisation, programme, coach, hours["group"], language)
        _past_individual_sessions(organisation, coach, employees, hours["individual"])
        _coming_individual_sessions(organisation, employees)
        if organisation.slug == people.ORGANISATIONS[0]["slug"]:
            UrgentRequest.objects.create(employee=employees[6].employee, coach=coach, message=URGENT[language])


def _publish_free_time(coach: User) -> None:
    """Weekday mornings over the coming two weeks, offered to every organisation the coach serves by then
    (once: slots are shared; an organisation seeded after the first sees none of it, so it is offered there
    too)."""
    today = timezone.localdate()
    places = [place.organisation for place in places_of(user=coach, role=policy.COACH)]
    published = list(
        Slot.objects.filter(
            coach=coach,
            is_offered=True,
            starts_at__gt=timezone.now(),
            starts_at__lt=timezone.now() + timedelta(days=14),
        ).values_list("pk", flat=True)
    )
    if published:
        slots_offer(coach=coach, slot_ids=published, organisations=places, allowed=places, how=ADD)
        return
    for offset in range(1, 8):
        day = today + timedelta(days=offset)
        if day.weekday() < 5:
            slots_publish(
                coach=coach,
                first_day=day,
                start=time(9),
                end=time(12, 30),
                length_minutes=60,
                repeat_weeks=1,
                meeting=Meeting(mode="video", video_url=VIDEO),
                organisations=places,
                allowed=places,
            )


def _coached_first_ten(organisation, programme, coach, spec) -> list[Enrolment]:
    """The enrolments of employees 1 to 10, each with the demo coach as their 1:1 coach."""
    emails = [f"{spec['employee_prefix']}{number}@{spec['domain']}" for number in FIRST_TEN]
    enrolments = {
        enrolment.employee.email: enrolment
        for enrolment in Enrolment.objects.filter(programme=programme, employee__email__in=emails).select_related(
            "employee", "cohort"
        )
    }
    Enrolment.objects.filter(pk__in=[enrolment.pk for enrolment in enrolments.values()], coach__isnull=True).update(
        coach=coach
    )
    return [enrolments[email] for email in emails if email in enrolments]


def _hold(
    coach: User,
    organisation: Organisation,
    starts_at: datetime,
    minutes: int,
    booked_by: User,
    *,
    offered: bool,
    meeting: Meeting,
) -> Slot:
    slot = Slot.objects.create(
        coach=coach,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        is_offered=offered,
        mode=meeting.mode,
        location=meeting.location,
        video_url=meeting.video_url,
        booked_organisation=organisation,
        booked_by=booked_by,
        booked_at=starts_at - timedelta(days=7),
    )
    if offered:  # booked from time offered to this organisation
        slot.organisations.add(organisation)
    return slot


def _group_sessions(organisation, programme, coach, hour: int, language: str) -> None:
    """Three past group sessions per cohort with attendance, and one coming."""
    actor = policy.actor_for(coach, organisation)
    today = timezone.localdate()
    room = Meeting(mode="in_person", location=ROOMS.get(language, ROOMS["en"]))
    titles = TITLES.get(language, TITLES["en"])
    this_monday = _monday(today)
    for index, cohort in enumerate(programme.cohorts.order_by("name")):
        # The first cohort meets on Mondays, the second on Wednesdays.
        for number, weeks_ago in enumerate((6, 4, 2)):
            starts_at = _local(this_monday - timedelta(weeks=weeks_ago) + timedelta(days=2 * index), hour)
            slot = _hold(coach, organisation, starts_at, 90, coach, offered=False, meeting=room)
            session = Session.objects.create(
                kind=Session.Kind.GROUP,
                cohort=cohort,
                coach=coach,
                title=titles[number],
                starts_at=starts_at,
                duration_minutes=90,
                mode=room.mode,
                location=room.location,
                slot=slot,
                created_by=coach,
            )
            members = list(
                Enrolment.objects.filter(cohort=cohort, status__in=("invited", "active")).values_list(
                    "employee_id", flat=True
                )
            )
            Attendance.objects.bulk_create(Attendance(session=session, user_id=user_id) for user_id in members)
            attendance_counts_refresh(session_ids=[session.pk])
            marks = {
                user_id: (
                    "absent"
                    if (position + number) % 9 == 4
                    else "excused"
                    if (position + number) % 11 == 6
                    else "present"
                )
                for position, user_id in enumerate(members)
            }
            attendance_mark(actor=actor, session=session, marks=marks)
        session_schedule(
            actor=actor,
            kind=Session.Kind.GROUP,
            cohort=cohort,
            title=titles[3],
            starts_at=_local(this_monday + timedelta(weeks=1, days=2 * index), hour),
            duration_minutes=90,
            meeting=room,
        )


def _past_individual_sessions(organisation, coach, enrolments: list[Enrolment], hour: int) -> None:
    """A 1:1 for each of the first ten (two for the first five), as booked and attended."""
    actor = policy.actor_for(coach, organisation)
    today = timezone.localdate()
    video = Meeting(mode="video", video_url=VIDEO)
    recent_days = _weekdays_back(today - timedelta(days=3), len(enrolments))
    earlier_days = _weekdays_back(today - timedelta(days=30), 5)
    for number, enrolment in enumerate(enrolments, start=1):
        for day in (recent_days[number - 1], earlier_days[number - 1]) if number <= 5 else (recent_days[number - 1],):
            starts_at = _local(day, hour)
            slot = _hold(coach, organisation, starts_at, 60, enrolment.employee, offered=True, meeting=video)
            session = Session.objects.create(
                kind=Session.Kind.INDIVIDUAL,
                enrolment=enrolment,
                coach=coach,
                starts_at=starts_at,
                mode=video.mode,
                video_url=video.video_url,
                slot=slot,
                created_by=enrolment.employee,
            )
            Attendance.objects.create(session=session, user_id=enrolment.employee_id)
            attendance_counts_refresh(session_ids=[session.pk])
            CreditTransaction.objects.create(
                enrolment=enrolment,
                session=session,
                delta=-1,
                reason=CreditTransaction.Reason.BOOKING,
                by=enrolment.employee,
            )
            recent = day == recent_days[number - 1]
            if recent and number == 7:  # cancelled late: the credit stays used
                _cancelled(session, enrolment, late=True)
            elif recent and number == 8:  # cancelled in time: the credit came back
                _cancelled(session, enrolment, late=False)
            else:
                status = "absent" if recent and number == 3 else "excused" if recent and number == 5 else "present"
                attendance_mark(actor=actor, session=session, marks={enrolment.employee_id: status})


def _cancelled(session: Session, enrolment: Enrolment, *, late: bool) -> None:
    slot_id = session.slot_id
    Session.objects.filter(pk=session.pk).update(
        status=Session.Status.CANCELLED,
        cancelled_at=session.starts_at - timedelta(hours=3 if late else 72),
        cancelled_by=enrolment.employee,
        late_cancellation=late,
        slot=None,
    )
    Slot.objects.filter(pk=slot_id).update(booked_organisation=None, booked_by=None, booked_at=None)
    if not late:
        CreditTransaction.objects.create(
            enrolment=enrolment, session=session, delta=1, reason=CreditTransaction.Reason.REFUND, by=enrolment.employee
        )


def _coming_individual_sessions(organisation, enrolments: list[Enrolment]) -> None:
    """Four employees book a 1:1 in the coach's published time, through the booking service."""
    for number in BOOKING_AHEAD:
        if number > len(enrolments):
            break
        enrolment = enrolments[number - 1]
        actor = policy.actor_for(enrolment.employee, organisation)
        slot = (
            Slot.objects.offered_to(organisation)
            .filter(
                coach_id=enrolment.coach_id,
                booked_organisation__isnull=True,
                starts_at__gt=timezone.now() + timedelta(days=1),
            )
            .order_by("starts_at")
            .first()
        )
        if slot is None:
            return
        slot_book(actor=actor, slot_id=slot.pk)

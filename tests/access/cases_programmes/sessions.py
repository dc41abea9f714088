"""Sessions, booking, credits, urgent requests, calendars and the coach's workspace in the access matrix.

The world's sessions (tests/world/sessions.py): `session_own` is the employee's 1:1 with
the organisation's own coach (so `coach_both` may not see it), `session_other` employee2's 1:1 with the
coach of both (so the organisation's coach may not), `session_past` the employee's 1:1 three days ago.
"""

from datetime import timedelta

from django.utils import timezone

from tests.access import Case, api, everyone, members, only

ALL_SIGNED_IN = {**everyone(200), "anonymous": 302}


def person(key: str):
    return lambda world, org: {"pk": world.org(org).people[key]}


def future(days: int, hour: int) -> str:
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(timezone.datetime(day.year, day.month, day.day, hour)).isoformat()


def publish_form(world, org):
    day = timezone.localdate() + timedelta(days=30)
    return {
        "day": day.isoformat(),
        "start": "08:00",
        "end": "09:00",
        "length_minutes": "60",
        "repeat_weeks": "0",
        "organisations": [str(world.org(org).organisation.pk)],
        "mode": "video",
        "video_url": "https://meet.example.com/x",
    }


def offer_form(world, org):
    return {
        "slots": [str(world.org(org).people["slot_both"])],
        "how": "add",
        "organisations": [str(world.org(org).organisation.pk)],
    }


def offer_api(world, org):
    return {
        "slots": [world.org(org).people["slot_free"]],
        "how": "add",
        "organisations": [world.org(org).organisation.pk],
    }


CASES = [
    # Pages on an organisation's host
    Case("sessions", members(200)),
    Case("session_create", only("coach coach_both")),
    Case("session_create", only("coach coach_both", 200), method="post", data={"kind": "group"}),
    Case("credits", only("hr coach coach_both")),
    Case("session_detail", only("employee coach hr"), kwargs=person("session_own")),
    Case("session_detail", only("hr coach_both"), kwargs=person("session_other")),
    Case("session_cancel", only("employee coach hr", 302), method="post", kwargs=person("session_own")),
    Case("session_cancel", only("employee coach hr", 302), method="post", kwargs=person("session_group")),
    Case("session_reschedule", only("employee coach hr"), kwargs=person("session_own")),
    Case(
        "session_reschedule",
        only("employee", 302) | {"coach": 200, "hr": 200},
        method="post",
        kwargs=person("session_own"),
        data=lambda world, org: {"slot": world.org(org).people["slot_free"]},
    ),
    Case("session_attendance", only("coach"), kwargs=person("session_past")),
    Case(
        "session_attendance",
        only("coach", 302),
        method="post",
        kwargs=person("session_past"),
        data=lambda world, org: {f"user_{world.org(org).employee.pk}": "present"},
    ),
    Case("session_ics", only("employee coach hr"), kwargs=person("session_own")),
    # How to join a 1:1 is for its employee and coach; HR sees the session, not the link (tests/programmes/
    # test_join_details.py). A group session HR runs, HR may join.
    Case("session_join", only("employee coach", 302), kwargs=person("session_own")),
    Case("session_join", only("employee coach hr", 302), kwargs=person("session_group")),
    Case("booking", only("employee")),
    Case("booking_book", only("employee", 302), method="post", kwargs=person("slot_free")),
    Case("booking_series", only("employee"), kwargs=person("slot_free")),
    # Refused (the agreement is not accepted, the later dates not free): the page again, saying why.
    Case(
        "booking_series",
        only("employee", 409),
        method="post",
        kwargs=person("slot_free"),
        data={"every_weeks": "1", "count": "2"},
    ),
    Case("urgent_request", only("employee")),
    Case("urgent_request", only("employee"), method="post", data={"message": "Please call me."}),
    Case("urgent_requests", only("coach coach_both")),
    # The world's request goes to the organisation's own coach: the coach of both may not answer it.
    Case("urgent_acknowledge", only("coach", 302), method="post", kwargs=person("urgent")),
    Case("calendar", members(200)),
    Case("calendar_feed_renew", members(302), method="post"),
    Case("calendar_feed_revoke", members(302), method="post"),
    # The public host
    Case("coach_workspace", ALL_SIGNED_IN, host="public"),
    Case("coach_hours_csv", ALL_SIGNED_IN, host="public"),
    Case("coach_availability", ALL_SIGNED_IN, host="public"),
    Case(
        "coach_availability",
        {**ALL_SIGNED_IN, "coach": 302, "coach_both": 302},
        host="public",
        method="post",
        data=publish_form,
    ),
    Case("coach_slot_withdraw", only("coach", 302), host="public", method="post", kwargs=person("slot_free")),
    Case(
        "coach_slot_offer",
        only("coach", 302),
        host="public",
        method="post",
        kwargs=person("slot_free"),
        data=lambda world, org: {"organisations": [str(world.org(org).organisation.pk)]},
    ),
    Case("coach_slots_offer", only("coach coach_both", 302), host="public", method="post", data=offer_form),
    Case("coach_offer_default", only("coach coach_both", 302), host="public", method="post", data={"offer_to": "all"}),
    # A coach's own calendar: the address is saved (read after the commit the matrix never makes).
    Case(
        "coach_own_calendar",
        only("coach coach_both", 302),
        host="public",
        method="post",
        data={"url": "http://127.0.0.1:9/calendar.ics"},
    ),
    Case("coach_own_calendar_remove", only("coach coach_both", 302), host="public", method="post"),
    Case(
        "coach_urgent_acknowledge",
        only("coach", 302),
        host="public",
        method="post",
        kwargs=lambda world, org: {"slug": org, "pk": world.org(org).people["urgent"]},
    ),
    # The public host's API: a person's own views across organisations
    Case("api_coach_workspace", {**ALL_SIGNED_IN, "anonymous": 401}, host="public"),
    Case(
        "api_coach_urgent_acknowledge",
        {**only("coach"), "anonymous": 401},
        host="public",
        method="post",
        kwargs=lambda world, org: {"slug": org, "pk": world.org(org).people["urgent"]},
    ),
    Case("calendar", ALL_SIGNED_IN, host="public"),
    Case("calendar_feed_renew", {**everyone(302)}, host="public", method="post"),
    Case("calendar_feed_revoke", {**everyone(302)}, host="public", method="post"),
    Case(
        "calendar_feed",
        everyone(200),
        host="public",
        kwargs=lambda world, org: {"secret": world.org(org).people["feed"]},
    ),
    Case("calendar_feed", everyone(404), host="public", kwargs=lambda world, org: {"secret": "forged-secret"}),
    # API
    Case("api_session-list", api("employee coach hr coach_both")),
    Case(
        "api_session-list",
        api("coach", 201) | {"coach_both": 400},
        method="post",
        content_type="application/json",
        data=lambda world, org: {
            "kind": "individual",
            "enrolment": world.org(org).people["enrolment"],
            "starts_at": future(31, 10),
            "mode": "video",
            "video_url": "https://meet.example.com/c",
        },
    ),
    Case("api_session-detail", api("employee coach hr"), kwargs=person("session_own")),
    Case("api_session-detail", api("hr coach_both"), kwargs=person("session_other")),
    Case("api_session-cancel", api("employee coach hr"), method="post", kwargs=person("session_own")),
    Case("api_session-cancel", api("coach hr") | {"employee": 403}, method="post", kwargs=person("session_group")),
    Case(
        "api_session-move",
        api("employee coach") | {"hr": 400},
        method="post",
        kwargs=person("session_own"),
        content_type="application/json",
        data=lambda world, org: {"slot": world.org(org).people["slot_free"]},
    ),
    Case("api_session-attendance", api("employee coach hr"), kwargs=person("session_past")),
    Case(
        "api_session-attendance",
        api("coach") | {"employee": 403, "hr": 403},
        method="post",
        kwargs=person("session_past"),
        content_type="application/json",
        data=lambda world, org: {"marks": [{"user": world.org(org).employee.pk, "status": "present"}]},
    ),
    Case("api_credit-list", api("employee coach hr coach_both")),
    Case("api_credit-detail", api("employee coach hr"), kwargs=person("enrolment")),
    Case("api_urgent_request-list", api("employee coach coach_both")),
    Case(
        "api_urgent_request-list",
        api("employee", 201),
        method="post",
        content_type="application/json",
        data={"message": "Can we talk?"},
    ),
    Case("api_urgent_request-detail", api("employee coach"), kwargs=person("urgent")),
    Case("api_urgent_request-acknowledge", api("coach") | {"employee": 400}, method="post", kwargs=person("urgent")),
    Case("api_availability-list", api("employee coach coach_both")),
    Case(
        "api_availability-list",
        api("coach coach_both", 201),
        method="post",
        content_type="application/json",
        data={"starts_at": future(32, 10), "duration_minutes": 60, "mode": "phone", "dial_in": "+31 20 555 0101"},
    ),
    Case("api_availability-detail", api("employee coach"), kwargs=person("slot_free")),
    Case("api_availability-detail", api("coach", 204), method="delete", kwargs=person("slot_free")),
    Case(
        "api_availability-detail",
        api("coach"),
        method="patch",
        kwargs=person("slot_free"),
        content_type="application/json",
        data=lambda world, org: {"organisations": [world.org(org).organisation.pk]},
    ),
    # slot_free is the organisation's own coach's: the coach of both may not offer it.
    Case(
        "api_availability-offer",
        api("coach") | {"coach_both": 400},
        method="post",
        content_type="application/json",
        data=offer_api,
    ),
    Case("api_availability-offer-default", api("coach coach_both")),
    Case(
        "api_availability-offer-default",
        api("coach coach_both"),
        method="put",
        content_type="application/json",
        data={"offer_to": "all"},
    ),
    # The world's employee has not accepted the coaching agreement: allowed to try, refused with 409 (the
    # booking itself is tested in tests/programmes/test_booking*.py).
    Case("api_availability-book", api("employee", 409), method="post", kwargs=person("slot_free")),
    Case("api_availability-own-calendar", api("coach coach_both")),
    Case(
        "api_availability-own-calendar",
        api("coach coach_both"),
        method="put",
        content_type="application/json",
        data={"url": "http://127.0.0.1:9/calendar.ics"},
    ),
    Case("api_availability-own-calendar", api("coach coach_both", 204), method="delete"),
    Case(
        "api_availability-book-series",
        api("employee", 409),
        method="post",
        kwargs=person("slot_free"),
        content_type="application/json",
        data={"every_weeks": 1, "count": 2},
    ),
    Case("api_calendar_feed-list", api("employee coach hr coach_both")),
    Case("api_calendar_feed-list", api("employee coach hr coach_both", 201), method="post"),
    Case("api_calendar_feed-detail", api("employee", 204), method="delete", kwargs=person("feed_id")),
]

"""HR sees when and how a conversation happens, never the means to join it.

A 1:1's video link, dial-in or room reaches its employee and its coach only; HR reads the time, the mode and
the attendance. Group sessions (programme events HR runs) are the exception: everyone who sees one may join.
The canary link below is searched for in the bytes of every answer HR gets about the 1:1.
"""

from __future__ import annotations

import re

from django.core import mail

from programmes.models import Session

CANARY = "https://meet.example.com/canary-one-to-one-7f3a"
GROUP_LINK = "https://meet.example.com/canary-group-5b1c"
DIAL_IN = "+31 20 555 0199 pin 4711"


def _page(answer) -> str:
    """The page without what differs on every answer (the script nonce, the form token); the address
    itself comes back in the language menu."""
    return re.sub(r"[A-Za-z0-9+/=_-]{40,}", "", answer.content.decode())


def _canaries(world, in_tenant):
    """The employee's 1:1 on a canary link, the cohort's group session on its own link."""
    with in_tenant(world.acme):
        Session.objects.filter(pk=world.acme.people["session_own"]).update(video_url=CANARY)
        Session.objects.filter(pk=world.acme.people["session_group"]).update(video_url=GROUP_LINK)
    return world.acme.people["session_own"], world.acme.people["session_group"]


def test_hr_cannot_open_the_join_page_of_a_1to1(world, client_for, in_tenant):
    own, _group = _canaries(world, in_tenant)
    hr = client_for(world.acme.hr, world.acme.host)
    answer = hr.get(f"/sessions/{own}/join/")
    missing = hr.get("/sessions/987654/join/")
    assert answer.status_code == missing.status_code == 404
    assert _page(answer).replace(f"/{own}/", "/987654/") == _page(missing)
    assert CANARY.encode() not in answer.content


def test_the_employee_and_the_coach_join_the_1to1(world, client_for, in_tenant):
    own, _group = _canaries(world, in_tenant)
    for user in (world.acme.employee, world.acme.coach):
        answer = client_for(user, world.acme.host).get(f"/sessions/{own}/join/")
        assert (answer.status_code, answer["Location"]) == (302, CANARY)


def test_hr_joins_a_group_session_it_runs(world, client_for, in_tenant):
    _own, group = _canaries(world, in_tenant)
    answer = client_for(world.acme.hr, world.acme.host).get(f"/sessions/{group}/join/")
    assert (answer.status_code, answer["Location"]) == (302, GROUP_LINK)


def test_hr_pages_about_the_1to1_hold_no_join_details(world, client_for, in_tenant):
    own, _group = _canaries(world, in_tenant)
    with in_tenant(world.acme):
        Session.objects.filter(pk=world.acme.people["session_past"]).update(mode="phone", dial_in=DIAL_IN, video_url="")
    hr = client_for(world.acme.hr, world.acme.host)
    pages = [
        "/",
        f"/sessions/{own}/",
        f"/sessions/{own}/move/",
        f"/sessions/{own}/calendar.ics",
        "/sessions/",
        "/sessions/?show=past",
        f"/sessions/{world.acme.people['session_past']}/",
    ]
    for url in pages:
        answer = hr.get(url)
        assert answer.status_code == 200, url
        assert CANARY.encode() not in answer.content and DIAL_IN.encode() not in answer.content, url
    fragment = hr.get("/sessions/?show=past", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="session-list")
    assert DIAL_IN.encode() not in fragment.content
    detail = hr.get(f"/sessions/{own}/").content.decode()
    assert "Video" in detail and "Only the people taking part see how to join." in detail


def test_the_employee_and_the_coach_still_see_the_link(world, client_for, in_tenant):
    own, _group = _canaries(world, in_tenant)
    for user in (world.acme.employee, world.acme.coach):
        client = client_for(user, world.acme.host)
        assert CANARY in client.get(f"/sessions/{own}/").content.decode()
        assert CANARY in client.get(f"/sessions/{own}/calendar.ics").content.decode()
        assert client.get(f"/api/v1/sessions/{own}/").json()["video_url"] == CANARY


def test_hr_api_answers_null_join_details_for_1to1s_only(world, client_for, in_tenant):
    own, group = _canaries(world, in_tenant)
    rows = client_for(world.acme.hr, world.acme.host).get("/api/v1/sessions/?when=upcoming").json()["results"]
    by_id = {row["id"]: row for row in rows}
    individual = [row for row in rows if row["kind"] == "individual"]
    assert individual and all(
        (row["video_url"], row["dial_in"], row["location"]) == (None, None, None) for row in individual
    )
    assert by_id[own]["mode"] == "video" and by_id[own]["starts_at"]
    assert by_id[group]["video_url"] == GROUP_LINK
    detail = client_for(world.acme.hr, world.acme.host).get(f"/api/v1/sessions/{own}/")
    assert detail.json()["video_url"] is None and CANARY.encode() not in detail.content


def test_hr_moves_a_1to1_but_neither_reads_nor_replaces_its_link(world, client_for, in_tenant):
    own, _group = _canaries(world, in_tenant)
    hr = client_for(world.acme.hr, world.acme.host)
    refused = hr.post(
        f"/api/v1/sessions/{own}/move/",
        {"starts_at": "2099-01-05T10:00:00+01:00", "mode": "video", "video_url": "https://hr.example.com/x"},
        content_type="application/json",
    )
    assert refused.status_code == 403 and refused.json()["code"] == "not_allowed"
    moved = hr.post(
        f"/api/v1/sessions/{own}/move/", {"starts_at": "2099-01-05T10:00:00+01:00"}, content_type="application/json"
    )
    assert moved.status_code == 200, moved.content
    assert moved.json()["video_url"] is None and CANARY.encode() not in moved.content
    with in_tenant(world.acme):
        assert Session.objects.get(pk=own).video_url == CANARY


def test_the_emails_about_a_1to1_carry_its_link_to_the_people_in_it(
    world, client_for, in_tenant, django_capture_on_commit_callbacks
):
    own, _group = _canaries(world, in_tenant)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client_for(world.acme.hr, world.acme.host).post(
            f"/api/v1/sessions/{own}/move/", {"starts_at": "2099-01-06T10:00:00+01:00"}, content_type="application/json"
        )
    recipients = {message.to[0]: message for message in mail.outbox}
    assert world.acme.hr.email not in recipients
    for user in (world.acme.employee, world.acme.coach):
        assert CANARY in recipients[user.email].body

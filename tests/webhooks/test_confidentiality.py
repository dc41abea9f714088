"""Events follow the confidentiality table: every event the portal emits, made here by the real services,
carries no field the table keeps from HR (docs/CONFIDENTIALITY.md), no means to join a session, no score and
no free text; events about rows HR may not read (a person's assessment, an urgent request) do not say whose."""

from __future__ import annotations

import json
import re

import pytest
from django.apps import apps
from django.db import models

from assessments.services import assignments as assessment_services
from portal import confidentiality, policy
from programmes.models import Attendance, Cohort, Enrolment, Session
from programmes.services.attendance import attendance_mark
from programmes.services.booking import slot_book
from programmes.services.enrolment import enrolment_status_change
from programmes.services.imports import enrolment_add
from programmes.services.sessions import session_cancel, session_move_to_slot
from programmes.services.urgent import urgent_request_create
from reports import data_map
from tenants.models import Membership, Role, User
from tenants.services import invitation_accept, invitation_create, membership_grant, membership_revoke
from tests.assessments.test_assignment_services import mine, schedule_check_in
from tests.webhooks.helpers import endpoint_make
from tests.world.assessments import answer_all
from tests.world.sessions import accept_agreement, at, free_slot
from webhooks import events
from webhooks.models import Message

PERSON_KEYS = {"person_id", "coach_id", "employee_id", "user_id"}


def kept_from_hr() -> set[str]:
    """Field names of what the table keeps from HR: every field of a model HR reads no row of (its own
    times and the keys that name other rows aside), and every field a field rule hides (a 1:1's join details)."""
    kept = set()
    for row in confidentiality.ROWS:
        for label in row.models:
            model = apps.get_model(label)
            kept |= policy.guarded_fields(model)
            if row.hr is not None:
                continue
            for field in model._meta.concrete_fields:
                if field.primary_key or field.is_relation or isinstance(field, models.DateTimeField | models.DateField):
                    continue
                kept.add(field.name)
    return kept


def hidden_subjects() -> set[str]:
    return {label for row in confidentiality.ROWS if row.hr is None for label in row.models}


@pytest.fixture
def every_event(world, in_tenant, actor, django_capture_on_commit_callbacks) -> list[dict]:
    """Every kind of event, each made by the service HR's pages, the API and people's actions call."""
    org = world.acme
    hr, employee = actor(org.hr, org), actor(org.employee2, org)
    with in_tenant(org), django_capture_on_commit_callbacks(execute=False):
        endpoint_make(org, "http://127.0.0.1:9/hooks")
        invitation = invitation_create(
            email="newcomer@acme.test", organisation=org.organisation, role=Role.EMPLOYEE, acting_user=org.hr
        )
        newcomer = User.objects.create_user(email="newcomer@acme.test", password="x" * 12)
        invitation_accept(invitation=invitation, user=newcomer)
        membership_revoke(
            membership=Membership.objects.get(user=newcomer, organisation=org.organisation), acting_user=org.hr
        )
        membership_grant(user=newcomer, organisation=org.organisation, role=Role.EMPLOYEE)
        enrolment_add(
            actor=hr,
            cohort=Cohort.objects.get(pk=org.people["cohort_a"]),
            email=newcomer.email,
            first_name="New",
            last_name="Comer",
        )
        enrolment = Enrolment.objects.get(pk=org.people["enrolment2"])
        enrolment_status_change(actor=hr, enrolment=enrolment, to_status=Enrolment.Status.WITHDRAWN)
        enrolment_status_change(actor=hr, enrolment=enrolment, to_status=Enrolment.Status.ACTIVE)
        accept_agreement(org.employee2)
        booked = slot_book(actor=employee, slot_id=free_slot(world.coach_both, at(10, 9)).pk)
        booked = session_move_to_slot(actor=employee, session=booked, slot=free_slot(world.coach_both, at(11, 9)))
        session_cancel(actor=employee, session=booked)
        past = Session.objects.get(pk=org.people["session_past"])
        attendance_mark(actor=actor(org.coach, org), session=past, marks={org.employee.pk: Attendance.Status.PRESENT})
        scheduled = schedule_check_in(world, hr)
        assignment = mine(world, scheduled)
        me = actor(org.employee, org)
        answer_all(me, assignment)
        assessment_services.assignment_submit(actor=me, assignment=assignment)
        urgent_request_create(actor=employee, message="I cannot cope with my manager today.")
        return [json.loads(body) for body in Message.objects.order_by("created_at").values_list("body", flat=True)]


def test_every_kind_of_event_is_made_by_the_services(every_event):
    assert {event["type"] for event in every_event} == set(events.EVENTS)


def _hr_reads(label: str) -> bool:
    return any(label in row.models and row.hr is not None for row in confidentiality.ROWS)


def check_field(event_type: str, key: str) -> str | None:
    """Why `key` may not be in a payload of `event_type`, or None when it may."""
    if key.endswith("_id") or key.endswith(("_at", "_on")):
        return None  # names a row (opened through the API, under its rules), or says when
    source = events.FIELD_SOURCES.get(key)
    if source is None:
        return "has no known source"
    label, _dot, name = source.rpartition(".")
    model = apps.get_model(label)
    if not _hr_reads(label):
        return f"comes from {label}, which HR does not read"
    if name in policy.guarded_fields(model):
        return f"is {label}.{name}, which a field rule hides"
    model._meta.get_field(name)
    return None


def test_no_payload_carries_a_field_the_table_keeps_from_hr(every_event):
    kept = kept_from_hr()
    assert {"message", "text", "body", "video_url", "value"} <= kept  # the check knows what it looks for
    for event in every_event:
        assert set(event) == {"type", "timestamp", "data"}
        for key in event["data"]:
            problem = check_field(event["type"], key)
            assert problem is None, f"{event['type']}: {key} {problem}"
            if key in kept:  # a name content has elsewhere, here a field HR reads
                assert key in events.FIELD_SOURCES, f"{event['type']} carries {key}"
        assert not [key for key in event["data"] if re.search("score|answer|note|summary|reflection|text", key)]


def test_no_payload_carries_the_id_of_a_credential(every_event):
    # A payload's session_id is a coaching session's (programmes.Session), never a sign-in session's.
    secret_ids = {
        f"{label.split('.')[1].lower()}_id" for label in data_map.SECRET_MODELS if label != "sessions.Session"
    }
    assert {"invitation_id", "token_id", "handofftoken_id"} <= secret_ids
    for event in every_event:
        assert not set(event["data"]) & secret_ids, event


def test_no_payload_carries_free_text(every_event):
    word = re.compile(r"^[a-z][a-z0-9_]*$|^\d{4}-\d\d-\d\d(T[\d:.]+([+-]\d\d:\d\d|Z))?$|^[0-9a-f-]{36}$")
    for event in every_event:
        for key, value in event["data"].items():
            assert value is None or isinstance(value, int) or word.match(value), (event["type"], key, value)
    assert not any("cope" in json.dumps(event) for event in every_event)


def test_events_about_rows_hr_may_not_read_do_not_say_whose(every_event):
    hidden = hidden_subjects()
    about_hidden = {name for name, label in events.SUBJECTS.items() if label in hidden}
    assert about_hidden == {events.ASSESSMENT_SUBMITTED, events.URGENT_REQUEST_MADE}
    for event in every_event:
        if event["type"] in about_hidden:
            assert not set(event["data"]) & PERSON_KEYS, event


def test_the_vocabulary_itself_keeps_to_the_table():
    for event_type, fields in events.DATA_FIELDS.items():
        assert [key for key in fields if check_field(event_type, key)] == [], event_type
        assert events.SUBJECTS[event_type]


def test_a_payload_with_content_is_refused_before_anything_is_written(world, in_tenant):
    from webhooks import services

    with in_tenant(world.acme):
        endpoint_make(world.acme, "http://127.0.0.1:9/hooks")
        with pytest.raises(ValueError, match="may not carry"):
            services.event_record(events.URGENT_REQUEST_MADE, urgent_request_id=1, message="help")
        with pytest.raises(ValueError, match="ids, enum words or times"):
            services.event_record(events.ENROLMENT_CHANGED, enrolment_id=1, status="Moved to cohort B, unhappy")
        assert not Message.objects.exists()

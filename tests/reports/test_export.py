"""Export my data, and the map of personal data it (and erasure) is built on."""

from __future__ import annotations

import io
import json
import zipfile

from django.apps import apps
from django.conf import settings
from django.urls import reverse
from rest_framework.authtoken.models import Token

from assessments.models import Assignment, Score
from portal import policy
from reports import data_map
from reports.models import AuditEvent, ErasureRequest
from tests.world.reports import build

USER = settings.AUTH_USER_MODEL


def _person_fields():
    """(model label, field name) of every field, in every app, public and tenant, that points at a person."""
    user_model = apps.get_model(USER)
    for model in apps.get_models():
        if model._meta.proxy:
            continue
        for field in model._meta.get_fields():
            if field.auto_created or not field.is_relation or field.related_model is not user_model:
                continue
            if field.concrete or field.many_to_many:
                yield model._meta.label, field.name


def test_every_model_that_points_at_a_person_is_in_the_data_map():
    mapped = {(entry.model, entry.field) for entry in data_map.ENTRIES}
    missing = sorted(set(_person_fields()) - mapped)
    assert not missing, (
        "These fields point at a person but reports/data_map.py does not say how they are "
        f"exported and erased: {missing}"
    )


def test_the_data_map_names_only_real_fields_and_says_why_where_it_must():
    for entry in data_map.ENTRIES:
        model = apps.get_model(entry.model)
        model._meta.get_field(entry.field)
        for name in entry.children:
            assert model._meta.get_field(name).one_to_many, f"{entry.model}.{name} is not a reverse relation"
        if entry.export == data_map.ROW and entry.via_policy:
            assert policy.has_rule(model), f"{entry.model} is exported through the policy but has no rule"
        if entry.erase == data_map.KEEP or not entry.via_policy:
            assert entry.reason, f"{entry.model}.{entry.field} needs a reason"
        if entry.export == data_map.REFERENCE and entry.dated_by:
            model._meta.get_field(entry.dated_by)


def _export(client) -> tuple[dict, zipfile.ZipFile]:
    response = client.get(reverse("api_me_export"))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    return json.loads(archive.read("my-data.json")), archive


def test_the_export_holds_every_kind_of_row_about_the_person(world, in_tenant, client_for):
    employee = world.acme.employee
    with in_tenant(world.acme):
        build(world.acme, people=5, employees=[employee])
        ErasureRequest.objects.create(
            person=employee,
            requested_by=employee,
            scope="everywhere",
            status=ErasureRequest.Status.CANCELLED,
            due_at="2030-01-01T00:00:00Z",
        )
        AuditEvent.objects.create(actor=world.acme.hr, subject=employee, action=AuditEvent.Action.ERASURE_REQUESTED)
    Token.objects.create(user=employee)
    actor = policy.actor_for(employee, world.acme.organisation)
    expected = {}
    with in_tenant(world.acme):
        for entry in data_map.ENTRIES:
            if entry.export != data_map.ROW:
                continue
            model = apps.get_model(entry.model)
            rows = model._default_manager.filter(**{entry.field: employee})
            if entry.via_policy:
                rows = policy.scope(actor, model, rows)
            expected[(entry.model, entry.field)] = set(rows.values_list("pk", flat=True))
    data, archive = _export(client_for(employee, world.acme.host))
    missing = []
    for (label, field), pks in expected.items():
        if "id" not in data_map.export_fields(label):  # the id is a secret: count the rows instead
            if len(data["records"].get(label, [])) < len(pks):
                missing.append(f"{label}.{field}: {len(pks)} rows")
            continue
        exported = {row["id"] for row in data["records"].get(label, [])}
        if not pks <= exported:
            missing.append(f"{label}.{field}: {sorted(pks - exported)}")
    assert not missing, f"rows about the person missing from the export: {missing}"
    for label in (
        "programmes.Enrolment",
        "programmes.Attendance",
        "assessments.Assignment",
        "assessments.Score",
        "assessments.Answer",
        "assessments.Reflection",
        "assessments.Goal",
        "assessments.ActionItem",
        "assessments.CheckIn",
        "assessments.SessionFeedback",
        "assessments.CoachFeedback",
        "programmes.UrgentRequest",
        "tenants.Membership",
        "reports.ErasureRequest",
        "reports.AuditEvent",
        "authtoken.Token",
        "programmes.CreditTransaction",
    ):
        assert data["records"].get(label), f"nothing of {label} in the export"
    assert set(data["records"]["authtoken.Token"][0]) == {"user", "created"}  # that it exists, not the key
    assert any(ref["model"] == "programmes.CreditTransaction" and ref["field"] == "by" for ref in data["references"])
    assert data["person"]["email"] == employee.email
    assert {"my-data.json", "progress-report.pdf", "README.txt"} <= set(archive.namelist())


def test_the_export_holds_what_the_person_may_see_and_nothing_of_anyone_else(world, in_tenant, client_for):
    employee = world.acme.employee
    with in_tenant(world.acme):
        built = build(world.acme, people=5, employees=[employee])
        mine = built.person(employee)
        waiting = Assignment.objects.get(
            employee=employee, phase_assessment__moment="final", phase_assessment__programme=built.programme
        )
        Assignment.objects.filter(pk=waiting.pk).update(release_required=True, released_at=None)
        waiting_scores = set(Score.objects.filter(assignment=waiting).values_list("pk", flat=True))
    data, archive = _export(client_for(employee, world.acme.host))
    text = archive.read("my-data.json").decode()
    assert mine.canaries["reflection-private"] in text and mine.canaries["goal"] in text
    assert mine.canaries["answer"] in text and mine.canaries["coach-feedback"] in text
    assert mine.canaries["note"] not in text  # the coach's private note is theirs alone
    for other in built.people:
        if other is not mine:
            assert not [canary for canary in other.canaries.values() if canary in text]
    exported_scores = {row["id"] for row in data["records"]["assessments.Score"]}
    assert not waiting_scores & exported_scores  # scores the coach has not released yet


def test_the_export_is_recorded_for_hr_without_its_content(world, in_tenant, client_for):
    _export(client_for(world.acme.employee, world.acme.host))
    with in_tenant(world.acme):
        event = AuditEvent.objects.get(action="data.export", subject=world.acme.employee)
    assert set(event.detail) == {"kinds", "references"}


def test_a_coach_exports_their_own_data_without_a_progress_report(world, client_for):
    data, archive = _export(client_for(world.acme.coach, world.acme.host))
    assert "progress-report.pdf" not in archive.namelist()
    assert data["person"]["email"] == world.acme.coach.email
    assert any(ref["model"] == "programmes.Cohort" for ref in data["references"])


def test_the_export_names_the_persons_other_organisations(world, client_for):
    data, _archive = _export(client_for(world.coach_both, world.acme.host))
    assert [other["name"] for other in data["other_organisations"]] == ["Globex Zorg"]
    assert data["other_organisations"][0]["export"].endswith("/my-data/")


def test_anonymous_callers_are_refused(world, client):
    client.defaults["HTTP_HOST"] = world.acme.host
    assert client.get(reverse("api_me_export")).status_code == 401

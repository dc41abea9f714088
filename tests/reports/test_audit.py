"""The audit pages: HR's view of their organisation's administrative events, platform staff's of the platform."""

from __future__ import annotations

from django.urls import reverse

from programmes.models import Enrolment, EnrolmentEvent
from reports.models import AuditEvent, ErasureRequest
from tenants.models import PlatformEvent
from tests.world import statements


def test_hr_sees_enrolments_roles_and_exports_together(world, in_tenant, client_for):
    client = client_for(world.acme.hr, world.acme.host)
    client.get(reverse("reports_csv", args=["enrolments"]))
    PlatformEvent.objects.create(
        actor=world.acme.hr,
        organisation=world.acme.organisation,
        action="membership.revoked",
        detail={"user": world.acme.employee2.pk, "role": "employee"},
    )
    PlatformEvent.objects.create(
        actor=world.globex.hr,
        organisation=world.globex.organisation,
        action="membership.revoked",
        detail={"user": world.globex.employee2.pk, "role": "employee"},
    )
    response = client.get(reverse("reports_audit"))
    assert response.status_code == 200
    lines = response.context["lines"]
    labels = {line.label for line in lines}
    assert {"Exported a CSV file", "Role removed", "Role granted"} <= labels
    assert any(line.source == "enrolment" and line.label == "Started the programme" for line in lines)
    removed = next(line for line in lines if line.label == "Role removed")
    assert removed.actor == world.acme.hr.get_full_name() and removed.subject == world.acme.employee2.get_full_name()
    content = response.content.decode()
    assert world.globex.hr.get_full_name() not in content


def test_the_categories_narrow_the_list(world, in_tenant, client_for):
    client = client_for(world.acme.hr, world.acme.host)
    client.get(reverse("reports_csv", args=["credits"]))
    exports = client.get(reverse("reports_audit"), {"category": "exports"}, HTTP_HX_REQUEST="true")
    assert "<html" not in exports.content.decode()
    assert {line.label for line in exports.context["lines"]} == {"Exported a CSV file"}
    enrolments = client.get(reverse("reports_audit"), {"category": "enrolments"})
    assert enrolments.context["lines"] and all(line.source == "enrolment" for line in enrolments.context["lines"])
    unknown = client.get(reverse("reports_audit"), {"category": "<script>"})
    assert unknown.status_code == 200 and unknown.context["category"] == ""


def test_the_audit_page_has_a_fixed_number_of_queries(world, in_tenant, client_for, django_assert_num_queries):
    client = client_for(world.acme.hr, world.acme.host)
    for extra in (0, 120):
        with in_tenant(world.acme):
            enrolment = Enrolment.objects.first()
            EnrolmentEvent.objects.bulk_create(
                EnrolmentEvent(enrolment=enrolment, from_status="invited", to_status="active", by=world.acme.hr)
                for _ in range(extra)
            )
            AuditEvent.objects.bulk_create(
                AuditEvent(actor=world.acme.hr, action="export.csv", detail={"kind": "credits"}) for _ in range(extra)
            )
        # domain, session, user, roles; the count of events, one page of them (a UNION of the three
        # sources), the names of the people on it; the data-right counts per month. Each after
        # django-tenants' SET search_path.
        with django_assert_num_queries(statements(8)):
            assert client.get(reverse("reports_audit")).status_code == 200


def test_platform_staff_see_provisioning_and_offboarding(world, client_for):
    PlatformEvent.objects.create(
        actor=world.staff,
        organisation=None,
        action="organisation.offboarded",
        detail={"slug": "gone-co", "name": "Gone Company", "archive": "gone-co-20260101-000000"},
    )
    client = client_for(world.staff, "localhost")
    url = reverse("platform_audit", urlconf="portal.urls_public")
    everything = client.get(url).content.decode()
    assert "organisation.created" in everything and "Gone Company" in everything
    offboarding = client.get(url, {"category": "offboarding"}).content.decode()
    assert "organisation.offboarded" in offboarding and "organisation.created" not in offboarding


# --- data rights: HR sees how many, platform staff see who ----------------------------------------------


def _data_right_lines(lines) -> list:
    return [
        line
        for line in lines
        if line.action in ("data.export", "erasure.requested", "erasure.cancelled", "erasure.completed")
    ]


def test_hr_sees_how_many_people_exported_their_data_never_who(world, client_for):
    for person in (world.acme.employee, world.acme.employee2):
        assert client_for(person, world.acme.host).get(reverse("api_me_export")).status_code == 200
    hr = client_for(world.acme.hr, world.acme.host)
    for category in ("", "exports"):
        response = hr.get(reverse("reports_audit"), {"category": category})
        assert not _data_right_lines(response.context["lines"]), "HR's log names who exported their data"
    assert response.context["data_rights"][0].exported == 2
    assert "Exported their personal data" not in response.content.decode()


def test_hr_sees_how_many_people_asked_for_their_own_erasure_never_who(world, in_tenant, client_for):
    employee = world.acme.employee
    assert (
        client_for(employee, world.acme.host).post(reverse("my_erasure_request"), {"confirm": "on"}).status_code == 302
    )
    with in_tenant(world.acme):
        own = ErasureRequest.objects.get(person=employee, status=ErasureRequest.Status.PENDING)
    hr = client_for(world.acme.hr, world.acme.host)
    audit = hr.get(reverse("reports_audit"), {"category": "erasure"})
    assert not _data_right_lines(audit.context["lines"]), "HR's log names who asked for erasure"
    page = hr.get(reverse("reports_erasure"))
    assert own not in page.context["requests"]
    assert employee.email not in page.content.decode()
    # Nor can HR call off what the person asked for.
    assert hr.post(reverse("reports_erasure_cancel", args=[own.pk])).status_code == 404
    with in_tenant(world.acme):
        own.refresh_from_db()
        assert own.is_pending
    assert hr.get(reverse("reports_audit")).context["data_rights"][0].erasure_asked == 1


def test_an_erasure_hr_asked_for_stays_in_hrs_log_and_list(world, in_tenant, client_for):
    hr = client_for(world.acme.hr, world.acme.host)
    assert (
        hr.post(reverse("reports_erasure"), {"email": world.acme.employee2.email, "confirm": "on"}).status_code == 302
    )
    lines = hr.get(reverse("reports_audit"), {"category": "erasure"}).context["lines"]
    asked = next(line for line in lines if line.action == "erasure.requested")
    assert asked.subject == world.acme.employee2.get_full_name()
    assert [r.person for r in hr.get(reverse("reports_erasure")).context["requests"]] == [world.acme.employee2]


def test_platform_staff_keep_the_full_record_of_data_rights(world, client_for):
    client_for(world.acme.employee, world.acme.host).get(reverse("api_me_export"))
    event = PlatformEvent.objects.get(action="data_right.data.export", organisation=world.acme.organisation)
    assert event.actor == world.acme.employee and event.detail["user"] == world.acme.employee.pk
    staff = client_for(world.staff, "localhost")
    response = staff.get(reverse("platform_audit", urlconf="portal.urls_public"), {"category": "data_rights"})
    assert list(response.context["page"].object_list) == [event]
    assert world.acme.employee.get_full_name() in response.content.decode()
    # The organisation's HR does not get it through the platform events of their log either.
    lines = client_for(world.acme.hr, world.acme.host).get(reverse("reports_audit")).context["lines"]
    assert not [line for line in lines if line.action.startswith("data_right.")]

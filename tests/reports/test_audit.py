"""The audit pages: HR's view of their organisation's administrative events, platform staff's of the platform."""

from __future__ import annotations

from django.urls import reverse

from programmes.models import Enrolment, EnrolmentEvent
from reports.models import AuditEvent
from tenants.models import PlatformEvent


def test_hr_sees_enrolments_roles_and_exports_together(world, in_tenant, client_for):
    client = client_for(world.acme.hr, world.acme.host)
    client.get(reverse("reports_csv", args=["enrolments"]))
    PlatformEvent.objects.create(actor=world.acme.hr, organisation=world.acme.organisation,
                                 action="membership.revoked", detail={"user": world.acme.employee2.pk, "role": "employee"})
    PlatformEvent.objects.create(actor=world.globex.hr, organisation=world.globex.organisation,
                                 action="membership.revoked", detail={"user": world.globex.employee2.pk, "role": "employee"})
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
            EnrolmentEvent.objects.bulk_create(EnrolmentEvent(enrolment=enrolment, from_status="invited",
                                                              to_status="active", by=world.acme.hr)
                                               for _ in range(extra))
            AuditEvent.objects.bulk_create(AuditEvent(actor=world.acme.hr, action="export.csv",
                                                      detail={"kind": "credits"}) for _ in range(extra))
        # domain, session, user, roles; the count of events, one page of them (a UNION of the three
        # sources), the names of the people on it. Each after django-tenants' SET search_path.
        with django_assert_num_queries(2 * 7):
            assert client.get(reverse("reports_audit")).status_code == 200


def test_platform_staff_see_provisioning_and_offboarding(world, client_for):
    PlatformEvent.objects.create(actor=world.staff, organisation=None, action="organisation.offboarded",
                                 detail={"slug": "gone-co", "name": "Gone Company", "archive": "gone-co-20260101-000000"})
    client = client_for(world.staff, "localhost")
    url = reverse("platform_audit", urlconf="portal.urls_public")
    everything = client.get(url).content.decode()
    assert "organisation.created" in everything and "Gone Company" in everything
    offboarding = client.get(url, {"category": "offboarding"}).content.decode()
    assert "organisation.offboarded" in offboarding and "organisation.created" not in offboarding

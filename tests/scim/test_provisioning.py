"""SCIM provisioning as an HR system uses it: joiners invited, leavers deprovisioned in this organisation
only, their data kept, tokens of one organisation refused on every other host, bad payloads refused whole."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tenants.utils import schema_context, tenant_context

from programmes.models import CreditTransaction, EmployeeProfile, Enrolment, Session
from scim.models import ScimToken, ScimUser
from scim.tokens import scim_token_revoke
from tenants.models import Invitation, Membership, PlatformEvent, Role
from tenants.services import invitation_accept_with_password, membership_grant
from tests.scim.conftest import http_client

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def person(email: str, **extra) -> dict:
    given, _at, _domain = email.partition("@")
    return {
        "schemas": [USER, ENTERPRISE],
        "userName": email,
        "externalId": f"ext-{given}",
        "name": {"givenName": given.title(), "familyName": "Tester"},
        "emails": [{"value": email, "type": "work", "primary": True}],
        "active": True,
        ENTERPRISE: {"employeeNumber": f"E-{given}", "department": "Logistics"},
        **extra,
    }


def set_active(client, pk: str, active: bool):
    body = {"schemas": [PATCH], "Operations": [{"op": "replace", "path": "active", "value": active}]}
    return client.patch(f"/Users/{pk}", json=body)


def test_500_joiners_50_leavers_5_returners_and_nothing_is_lost(world, scim_http):
    client = scim_http("acme")
    ids = []
    for number in range(500):
        response = client.post("/Users", json=person(f"joiner{number:03d}@acme-hr.test"))
        assert response.status_code == 201, response.text
        assert response.headers["Content-Type"].startswith("application/scim+json")
        ids.append(response.json()["id"])
    for pk in ids[:50]:
        assert set_active(client, pk, False).status_code == 200
    for pk in ids[:5]:
        answer = set_active(client, pk, True)
        assert answer.status_code == 200 and answer.json()["active"] is True

    seen = {}
    start = 1
    while True:
        page = client.get("/Users", params={"startIndex": start, "count": 100}).json()
        assert page["totalResults"] == 500
        for resource in page["Resources"]:
            seen[resource["id"]] = resource
        if not page["Resources"]:
            break
        start += page["itemsPerPage"]
    assert set(seen) == set(ids)
    assert sum(1 for resource in seen.values() if resource["active"]) == 455
    assert all(seen[pk][ENTERPRISE]["employeeNumber"].startswith("E-joiner") for pk in ids)
    inactive = client.get("/Users", params={"filter": "active eq false", "count": 200}).json()
    assert inactive["totalResults"] == 45
    assert {resource["id"] for resource in inactive["Resources"]} == set(ids[5:50])

    with schema_context("public"):
        open_ = Invitation.objects.filter(
            organisation=world.acme.organisation, email__startswith="joiner", status=Invitation.Status.PENDING
        )
        assert open_.count() == 455
        cancelled = Invitation.objects.filter(
            organisation=world.acme.organisation, email__startswith="joiner", status=Invitation.Status.CANCELLED
        )
        assert cancelled.count() == 50  # the returners got a fresh invitation
    with tenant_context(world.globex.organisation):
        assert not ScimUser.objects.exists()


def test_user_name_filter_finds_one_case_insensitively_and_bad_filters_are_scim_errors(scim_http):
    client = scim_http("acme")
    created = client.post("/Users", json=person("Ada.Lovelace@acme-hr.test")).json()
    client.post("/Users", json=person("grace@acme-hr.test"))
    found = client.get("/Users", params={"filter": 'userName eq "ada.lovelace@ACME-HR.test"'}).json()
    assert found["totalResults"] == 1 and found["Resources"][0]["id"] == created["id"]
    none = client.get("/Users", params={"filter": 'userName eq "nobody@acme-hr.test"'}).json()
    assert none["totalResults"] == 0 and none["Resources"] == []
    assert client.get("/Users", params={"filter": 'id eq "not-an-id"'}).json()["totalResults"] == 0
    bad_filters = ("userName eq", 'password eq "x"', 'userName eq "a" or 1=1; drop table x', 'meta.created gt "soon"')
    for bad in bad_filters:
        answer = client.get("/Users", params={"filter": bad})
        assert answer.status_code == 400, bad
        assert answer.json()["scimType"] == "invalidFilter"
        assert answer.json()["status"] == "400"


def test_bad_payloads_get_scim_errors_and_write_nothing(world, scim_http):
    client = scim_http("acme")
    cases = [
        (b"{not json", "invalidSyntax"),
        (b"[]", "invalidSyntax"),
        (b'{"schemas": ["' + USER.encode() + b'"], "userName": "no-address"}', "invalidValue"),
        (b'{"schemas": ["' + USER.encode() + b'"], "emails": [{"value": "a@b.test"}]}', None),
    ]
    for body, scim_type in cases:
        answer = client.post("/Users", content=body, headers={"Content-Type": "application/scim+json"})
        assert answer.status_code == 400, body
        error = answer.json()
        assert error["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
        if scim_type:
            assert error["scimType"] == scim_type
    first = client.post("/Users", json=person("twice@acme-hr.test"))
    assert first.status_code == 201
    again = client.post("/Users", json=person("TWICE@acme-hr.test"))
    assert again.status_code == 409 and again.json()["scimType"] == "uniqueness"
    with tenant_context(world.acme.organisation):
        assert ScimUser.objects.count() == 1
    with schema_context("public"):
        assert Invitation.objects.filter(email="twice@acme-hr.test").count() == 1
    pk = first.json()["id"]
    bad_patch = {"schemas": [PATCH], "Operations": [{"op": "explode", "path": "active", "value": False}]}
    assert client.patch(f"/Users/{pk}", json=bad_patch).status_code == 400
    assert client.get(f"/Users/{pk}").json()["active"] is True
    assert client.get("/Users/not-an-id").status_code == 404


def test_a_token_works_on_its_own_host_only_and_not_once_revoked_or_expired(world, scim_token):
    raw = scim_token("acme")
    assert http_client(world.acme.host, raw).get("/Users").status_code == 200
    refused = http_client(world.globex.host, raw).get("/Users")
    assert refused.status_code == 401
    assert refused.json()["status"] == "401"
    assert http_client(world.globex.host, raw).post("/Users", json=person("x@acme-hr.test")).status_code == 401
    assert http_client(world.acme.host, None).get("/Users").status_code == 401
    assert http_client(world.acme.host, raw + "x").get("/Users").status_code == 401
    with tenant_context(world.acme.organisation):
        token = ScimToken.objects.get()
        assert token.digest != raw and raw not in token.digest
        ScimToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert http_client(world.acme.host, raw).get("/Users").status_code == 401
    other = scim_token("acme")
    with tenant_context(world.acme.organisation):
        scim_token_revoke(
            organisation=world.acme.organisation,
            token=ScimToken.objects.get(revoked_at__isnull=True, expires_at__gt=timezone.now()),
            acting_user=world.acme.hr,
        )
    assert http_client(world.acme.host, other).get("/Users").status_code == 401
    with schema_context("public"):
        actions = set(
            PlatformEvent.objects.filter(organisation=world.acme.organisation).values_list("action", flat=True)
        )
    assert {"scim_token.created", "scim_token.revoked"} <= actions


def test_an_address_with_an_account_elsewhere_is_invited_never_attached(world, scim_http):
    """globex's employee has an account; acme's HR system provisions that address: an invitation, no membership,
    and an answer that looks exactly like one for an unknown address."""
    client = scim_http("acme")
    known = client.post("/Users", json=person(world.globex.employee.email))
    unknown = client.post("/Users", json=person("never-seen@acme-hr.test"))
    assert known.status_code == unknown.status_code == 201
    assert set(known.json()) == set(unknown.json())
    assert known.json()["active"] is True
    with schema_context("public"):
        assert not Membership.objects.filter(user=world.globex.employee, organisation=world.acme.organisation).exists()
        assert Invitation.objects.filter(
            email=world.globex.employee.email, organisation=world.acme.organisation, status=Invitation.Status.PENDING
        ).exists()
    with tenant_context(world.acme.organisation):
        assert ScimUser.objects.get(pk=known.json()["id"]).user_id is None


def test_deprovisioning_ends_the_membership_here_only_cancels_coming_sessions_and_keeps_data(world, scim_http):
    acme, employee = world.acme, world.acme.employee
    with schema_context("public"):
        membership_grant(user=employee, organisation=world.globex.organisation, role=Role.EMPLOYEE)
    client = scim_http("acme")
    created = client.post("/Users", json=person(employee.email))
    assert created.status_code == 201
    pk = created.json()["id"]
    with tenant_context(acme.organisation):
        assert ScimUser.objects.get(pk=pk).user_id == employee.pk  # a member here already: linked at once
        coming = Session.objects.get(pk=acme.people["session_own"])
        past = Session.objects.get(pk=acme.people["session_past"])
        enrolment = Enrolment.objects.get(pk=acme.people["enrolment"])
        balance = sum(enrolment.credit_transactions.values_list("delta", flat=True))

    assert set_active(client, pk, False).json()["active"] is False

    with schema_context("public"):
        assert not Membership.objects.get(user=employee, organisation=acme.organisation, role=Role.EMPLOYEE).is_active
        assert Membership.objects.get(user=employee, organisation=world.globex.organisation).is_active
        employee.refresh_from_db()
        assert employee.is_active
    with tenant_context(acme.organisation):
        coming.refresh_from_db()
        past.refresh_from_db()
        assert coming.status == Session.Status.CANCELLED and not coming.late_cancellation
        assert past.status == Session.Status.SCHEDULED  # history stays as it was
        assert Enrolment.objects.filter(pk=enrolment.pk).exists()
        returned = CreditTransaction.objects.get(session=coming, reason=CreditTransaction.Reason.CANCELLED)
        assert returned.delta == 1
        assert sum(enrolment.credit_transactions.values_list("delta", flat=True)) == balance + 1
    signed_in = http_client(acme.host, None)
    assert signed_in.get("/Users").status_code == 401

    assert set_active(client, pk, True).json()["active"] is True
    with schema_context("public"):
        assert Membership.objects.get(user=employee, organisation=acme.organisation, role=Role.EMPLOYEE).is_active
    with tenant_context(acme.organisation):
        assert Enrolment.objects.filter(pk=enrolment.pk, employee_id=employee.pk).exists()

    assert client.delete(f"/Users/{pk}").status_code == 204
    assert client.get(f"/Users/{pk}").status_code == 404
    with schema_context("public"):
        assert not Membership.objects.get(user=employee, organisation=acme.organisation, role=Role.EMPLOYEE).is_active
        assert Membership.objects.get(user=employee, organisation=world.globex.organisation).is_active
    with tenant_context(acme.organisation):
        assert Session.objects.filter(pk=past.pk).exists() and Enrolment.objects.filter(pk=enrolment.pk).exists()


def test_an_accepted_invitation_links_the_account(world, scim_http):
    client = scim_http("acme")
    pk = client.post("/Users", json=person("newcomer@acme-hr.test")).json()["id"]
    with schema_context("public"):
        invitation = Invitation.objects.get(email="newcomer@acme-hr.test")
        user = invitation_accept_with_password(invitation=invitation, password="a long passphrase 42!")
    assert client.get(f"/Users/{pk}").status_code == 200
    with tenant_context(world.acme.organisation):
        assert ScimUser.objects.get(pk=pk).user_id == user.pk
    assert set_active(client, pk, False).status_code == 200
    with schema_context("public"):
        assert not Membership.objects.get(user=user, organisation=world.acme.organisation).is_active


def test_the_enterprise_extension_fills_the_members_profile_here(world, scim_http):
    client = scim_http("acme")
    boss = client.post("/Users", json=person(world.acme.hr.email)).json()
    member = person(world.acme.employee.email, title="Planner")
    member[ENTERPRISE] = {"employeeNumber": "E-77", "department": "Warehouse", "manager": {"value": boss["id"]}}
    answer = client.post("/Users", json=member).json()
    assert answer[ENTERPRISE]["manager"]["value"] == boss["id"]
    assert answer[ENTERPRISE]["employeeNumber"] == "E-77"
    with tenant_context(world.acme.organisation):
        profile = EmployeeProfile.objects.get(user_id=world.acme.employee.pk)
        assert (profile.department, profile.job_title, profile.manager_id) == ("Warehouse", "Planner", world.acme.hr.pk)
    # An address that is not yet a member here: nothing is written to any profile until they accept.
    client.post("/Users", json=person("pending@acme-hr.test"))
    with tenant_context(world.acme.organisation):
        assert not EmployeeProfile.objects.filter(user__email="pending@acme-hr.test").exists()


def test_entra_ids_patch_of_the_manager_as_a_bare_id_is_understood(world, scim_http):
    client = scim_http("acme")
    boss = client.post("/Users", json=person(world.acme.hr.email)).json()
    member = client.post("/Users", json=person(world.acme.employee.email)).json()
    body = {
        "schemas": [PATCH],
        "Operations": [
            {"op": "Add", "path": f"{ENTERPRISE}:manager", "value": boss["id"]},
            {"op": "Replace", "path": f"{ENTERPRISE}:department", "value": "Finance"},
        ],
    }
    answer = client.patch(f"/Users/{member['id']}", json=body)
    assert answer.status_code == 200, answer.text
    assert answer.json()[ENTERPRISE]["manager"]["value"] == boss["id"]
    with tenant_context(world.acme.organisation):
        profile = EmployeeProfile.objects.get(user_id=world.acme.employee.pk)
        assert (profile.department, profile.manager_id) == ("Finance", world.acme.hr.pk)


def test_entra_ids_active_as_a_string_deprovisions(world, scim_http):
    client = scim_http("acme")
    member = client.post("/Users", json=person(world.acme.employee.email)).json()
    body = {"schemas": [PATCH], "Operations": [{"op": "Replace", "path": "active", "value": "False"}]}
    assert client.patch(f"/Users/{member['id']}", json=body).json()["active"] is False
    with schema_context("public"):
        assert not Membership.objects.filter(
            user=world.acme.employee, organisation=world.acme.organisation, is_active=True
        ).exists()


def test_a_pending_persons_new_address_moves_their_invitation(world, scim_http):
    client = scim_http("acme")
    pk = client.post("/Users", json=person("old-address@acme-hr.test")).json()["id"]
    body = {
        "schemas": [PATCH],
        "Operations": [{"op": "Replace", "path": 'emails[type eq "work"].value', "value": "new-address@acme-hr.test"}],
    }
    answer = client.patch(f"/Users/{pk}", json=body)
    assert answer.status_code == 200, answer.text
    assert answer.json()["emails"][0]["value"] == "new-address@acme-hr.test"
    with schema_context("public"):
        statuses = dict(
            Invitation.objects.filter(
                organisation=world.acme.organisation, email__endswith="-address@acme-hr.test"
            ).values_list("email", "status")
        )
    assert statuses == {
        "old-address@acme-hr.test": Invitation.Status.CANCELLED,
        "new-address@acme-hr.test": Invitation.Status.PENDING,
    }

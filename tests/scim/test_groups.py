"""SCIM Groups are the organisation's departments: members are the provisioned people whose department it is;
adding, removing, replacing members and renaming or deleting a Group change departments, never people."""

from __future__ import annotations

from django_tenants.utils import schema_context, tenant_context

from programmes.models import EmployeeProfile
from scim.models import ScimGroup, ScimUser
from tenants.models import Membership, PlatformEvent
from tests.scim.conftest import http_client
from tests.scim.test_provisioning import ENTERPRISE, PATCH, person

GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


def group(name: str, *members: str) -> dict:
    return {"schemas": [GROUP], "displayName": name, "members": [{"value": pk} for pk in members]}


def patch(*operations: dict) -> dict:
    return {"schemas": [PATCH], "Operations": list(operations)}


def _people(client, *emails: str) -> list[str]:
    ids = []
    for email in emails:
        body = person(email)
        body[ENTERPRISE] = {"employeeNumber": email}
        answer = client.post("/Users", json=body)
        assert answer.status_code == 201, answer.text
        ids.append(answer.json()["id"])
    return ids


def _members(client, pk: str) -> set[str]:
    return {member["value"] for member in client.get(f"/Groups/{pk}").json().get("members", [])}


def _department(world, scim_id: str) -> tuple[str, str]:
    """(the department the User answers with, the member's employee profile's department or None)."""
    with tenant_context(world.acme.organisation):
        row = ScimUser.objects.get(pk=scim_id)
        profile = EmployeeProfile.objects.filter(user_id=row.user_id).first() if row.user_id else None
        return (row.resource.get(ENTERPRISE) or {}).get("department", ""), profile and profile.department


def test_a_group_is_made_with_members_whose_department_it_becomes(world, scim_http):
    client = scim_http("acme")
    joined, pending = _people(client, world.acme.employee.email, "pending@acme-hr.test")
    made = client.post("/Groups", json=group("Warehouse", joined, pending))
    assert made.status_code == 201, made.text
    answer = made.json()
    assert made.headers["Location"].endswith(f"/Groups/{answer['id']}")
    assert answer["displayName"] == "Warehouse" and {m["value"] for m in answer["members"]} == {joined, pending}
    assert _department(world, joined) == ("Warehouse", "Warehouse")
    assert _department(world, pending) == ("Warehouse", None)  # no profile until they join
    user = client.get(f"/Users/{joined}").json()
    assert user[ENTERPRISE]["department"] == "Warehouse"
    with schema_context("public"):
        assert PlatformEvent.objects.filter(action="scim.group_created").exists()


def test_list_filters_by_display_name_and_pages(world, scim_http):
    client = scim_http("acme")
    ids = [client.post("/Groups", json=group(f"Dept {n}")).json()["id"] for n in range(5)]
    found = client.get("/Groups", params={"filter": 'displayName eq "dept 3"'}).json()
    assert found["totalResults"] == 1 and found["Resources"][0]["id"] == ids[3]
    page = client.get("/Groups", params={"startIndex": 2, "count": 2}).json()
    assert page["totalResults"] == 5 and [r["id"] for r in page["Resources"]] == ids[1:3]
    assert page["startIndex"] == 2 and page["itemsPerPage"] == 2
    bad = client.get("/Groups", params={"filter": 'members.display eq "x"'})
    assert bad.status_code == 400 and bad.json()["scimType"] == "invalidFilter"
    lean = client.get("/Groups", params={"excludedAttributes": "members"}).json()
    assert all("members" not in resource for resource in lean["Resources"])


def test_patch_adds_removes_and_replaces_members(world, scim_http):
    client = scim_http("acme")
    a, b, c = _people(client, world.acme.employee.email, world.acme.employee2.email, "c@acme-hr.test")
    pk = client.post("/Groups", json=group("Finance", a)).json()["id"]
    added = client.patch(f"/Groups/{pk}", json=patch({"op": "add", "path": "members", "value": [{"value": b}]}))
    assert added.status_code == 200, added.text
    assert _members(client, pk) == {a, b}
    removed = client.patch(f"/Groups/{pk}", json=patch({"op": "remove", "path": f'members[value eq "{a}"]'}))
    assert removed.status_code == 200 and _members(client, pk) == {b}
    assert _department(world, a) == ("", "")  # cleared, the person stays
    replaced = client.patch(f"/Groups/{pk}", json=patch({"op": "replace", "path": "members", "value": [{"value": c}]}))
    assert replaced.status_code == 200 and _members(client, pk) == {c}
    with schema_context("public"):
        assert Membership.objects.filter(user=world.acme.employee, organisation=world.acme.organisation).first()


def test_joining_a_group_leaves_the_previous_department(world, scim_http):
    client = scim_http("acme")
    [a] = _people(client, world.acme.employee.email)
    first = client.post("/Groups", json=group("Sales", a)).json()["id"]
    second = client.post("/Groups", json=group("Marketing")).json()["id"]
    client.patch(f"/Groups/{second}", json=patch({"op": "add", "path": "members", "value": [{"value": a}]}))
    assert _members(client, first) == set() and _members(client, second) == {a}
    assert _department(world, a) == ("Marketing", "Marketing")


def test_renaming_moves_every_member_and_the_id_stays(world, scim_http):
    client = scim_http("acme")
    a, b = _people(client, world.acme.employee.email, "b@acme-hr.test")
    pk = client.post("/Groups", json=group("Ops", a, b)).json()["id"]
    renamed = client.patch(f"/Groups/{pk}", json=patch({"op": "replace", "path": "displayName", "value": "Operations"}))
    assert renamed.status_code == 200 and renamed.json()["id"] == pk
    assert _members(client, pk) == {a, b}
    assert _department(world, a) == ("Operations", "Operations") and _department(world, b)[0] == "Operations"
    put = client.put(f"/Groups/{pk}", json=group("Operations EU", b))
    assert put.status_code == 200 and {m["value"] for m in put.json()["members"]} == {b}
    assert _department(world, a) == ("", "") and _department(world, b)[0] == "Operations EU"


def test_deleting_a_group_clears_the_department_and_keeps_the_people(world, scim_http):
    client = scim_http("acme")
    [a] = _people(client, world.acme.employee.email)
    pk = client.post("/Groups", json=group("Legal", a)).json()["id"]
    assert client.delete(f"/Groups/{pk}").status_code == 204
    assert client.get(f"/Groups/{pk}").status_code == 404
    assert _department(world, a) == ("", "")
    assert client.get(f"/Users/{a}").json()["active"] is True
    with schema_context("public"):
        assert Membership.objects.get(
            user=world.acme.employee, organisation=world.acme.organisation, role="employee"
        ).is_active


def test_a_users_department_is_a_group(world, scim_http):
    client = scim_http("acme")
    pk = client.post("/Users", json=person(world.acme.employee.email)).json()["id"]  # department "Logistics"
    found = client.get("/Groups", params={"filter": 'displayName eq "Logistics"'}).json()
    assert found["totalResults"] == 1 and {m["value"] for m in found["Resources"][0]["members"]} == {pk}


def test_bad_groups_are_refused_whole(world, scim_http):
    client = scim_http("acme")
    [a] = _people(client, world.acme.employee.email)
    pk = client.post("/Groups", json=group("Support", a)).json()["id"]
    taken = client.post("/Groups", json=group("SUPPORT"))
    assert taken.status_code == 409 and taken.json()["scimType"] == "uniqueness"
    unknown = client.patch(
        f"/Groups/{pk}",
        json=patch({"op": "replace", "path": "members", "value": [{"value": "00000000-0000-0000-0000-000000000000"}]}),
    )
    assert unknown.status_code == 400 and unknown.json()["scimType"] == "invalidValue"
    assert _members(client, pk) == {a} and _department(world, a)[0] == "Support"  # nothing half-written
    nameless = client.post("/Groups", json={"schemas": [GROUP], "displayName": "  "})
    assert nameless.status_code == 400
    assert client.get("/Groups/not-an-id").status_code == 404
    with tenant_context(world.acme.organisation):
        assert ScimGroup.objects.count() == 1


def test_another_organisations_token_is_refused_and_sees_no_group(world, scim_http, scim_token):
    pk = scim_http("acme").post("/Groups", json=group("Board")).json()["id"]
    acme_token = scim_token("acme")
    assert http_client(world.globex.host, acme_token).get("/Groups").status_code == 401
    assert http_client(world.globex.host, acme_token).get(f"/Groups/{pk}").status_code == 401
    globex = scim_http("globex")
    assert globex.get(f"/Groups/{pk}").status_code == 404
    assert globex.get("/Groups").json()["totalResults"] == 0


def test_discovery_names_groups(scim_http):
    client = scim_http("acme")
    types = client.get("/ResourceTypes").json()
    assert {r["name"] for r in types["Resources"]} == {"User", "Group"}
    assert client.get("/ResourceTypes/Group").json()["endpoint"] == "/Groups"
    assert client.get(f"/Schemas/{GROUP}").status_code == 200

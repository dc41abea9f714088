"""The menu per role. On an organisation host an entry names the roles held there; on the public host the
roles held in at least one organisation (the coach's workspace is for coaches only)."""

from __future__ import annotations

import pytest

from tenants.models import Membership, Role


def _menu(client, path: str = "/") -> list[str]:
    response = client.get(path)
    assert response.status_code == 200
    return [item["label"] for item in response.context["nav_items"]]


@pytest.mark.parametrize(
    "who, sees_workspace",
    [
        ("coach_both", True),
        ("coach", True),
        ("hr", False),
        ("employee", False),
        ("outsider", False),
        ("staff", False),
    ],
)
def test_the_public_workspace_entry_is_for_coaches_only(world, client_for, who, sees_workspace):
    client = client_for(world.user(who), "localhost")
    for path in ("/", "/coach/"):
        assert ("Workspace" in _menu(client, path)) is sees_workspace


def test_platform_staff_see_the_organisations_entry_and_others_do_not(world, client_for):
    assert "Organisations" in _menu(client_for(world.staff, "localhost"))
    assert "Organisations" not in _menu(client_for(world.coach_both, "localhost"))


def test_a_coach_role_gained_after_signing_in_shows_once_my_organisations_is_read(world, client_for):
    client = client_for(world.acme.employee2, "localhost")
    assert "Workspace" not in _menu(client, "/coach/")
    membership = Membership.objects.create(
        user=world.acme.employee2, organisation=world.globex.organisation, role=Role.COACH
    )
    try:
        assert "Workspace" in _menu(client, "/")  # the landing reads the memberships anyway
        assert "Workspace" in _menu(client, "/coach/")
    finally:
        membership.delete()


@pytest.mark.parametrize(
    "who, expected, absent",
    [
        ("hr", {"Programmes", "Enrolments", "Sessions", "People", "Settings"}, {"Goals", "My assessments"}),
        (
            "coach",
            {"Programmes", "Enrolments", "Sessions", "Goals", "Reflections"},
            {"People", "Settings", "How you feel"},
        ),
        (
            "employee",
            {"Programmes", "Sessions", "Goals", "My assessments", "How you feel"},
            {"Enrolments", "People", "Workspace"},
        ),
    ],
)
def test_an_organisation_host_shows_each_role_its_own_entries(world, client_for, who, expected, absent):
    menu = set(_menu(client_for(getattr(world.acme, who), world.acme.host)))
    assert expected <= menu and not (absent & menu)

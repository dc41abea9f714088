from datetime import timedelta

from django.utils import timezone

from tenants.models import Invitation
from tests.access import Case, api, everyone, members, only


def _invitation(email: str):
    """(world, org_key) -> the pk of a pending employee invitation of that organisation to `email`
    (an attribute of the world, e.g. the outsider's address)."""

    def kwargs(world, org_key: str) -> dict:
        address = getattr(world, email).email if hasattr(world, email) else email
        invitation, _created = Invitation.objects.get_or_create(
            email=address,
            organisation=world.org(org_key).organisation,
            role="employee",
            status=Invitation.Status.PENDING,
            defaults={"first_name": "In", "last_name": "Vited", "expires_at": timezone.now() + timedelta(days=7)},
        )
        return {"pk": invitation.pk}

    return kwargs


CASES = [
    # Every host
    Case("healthz", everyone(200), host="public"),
    Case("healthz", everyone(200), other_org=200),
    Case("login", {**everyone(302), "anonymous": 200}, host="public"),
    Case("login", {**everyone(302), "anonymous": 200}, other_org=302),
    Case("logout", everyone(302), host="public", method="post"),
    Case("logout", everyone(302), method="post", other_org=302),
    Case("password_reset", everyone(200), host="public"),
    Case("password_reset", everyone(200), other_org=200),
    Case("password_reset_done", everyone(200), host="public"),
    Case("password_reset_done", everyone(200), other_org=200),
    Case(
        "password_reset_confirm",
        everyone(200),
        host="public",
        kwargs=lambda world, org: {"uidb64": "MQ", "token": "bad-token"},
    ),
    Case(
        "password_reset_confirm",
        everyone(200),
        other_org=200,
        kwargs=lambda world, org: {"uidb64": "MQ", "token": "bad-token"},
    ),
    Case("password_reset_complete", everyone(200), host="public"),
    Case("password_reset_complete", everyone(200), other_org=200),
    Case("set_language", everyone(302), host="public", method="post", data={"language": "nl", "next": "/"}),
    Case("set_language", everyone(302), method="post", data={"language": "nl", "next": "/"}, other_org=302),
    # Public host
    Case("home", everyone(200), host="public"),
    Case(
        "organisation_open",
        only("hr employee coach coach_both", 302),
        host="public",
        kwargs=lambda world, org: {"slug": "acme"},
    ),
    Case("platform_organisations", only("staff"), host="public"),
    # Only the holder of the invited address answers an invitation (here: the outsider, invited by Acme).
    Case("my_invitation_accept", only("outsider", 302), host="public", method="post", kwargs=_invitation("outsider")),
    Case("my_invitation_decline", only("outsider", 302), host="public", method="post", kwargs=_invitation("outsider")),
    Case("api_schema", {**everyone(200), "anonymous": 401}, host="public"),
    Case("api_docs", {**everyone(200), "anonymous": 401}, host="public"),
    Case("api_my_organisation-list", {**everyone(200), "anonymous": 401}, host="public"),
    Case("api_my_invitation-list", {**everyone(200), "anonymous": 401}, host="public"),
    Case(
        "api_my_invitation-accept",
        {**only("outsider"), "anonymous": 401},
        host="public",
        method="post",
        kwargs=_invitation("outsider"),
    ),
    Case(
        "api_my_invitation-decline",
        {**only("outsider"), "anonymous": 401},
        host="public",
        method="post",
        kwargs=_invitation("outsider"),
    ),
    # Organisation hosts
    Case("home", members(200)),
    Case("handoff", everyone(302), query="?token=forged", other_org=302),
    Case("handoff", everyone(302), method="post", data={"token": "forged"}, other_org=302),
    Case("handoff_begin", everyone(302), other_org=302),
    Case("invitation_accept", {**everyone(404)}, kwargs=lambda world, org: {"token": "forged"}),
    Case("people", only("hr")),
    Case("organisation_settings", only("hr")),
    # Shown on the sign-in page too, so open to anonymous visitors; the test world has no logo: 404.
    Case("organisation_logo", everyone(404)),
    Case("invitation_resend", only("hr", 302), method="post", kwargs=_invitation("invited.person@example.test")),
    Case("invitation_cancel", only("hr", 302), method="post", kwargs=_invitation("invited.person@example.test")),
    Case(
        "membership_revoke",
        only("hr", 302),
        method="post",
        kwargs=lambda world, org: {"pk": world.org(org).membership_pk("employee2", "employee")},
    ),
    # API
    Case("api_token", everyone(400), method="post", data={"email": "x@example.com", "password": "nope"}, other_org=400),
    Case("api_me", api("employee coach hr coach_both")),
    Case("api_schema", api("employee coach hr coach_both")),
    Case("api_docs", api("employee coach hr coach_both")),
    # People, invitations and settings: HR only
    Case("api_membership-list", api("hr")),
    Case("api_membership-list", api("hr"), query="?role=employee&q=eva"),
    Case(
        "api_membership-detail",
        api("hr"),
        kwargs=lambda world, org: {"pk": world.org(org).membership_pk("employee", "employee")},
    ),
    Case(
        "api_membership-revoke",
        api("hr"),
        method="post",
        kwargs=lambda world, org: {"pk": world.org(org).membership_pk("employee2", "employee")},
    ),
    Case(
        "api_membership-two-factor-reset",
        api("hr"),
        method="post",
        kwargs=lambda world, org: {"pk": world.org(org).membership_pk("employee2", "employee")},
    ),
    Case("api_invitation-list", api("hr")),
    Case(
        "api_invitation-list",
        api("hr", 201),
        method="post",
        content_type="application/json",
        data={"email": "new.person@example.test", "first_name": "New", "last_name": "Person", "role": "employee"},
    ),
    Case("api_invitation-detail", api("hr"), kwargs=_invitation("invited.person@example.test")),
    Case("api_invitation-resend", api("hr"), method="post", kwargs=_invitation("invited.person@example.test")),
    Case("api_invitation-cancel", api("hr"), method="post", kwargs=_invitation("invited.person@example.test")),
    Case("api_organisation", api("hr")),
    Case(
        "api_organisation",
        api("hr"),
        method="patch",
        content_type="application/json",
        data={"support_contact": "Call 0800"},
    ),
    Case("api_organisation_logo", api("hr"), method="delete"),
]

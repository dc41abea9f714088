from tests.access import Case, api, everyone, members, only

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
    Case("password_reset_confirm", everyone(200), host="public",
         kwargs=lambda world, org: {"uidb64": "MQ", "token": "bad-token"}),
    Case("password_reset_confirm", everyone(200), other_org=200,
         kwargs=lambda world, org: {"uidb64": "MQ", "token": "bad-token"}),
    Case("password_reset_complete", everyone(200), host="public"),
    Case("password_reset_complete", everyone(200), other_org=200),
    Case("set_language", everyone(302), host="public", method="post", data={"language": "nl", "next": "/"}),
    Case("set_language", everyone(302), method="post", data={"language": "nl", "next": "/"}, other_org=302),
    # Public host
    Case("home", everyone(200), host="public"),
    Case("organisation_open", only("hr employee coach coach_both", 302), host="public",
         kwargs=lambda world, org: {"slug": "acme"}),
    Case("platform_organisations", only("staff"), host="public"),
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
    Case("membership_revoke", only("hr", 302), method="post",
         kwargs=lambda world, org: {"pk": world.org(org).membership_pk("employee2", "employee")}),
    # API
    Case("api_token", everyone(400), method="post", data={"email": "x@example.com", "password": "nope"},
         other_org=400),
    Case("api_me", api("employee coach hr coach_both")),
    Case("api_schema", api("employee coach hr coach_both")),
    Case("api_docs", api("employee coach hr coach_both")),
]

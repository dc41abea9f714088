"""Two-factor sign-in: the code step, the person's own two-factor pages, resets by HR and platform staff.

In the test world coaches and platform staff have an authenticator (tests/world/two_factor.py); HR, employees and
the outsider do not."""

from tests.access import Case, api, everyone, members, only

# Someone with an authenticator already set up is sent from the setup page to the overview (302).
WITH_DEVICE = {"coach": 302, "coach_both": 302, "staff": 302}

CASES = [
    # Without a password step just passed, the code step sends everyone back to the password (302).
    Case("login_code", everyone(302), host="public"),
    Case("login_code", everyone(302), other_org=302),
    Case("login_code", everyone(302), host="public", method="post", data={"code": "123456"}),
    Case("login_code", everyone(302), method="post", data={"code": "123456"}, other_org=302),
    Case("two_factor", {**everyone(200), "anonymous": 302}, host="public"),
    Case("two_factor", members(200)),
    Case("two_factor_setup", {**everyone(200), "anonymous": 302, **WITH_DEVICE}, host="public"),
    Case("two_factor_setup", members(200, coach=302, coach_both=302)),
    # Without an authenticator there is nothing to renew: to the setup (302); with one, the new codes (200).
    Case(
        "two_factor_recovery_codes",
        {**everyone(302), "coach": 200, "coach_both": 200, "staff": 200},
        host="public",
        method="post",
    ),
    Case("two_factor_recovery_codes", members(302, coach=200, coach_both=200), method="post"),
    # A wrong code: the page again, with the error (200).
    Case("two_factor_disable", {**everyone(200), "anonymous": 302}, host="public", method="post", data={"code": "x"}),
    Case("two_factor_disable", members(200), method="post", data={"code": "x"}),
    Case(
        "membership_two_factor_reset",
        only("hr", 302),
        method="post",
        kwargs=lambda world, org: {"pk": world.org(org).membership_pk("employee2", "employee")},
    ),
    Case(
        "platform_two_factor_reset",
        only("staff", 302),
        host="public",
        method="post",
        data=lambda world, org: {"email": world.acme.employee.email},
    ),
    # The organisation's settings in the API carry the two-factor rule for HR (api_organisation, cases_foundation).
    Case(
        "api_organisation",
        api("hr"),
        method="patch",
        data={"two_factor_required_for_hr": True},
        content_type="application/json",
    ),
]

"""The access matrix: every URL pattern × every role × own and other organisation → expected status.

Each app lists its cases in a module here (`cases_<app>.py`, a `CASES` list), or in the modules of a
package `cases_<app>/` (one module a part of the app, as the app's own code is split). `test_access_matrix.py`
runs them all, and `test_url_coverage.py` fails when any URL pattern has no case.

Roles: anonymous, outsider (signed in, member nowhere), staff (platform staff), and in the organisation
whose host is asked: employee, coach (coaches only here), hr, coach_both (coaches in both organisations).
"other_org" is the status for HR, coach and employee of the *other* organisation whose session is
(wrongly) bound to this host: it must never be better than a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

ROLES = ("anonymous", "outsider", "staff", "employee", "coach", "hr", "coach_both")


@dataclass
class Case:
    name: str  # the URL name
    expect: dict[str, int]  # role -> status; roles left out take `default`
    host: str = "tenant"  # "tenant" (asked on both organisation hosts) or "public"
    method: str = "get"
    kwargs: Callable | None = None  # (world, org_key) -> reverse() kwargs
    data: Callable | dict | None = None  # request body (dict or (world, org_key) -> dict)
    query: str = ""
    default: int = 404
    other_org: int = 404
    content_type: str | None = None
    extra: dict = field(default_factory=dict)  # extra request headers, e.g. HTTP_HX_REQUEST

    def status_for(self, role: str) -> int:
        return self.expect.get(role, self.default)


def members(status: int, **overrides: int) -> dict[str, int]:
    """Every member role gets `status`; non-members 404, anonymous a redirect to sign in."""
    expect = {
        "anonymous": 302,
        "outsider": 404,
        "staff": 404,
        "employee": status,
        "coach": status,
        "hr": status,
        "coach_both": status,
    }
    expect.update(overrides)
    return expect


def only(roles: str, status: int = 200, *, anonymous: int = 302) -> dict[str, int]:
    """Only the named roles (space-separated) get `status`; everyone else 404; anonymous is redirected."""
    expect = dict.fromkeys(ROLES, 404)
    expect["anonymous"] = anonymous
    for role in roles.split():
        expect[role] = status
    return expect


def api(roles: str, status: int = 200) -> dict[str, int]:
    """API endpoints: anonymous gets 401, signed-in non-members 404 (membership middleware)."""
    return only(roles, status, anonymous=401)


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ROLES, status)

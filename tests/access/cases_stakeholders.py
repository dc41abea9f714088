"""Stakeholder feedback in the access matrix, on the stakeholders part of the test world
(tests/world/stakeholders.py: `s_start` is `employee`'s finished start round, released to their coach;
`s_end` their finished end round, not released; rater links by their known tokens)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from tests.access import Case, api, everyone, only

JSON = "application/json"


def pk(key: str):
    return lambda world, org: {"pk": world.org(org).people[key]}


def token(key: str):
    return lambda world, org: {"token": world.org(org).people[key]}


def _round_data(world, org) -> dict:
    # The employee has both rounds already: the form comes back with that said (400), nothing is written.
    closes_on = (timezone.localdate() + timedelta(days=10)).isoformat()
    return {"enrolment": world.org(org).people["enrolment"], "moment": "start", "closes_on": closes_on}


INVITE = {"email_1": "someone@example.test", "relation_1": "peer"}
API_INVITE = {"raters": [{"email": "someone@example.test", "relation": "peer"}]}

CASES = [
    # The employee's and the coaches' pages.
    Case("stakeholder_rounds", only("employee coach coach_both")),
    Case("stakeholder_round_create", only("employee", 400), method="post", data=_round_data),
    Case("stakeholder_round", only("employee coach"), kwargs=pk("s_start")),
    # The round has closed: no one can be invited any more, by the employee or (without consent) the coach.
    Case("stakeholder_invite", only("employee coach", 400), method="post", kwargs=pk("s_start"), data=INVITE),
    Case(
        "stakeholder_consent",
        only("employee", 302),
        method="post",
        kwargs=pk("s_start"),
        data={"coach_may_invite": "on"},
    ),
    Case("stakeholder_self", only("employee", 302), kwargs=pk("s_start")),
    Case("stakeholder_results", only("employee coach"), kwargs=pk("s_start")),
    # Not released: the coach finds nothing.
    Case("stakeholder_results", only("employee"), kwargs=pk("s_end")),
    Case("stakeholder_release", only("employee", 302), method="post", kwargs=pk("s_end")),
    Case("stakeholder_overview", only("hr")),
    # The rater's page: the link is the credential, whoever holds it; on its own organisation's host only.
    Case("rater_answer", everyone(200), other_org=200, kwargs=token("s_token_open")),
    Case("rater_answer", everyone(302), other_org=302, method="post", kwargs=token("s_token_open"), data={"save": "1"}),
    Case("rater_answer", everyone(404), kwargs=token("s_token_used")),
    Case("rater_answer", everyone(404), kwargs=token("s_token_closed")),
    # The API.
    Case("api_stakeholder-round-list", api("employee coach coach_both")),
    Case(
        "api_stakeholder-round-list",
        api("employee coach coach_both", 400),
        method="post",
        data=_round_data,
        content_type=JSON,
    ),
    Case("api_stakeholder-round-detail", api("employee coach"), kwargs=pk("s_start")),
    Case(
        "api_stakeholder-round-raters",
        api("employee coach", 400),
        method="post",
        kwargs=pk("s_start"),
        data=API_INVITE,
        content_type=JSON,
    ),
    Case(
        "api_stakeholder-round-consent",
        {**api("employee coach"), "coach": 400},
        method="post",
        kwargs=pk("s_start"),
        data={"coach_may_invite": True},
        content_type=JSON,
    ),
    Case("api_stakeholder-round-results", api("employee coach"), kwargs=pk("s_start")),
    Case("api_stakeholder-round-results", api("employee"), kwargs=pk("s_end")),
    Case("api_stakeholder-round-release", {**api("employee"), "coach": 400}, method="post", kwargs=pk("s_end")),
    Case("api_stakeholder_completion", api("hr")),
]

"""Access cases of the pulse and of the coach's page per coachee, on the pulse part of the test world
(tests/world/pulse.py). `employee` owns the pulses; `coach` coaches them (enrolment); `coach_both` coaches
employee2 (enrolment2); HR sees neither page."""

from __future__ import annotations

from tests.access import Case, api, only

JSON = "application/json"
SCALES = {"feeling": "4", "energy": "3", "confidence": "5"}


def pk(key: str):
    return lambda world, org: {"pk": world.org(org).people[key]}


CASES = [
    Case("pulses", only("employee")),
    Case("pulses", only("employee", 302), method="post", data=SCALES),
    Case("pulse_sharing", only("employee", 302), method="post", kwargs=pk("p_private"), data={"shared": "1"}),
    Case("coachee_page", only("coach"), kwargs=pk("enrolment")),
    Case("coachee_page", only("coach_both"), kwargs=pk("enrolment2")),
    # API
    Case("pulse-list", api("employee")),
    Case("pulse-list", api("employee", 201), method="post", content_type=JSON, data=SCALES),
    Case("pulse-detail", api("employee"), kwargs=pk("p_private")),
    Case(
        "pulse-sharing",
        api("employee"),
        method="post",
        kwargs=pk("p_shared"),
        content_type=JSON,
        data={"shared": False},
    ),
    Case("api_coachee_page", api("coach"), kwargs=pk("enrolment")),
    Case("api_coachee_page", api("coach_both"), kwargs=pk("enrolment2")),
]

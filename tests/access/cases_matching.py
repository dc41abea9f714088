"""Coach profiles (public host), the coach pool and choosing a coach in the access matrix.

The world's matching part (tests/world/matching.py): the organisation's coach is in the pool
(`pool_own`), the coach of both is invited (`pool_both`); `employee` holds an open intake with a
`suggestion` of their own coach while already having a coach, so choosing answers "you have a coach"
(a redirect on the pages, 409 in the API) rather than changing the world.
"""

from tests.access import Case, api, only

JSON = "application/json"


def key(name: str):
    return lambda world, org: {"pk": world.org(org).people[name]}


def coach_of(world, org):
    return {"pk": world.org(org).coach.pk}


def invite(world, org):
    people = world.org(org)
    return {"coach": people.coach.pk, "programme": people.people["programme"]}


INTAKE = {"focus": ["leadership"], "language": "en", "mode": "video", "times": ["morning"]}

CASES = [
    # The coach's own profile, on the public host
    Case("coach_profile", only("coach coach_both"), host="public"),
    Case(
        "coach_profile",
        only("coach coach_both", 302),
        host="public",
        method="post",
        data={
            "languages": ["en"],
            "specialisms": ["career"],
            "modes": ["video"],
            "time_zone": "Europe/Amsterdam",
            "capacity": "5",
        },
    ),
    Case("coach_profile_photo", only("coach"), host="public"),
    Case("api_coach_profile", {**only("coach coach_both"), "anonymous": 401}, host="public"),
    Case(
        "api_coach_profile",
        {**only("coach coach_both"), "anonymous": 401},
        host="public",
        method="patch",
        content_type=JSON,
        data={"capacity": 7},
    ),
    Case("api_coach_profile_here", api("coach coach_both")),
    Case("api_coach_profile_here", api("coach coach_both"), method="patch", content_type=JSON, data={"capacity": 7}),
    # The pool
    Case("pool", only("hr coach coach_both")),
    Case("pool_invite", only("hr", 302), method="post", data=invite),
    Case("pool_answer", only("coach", 302), method="post", kwargs=key("pool_own"), data={"answer": "accept"}),
    Case("pool_answer", only("coach_both", 302), method="post", kwargs=key("pool_both"), data={"answer": "decline"}),
    Case("pool_coach_photo", only("employee coach hr coach_both"), kwargs=coach_of),
    Case("programme_matching", only("hr"), kwargs=key("programme")),
    Case(
        "programme_matching",
        only("hr", 302),
        method="post",
        kwargs=key("programme"),
        data={"how": "employees_choose"},
    ),
    Case("api_pool-list", api("hr coach coach_both")),
    Case("api_pool-list", api("hr", 201), method="post", content_type=JSON, data=invite),
    Case(
        "api_pool-answer", api("coach"), method="post", kwargs=key("pool_own"), content_type=JSON, data={"accept": True}
    ),
    Case("api_pool-detail", api("hr", 204), method="delete", kwargs=key("pool_both")),
    Case("api_programme_matching", api("hr"), kwargs=key("programme")),
    Case(
        "api_programme_matching",
        api("hr"),
        method="put",
        kwargs=key("programme"),
        content_type=JSON,
        data={"how": "hr_assigns"},
    ),
    # Choosing a coach: the employee's own enrolment only
    Case("my_coach", only("employee")),
    Case("choose", only("employee"), kwargs=key("enrolment")),
    Case("choose", only("employee", 302), method="post", kwargs=key("enrolment"), data=INTAKE),
    Case("choose", only(""), kwargs=key("enrolment2")),
    Case("rematch", only("employee"), kwargs=key("enrolment")),
    Case("rematch", only("employee", 302), method="post", kwargs=key("enrolment"), data={"reason": "Not a fit."}),
    Case("choose_coach", only("employee", 302), method="post", kwargs=key("suggestion")),
    Case(
        "chemistry_book",
        only("employee", 302),
        method="post",
        kwargs=key("suggestion"),
        data=lambda world, org: {"slot": world.org(org).people["slot_free"]},
    ),
    Case("api_choice-detail", api("employee"), kwargs=key("enrolment")),
    Case("api_choice-detail", api(""), kwargs=key("enrolment2")),
    Case(
        "api_choice-intake",
        api("employee", 409),
        method="post",
        kwargs=key("enrolment"),
        content_type=JSON,
        data=INTAKE,
    ),
    Case(
        "api_choice-rematch",
        api("employee", 201),
        method="post",
        kwargs=key("enrolment"),
        content_type=JSON,
        data={"reason": "Not a fit."},
    ),
    Case("api_suggestion-choose", api("employee", 409), method="post", kwargs=key("suggestion")),
    Case(
        "api_suggestion-chemistry",
        api("employee", 409),
        method="post",
        kwargs=key("suggestion"),
        content_type=JSON,
        data=lambda world, org: {"slot": world.org(org).people["slot_free"]},
    ),
]
